// The value parsers the simulator's command line (cli.cpp) and its scripts
// (script.cpp) share, so that `--timeout 1.5s` and `timeout 1.5s` mean the
// same thing.
#pragma once

#include <charconv>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <system_error>

namespace ussdgw::sim {

// "10s", "500ms", "1.5s", "2" (seconds); positive only.
inline std::optional<std::chrono::milliseconds> parse_duration(std::string_view v) {
  double scale = 1000;
  if (v.ends_with("ms")) {
    scale = 1;
    v.remove_suffix(2);
  } else if (v.ends_with("s")) {
    v.remove_suffix(1);
  }
  double x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x <= 0) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(x * scale));
}

// The whole of `v` as a number of type T, or nullopt.
template <class T>
std::optional<T> parse_num(std::string_view v) {
  T x{};
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return x;
}

// `min` to `max` decimal digits and nothing else.
inline bool digits_ok(std::string_view s, std::size_t min, std::size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace ussdgw::sim
