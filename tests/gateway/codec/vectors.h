// Reads `name = hex` lines from /work/shared/vectors/hex/*.hex in place.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "shared_dir.h"
#include "ussdgw/ber.h"
#include "ussdgw/result.h"

namespace tcap_test {

using Octets = std::basic_string<std::uint8_t>;

inline std::map<std::string, Octets> load_vectors(const std::string& file) {
  std::map<std::string, Octets> out;
  auto dir = shared_dir();
  if (!dir) return out;
  std::ifstream in(*dir / "vectors" / "hex" / file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    Octets b;
    if (ussdgw::from_hex(std::string_view(line).substr(eq + 3), b)) out[line.substr(0, eq)] = b;
  }
  return out;
}

inline Octets hex(std::string_view h) {
  Octets b;
  ussdgw::from_hex(h, b);
  return b;
}

inline ussdgw::Bytes span(const Octets& o) { return {o.data(), o.size()}; }
inline Octets octets(ussdgw::Bytes b) { return Octets(b.begin(), b.end()); }

// The TCAP message inside a lower-layer frame: the TLV that starts at the
// first occurrence of `prefix` (a few known leading octets of the message).
inline std::optional<Octets> tcap_at(const Octets& frame, const Octets& prefix) {
  auto pos = frame.find(prefix);
  if (pos == Octets::npos) return std::nullopt;
  auto t = ussdgw::ber::parse_tlv(ussdgw::Bytes(frame.data() + pos, frame.size() - pos));
  if (!t) return std::nullopt;
  return octets(t->whole);
}

}  // namespace tcap_test
