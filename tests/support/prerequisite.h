// Prerequisites from outside the build (../shared, osmo-stp, tshark).
//
// doctest has no run-time skip, so a test case whose prerequisite is missing
// records it here and returns; doctest_main.cpp then ends the binary with
// exit code 77 when nothing failed, which ctest (SKIP_RETURN_CODE 77,
// tests/CMakeLists.txt) reports as "Not Run (skipped)", never as passed.
// Under CI=true scripts/test.sh fails on any skip.
//
//   auto dir = ussdgw::test::require_shared_dir();
//   if (!dir) return;
//   if (!ussdgw::test::require_program("tshark")) return;
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ussdgw::test {

// Marks the running test case as skipped for `why` (listed at the end of
// the run).
void skip(std::string_view why);

// ../shared (USSDGW_SHARED_DIR in the environment overrides the path compiled
// in): the directory when it holds vectors/README.md, else a skip.
std::optional<std::filesystem::path> require_shared_dir();

// For a test that found ../shared but not the vector file it needs: a failure
// when ../shared is there (a broken checkout is not a skip), a skip when not.
void shared_vectors_missing(std::string_view what);

// True when `name` is an executable on PATH; else a skip naming it.
bool require_program(std::string_view name);

// What was skipped in this run, one line per test case and reason.
const std::string& skipped_summary();
bool any_skipped();

}  // namespace ussdgw::test
