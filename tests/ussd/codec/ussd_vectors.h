// Test helpers for the USSD codec tests: read the shared vector files in
// place (`name = hex` lines) and dig a component parameter out of a TCAP
// message with the generic BER reader.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <cstdlib>

#include "shared_dir.h"
#include "support/hex_vectors.h"
#include "ussdgw/ber.h"
#include "ussdgw/result.h"

namespace ussd_test {

using Octets = std::vector<std::uint8_t>;

// Parses every `name = hex` line of vectors/hex/<file>; comments (#) and
// other lines are ignored. Empty map when the file is missing.
inline std::map<std::string, Octets> load_hex(const std::filesystem::path& shared, const char* file) {
  std::map<std::string, Octets> out;
  for (auto& [name, bytes] : ussdgw::test::read_hex_vectors(shared / "vectors" / "hex" / file).value_or(ussdgw::test::HexVectors{}))
    out[name] = Octets(bytes.begin(), bytes.end());
  return out;
}

inline Octets hex(std::string_view h) {
  std::basic_string<std::uint8_t> b;
  ussdgw::from_hex(h, b);
  return Octets(b.begin(), b.end());
}

inline ussdgw::Bytes span(const Octets& o) { return {o.data(), o.size()}; }

// Invoke or ReturnResult component (a1 / a2) -> its parameter TLV
// (X.880: invokeID, [linkedID], opcode, parameter; returnResult wraps
// opcode + parameter in a SEQUENCE).
inline std::optional<ussdgw::Bytes> component_param(ussdgw::Bytes comp) {
  using namespace ussdgw;
  auto c = ber::parse_tlv(comp);
  if (!c.ok()) return std::nullopt;
  auto r = ber::Reader(c->value, 1);
  auto id = r.next();  // invokeID
  if (!id.ok()) return std::nullopt;
  if (c->tag == ber::context(2, true)) {  // returnResultLast: SEQUENCE { opcode, result }
    auto seq = r.next();
    if (!seq.ok()) return std::nullopt;
    auto s = ber::Reader(seq->value, 2);
    if (!s.next().ok()) return std::nullopt;
    auto p = s.next();
    if (!p.ok()) return std::nullopt;
    return p->whole;
  }
  auto op = r.next();
  if (!op.ok()) return std::nullopt;
  if (op->tag == ber::context(0)) op = r.next();  // linkedID
  auto p = r.next();
  if (!p.ok()) return std::nullopt;
  return p->whole;
}

// TCAP Begin/Continue/End -> the parameter of its first component.
inline std::optional<ussdgw::Bytes> tcap_first_param(ussdgw::Bytes tcap) {
  using namespace ussdgw;
  auto m = ber::parse_tlv(tcap);
  if (!m.ok()) return std::nullopt;
  auto r = ber::Reader(m->value, 1);
  while (!r.at_end()) {
    auto t = r.next();
    if (!t.ok()) return std::nullopt;
    if (t->tag == ber::application(12, true)) {  // ComponentPortion
      auto cr = ber::Reader(t->value, 2);
      auto comp = cr.next();
      if (!comp.ok()) return std::nullopt;
      return component_param(comp->whole);
    }
  }
  return std::nullopt;
}

}  // namespace ussd_test
