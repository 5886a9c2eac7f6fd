// Reads `name = hex` lines from /work/shared/vectors/hex/*.hex in place.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "shared_dir.h"
#include "support/hex_vectors.h"
#include "ussdgw/ber.h"
#include "ussdgw/result.h"

namespace tcap_test {

using Octets = std::basic_string<std::uint8_t>;

// Empty when ../shared or the file is missing.
inline std::map<std::string, Octets> load_vectors(const std::string& file) {
  auto dir = shared_dir();
  if (!dir) return {};
  return ussdgw::test::read_hex_vectors(*dir / "vectors" / "hex" / file).value_or(ussdgw::test::HexVectors{});
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
