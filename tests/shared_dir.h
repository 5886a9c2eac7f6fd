// Locates ../shared (read in place, never copied). Tests that need it call
// shared_dir() and, when it is absent, say so with MESSAGE and return: a
// skip that is reported, not a pass that pretends to have checked.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <optional>

inline std::optional<std::filesystem::path> shared_dir() {
  std::filesystem::path p = USSDGW_SHARED_DIR;
  if (const char* env = std::getenv("USSDGW_SHARED_DIR")) p = env;
  if (std::filesystem::exists(p / "vectors" / "README.md")) return p;
  return std::nullopt;
}
