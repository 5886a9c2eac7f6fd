// Reads a vector file of `name = hex` lines (../shared/vectors/hex/*.hex, in
// place) into a map; comment lines (#), other lines and bad hex are skipped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ussdgw/result.h"

namespace ussdgw::test {

using HexVectors = std::map<std::string, std::basic_string<std::uint8_t>>;

// nullopt when the file cannot be opened.
inline std::optional<HexVectors> read_hex_vectors(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  HexVectors out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    std::basic_string<std::uint8_t> b;
    if (!from_hex(std::string_view(line).substr(eq + 3), b)) continue;
    out[line.substr(0, eq)] = std::move(b);
  }
  return out;
}

}  // namespace ussdgw::test
