// Every test binary's main: doctest, plus the skip convention of
// support/prerequisite.h. A run in which a prerequisite was missing and
// nothing failed exits 77, which ctest reports as "Not Run (skipped)".
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "support/prerequisite.h"

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int rc = context.run();
  if (context.shouldExit() || rc != 0) return rc;
  if (ussdgw::test::any_skipped()) {
    std::fprintf(stderr, "SKIPPED: a prerequisite is missing, so these test cases did not run:\n%s",
                 ussdgw::test::skipped_summary().c_str());
    return 77;
  }
  return 0;
}
