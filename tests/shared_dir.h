// Locates ../shared (read in place, never copied). Tests that need it call
// shared_dir() (= test::require_shared_dir()) and return when it is absent:
// the test case is then recorded as skipped and the binary exits 77, which
// ctest shows as "Not Run (skipped)" (support/prerequisite.h), not as a pass.
// USSDGW_SHARED_DIR in the environment overrides the path compiled in.
#pragma once
#include "support/prerequisite.h"

inline std::optional<std::filesystem::path> shared_dir() { return ussdgw::test::require_shared_dir(); }
