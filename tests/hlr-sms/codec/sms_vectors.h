// Test helpers for the SMS codec: read `name = hex` vector files in place
// from ../shared/vectors/hex and pull MAP parameters out of TCAP messages
// with a small BER walk (Q.773 component portion), so the tests never
// depend on fixed offsets.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shared_dir.h"
#include "support/hex_vectors.h"
#include "ussdgw/ber.h"
#include "ussdgw/result.h"

namespace sms_test {

using Octets = std::basic_string<std::uint8_t>;
using VectorFile = std::map<std::string, Octets>;

inline std::optional<VectorFile> load_hex(const char* file) {
  auto dir = shared_dir();
  if (!dir) return std::nullopt;
  return ussdgw::test::read_hex_vectors(*dir / "vectors" / "hex" / file);
}

inline ussdgw::Bytes view(const Octets& o) { return {o.data(), o.size()}; }

struct Component {
  std::uint8_t type = 0;  // 0xa1 invoke, 0xa2 returnResultLast, 0xa3 returnError, 0xa7 returnResult
  std::int64_t op = -1;   // operation (or error) code
  ussdgw::Bytes param;    // whole parameter TLV, empty when absent
};

// Components of a TCAP Begin/Continue/End message (Q.773 §4.2).
inline std::vector<Component> components(ussdgw::Bytes tcap) {
  using namespace ussdgw::ber;
  std::vector<Component> out;
  auto top = parse_tlv(tcap);
  if (!top) return out;
  auto r = Reader(tcap).enter(*top);
  if (!r) return out;
  while (!r->at_end()) {
    auto t = r->next();
    if (!t) return out;
    if (t->tag != application(12, true)) continue;  // component portion 6c
    auto cr = r->enter(*t);
    if (!cr) return out;
    while (!cr->at_end()) {
      auto c = cr->next();
      if (!c) return out;
      Component comp;
      comp.type = static_cast<std::uint8_t>(0xa0 | c->tag.number);
      auto in = cr->enter(*c);
      if (!in || !in->next()) return out;  // invokeID
      if (c->tag.number == 1) {
        (void)in->optional(context(0));  // linkedID
        auto op = in->next();
        if (op) comp.op = to_integer(*op).ok() ? *to_integer(*op) : -1;
      } else if (c->tag.number == 2 || c->tag.number == 7) {
        if (!in->at_end()) {
          auto seq = in->next();
          if (!seq) return out;
          auto sr = in->enter(*seq);
          if (!sr) return out;
          auto op = sr->next();
          if (op) comp.op = to_integer(*op).ok() ? *to_integer(*op) : -1;
          if (!sr->at_end()) {
            auto p = sr->next();
            if (p) comp.param = p->whole;
          }
        }
        out.push_back(comp);
        continue;
      } else if (c->tag.number == 3) {
        auto code = in->next();
        if (code) comp.op = to_integer(*code).ok() ? *to_integer(*code) : -1;
      }
      if (!in->at_end()) {
        auto p = in->next();
        if (p) comp.param = p->whole;
      }
      out.push_back(comp);
    }
  }
  return out;
}

// The TCAP message inside an SCCP UDT/XUDT or M3UA DATA: the first
// Begin/End/Continue TLV at or after `from` that holds a component portion.
inline std::optional<ussdgw::Bytes> find_tcap(ussdgw::Bytes b, std::size_t from = 0) {
  for (std::size_t i = from; i < b.size(); ++i) {
    if (b[i] != 0x62 && b[i] != 0x64 && b[i] != 0x65) continue;
    auto t = ussdgw::ber::parse_tlv(b.subspan(i));
    if (!t || t->whole.size() < 10) continue;
    if (!components(t->whole).empty()) return t->whole;
  }
  return std::nullopt;
}

}  // namespace sms_test
