#include "support/prerequisite.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

namespace ussdgw::test {
namespace {

std::string g_current_test;
std::set<std::string> g_skipped;  // "test case: reason", sorted, once each
std::string g_summary;

// Tracks the running test case so a skip can name it.
struct SkipListener : doctest::IReporter {
  explicit SkipListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData& tc) override { g_current_test = tc.m_name; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("prerequisites", 1, SkipListener);

std::filesystem::path shared_path() {
  if (const char* env = std::getenv("USSDGW_SHARED_DIR")) return env;
  return USSDGW_SHARED_DIR;
}

}  // namespace

void skip(std::string_view why) {
  std::string line = g_current_test + ": " + std::string(why);
  if (!g_skipped.insert(line).second) return;
  g_summary += "  " + line + "\n";
}

std::optional<std::filesystem::path> require_shared_dir() {
  const auto p = shared_path();
  if (std::filesystem::exists(p / "vectors" / "README.md")) return p;
  skip("../shared absent (no " + (p / "vectors" / "README.md").string() + "; USSDGW_SHARED_DIR overrides)");
  return std::nullopt;
}

void shared_vectors_missing(std::string_view what) {
  if (!require_shared_dir()) return;
  FAIL_CHECK("../shared is present but " << std::string(what) << " is missing from it");
}

bool require_program(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "";
  while (true) {
    const auto colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  skip(std::string(name) + " is not installed (scripts/setup.sh)");
  return false;
}

const std::string& skipped_summary() { return g_summary; }
bool any_skipped() { return !g_skipped.empty(); }

}  // namespace ussdgw::test
