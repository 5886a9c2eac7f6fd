// MAP dialogue PDUs (TS 29.002 §17.4). See map_dialogue.h.
#include "gateway/codec/map_dialogue.h"

#include <algorithm>

namespace ussdgw::map {
namespace {

using ber::Tlv;

// Nesting level of a MAP-DialoguePDU inside a TCAP message: TCMessage(0) 6b(1)
// EXTERNAL(2) [0](3) AARQ(4) [30](5) EXTERNAL(6) [0](7) PDU(8).
constexpr int kPduDepth = 8;

bool equal(Bytes a, Bytes b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

Result<std::uint8_t> enum_value(const Tlv& t, const char* what) {
  USSDGW_TRY(v, ber::to_integer(t));
  if (v < 0 || v > 255) return Error{what, t.value.data()};
  return static_cast<std::uint8_t>(v);
}

// Everything after the known leading fields; ExtensionContainer and other
// known elements after the extension marker are picked out of it, unknown
// ones are skipped (X.680 §52 extensibility).
Status read_tail(ber::Reader& r, Bytes value, DialoguePdu& p) {
  p.tail = value.subspan(static_cast<std::size_t>(r.here() - value.data()));
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == ber::kSequence && !p.extension_container) {
      p.extension_container = t.whole;
    } else if (p.type == DialoguePduType::Open && t.tag == ber::context(2)) {
      p.calling_msisdn = t.value;
    } else if (p.type == DialoguePduType::Open && t.tag == ber::context(3)) {
      p.calling_vlr_address = t.value;
    } else if (p.type == DialoguePduType::Refuse && t.tag == ber::kOid) {
      p.alternative_ac = t.value;
    }
  }
  return Ok{};
}

Result<DialoguePdu> decode_pdu(const Tlv& t, int depth) {
  if (t.tag.cls != ber::Class::Context || !t.tag.constructed || t.tag.number > 5)
    return Error{"MAP: unknown MAP-DialoguePDU", t.whole.data()};
  DialoguePdu p;
  p.type = static_cast<DialoguePduType>(t.tag.number);
  ber::Reader r(t.value, depth + 1);
  switch (p.type) {
    case DialoguePduType::Open: {
      USSDGW_TRY(dst, r.optional(ber::context(0)));
      if (dst) p.destination_reference = dst->value;
      USSDGW_TRY(org, r.optional(ber::context(1)));
      if (org) p.origination_reference = org->value;
      break;
    }
    case DialoguePduType::Accept:
    case DialoguePduType::Close:
      break;
    case DialoguePduType::Refuse: {
      USSDGW_TRY(reason, r.expect(ber::kEnumerated, "MAP: map-refuse without reason"));
      USSDGW_TRY(v, enum_value(reason, "MAP: refuse reason out of range"));
      p.refuse_reason = static_cast<RefuseReason>(v);
      break;
    }
    case DialoguePduType::UserAbort: {
      if (r.at_end()) return Error{"MAP: map-userAbort without choice", r.here()};
      USSDGW_TRY(c, r.next());
      if (c.tag.cls != ber::Class::Context || c.tag.constructed || c.tag.number > 3)
        return Error{"MAP: unknown MAP-UserAbortChoice", c.whole.data()};
      p.user_abort_choice = static_cast<UserAbortChoice>(c.tag.number);
      if (c.tag.number <= 1) {
        USSDGW_CHECK(ber::to_null(c));
      } else {
        USSDGW_TRY(v, enum_value(c, "MAP: user abort reason out of range"));
        p.user_abort_reason = v;
      }
      break;
    }
    case DialoguePduType::ProviderAbort: {
      USSDGW_TRY(reason, r.expect(ber::kEnumerated, "MAP: map-providerAbort without reason"));
      USSDGW_TRY(v, enum_value(reason, "MAP: provider abort reason out of range"));
      p.provider_abort_reason = static_cast<ProviderAbortReason>(v);
      break;
    }
  }
  USSDGW_CHECK(read_tail(r, t.value, p));
  return p;
}

}  // namespace

const char* to_string(DialoguePduType t) {
  switch (t) {
    case DialoguePduType::Open: return "map-open";
    case DialoguePduType::Accept: return "map-accept";
    case DialoguePduType::Close: return "map-close";
    case DialoguePduType::Refuse: return "map-refuse";
    case DialoguePduType::UserAbort: return "map-userAbort";
    case DialoguePduType::ProviderAbort: return "map-providerAbort";
  }
  return "unknown";
}

Result<DialoguePdu> decode_dialogue_pdu(Bytes tlv) {
  USSDGW_TRY(t, ber::parse_single(tlv, kPduDepth));
  return decode_pdu(t, kPduDepth);
}

Result<DialoguePdu> decode_user_information(Bytes user_information) {
  ber::Reader r(user_information, kPduDepth - 3);
  while (!r.at_end()) {
    USSDGW_TRY(ext, r.expect(ber::kExternal, "MAP: user-information element is not an EXTERNAL"));
    USSDGW_TRY(er, r.enter(ext));
    USSDGW_TRY(oid, er.expect(ber::kOid, "MAP: EXTERNAL without direct-reference"));
    if (!equal(oid.value, kMapDialogueAs)) continue;  // another abstract syntax: not ours
    USSDGW_CHECK(er.optional(ber::kInteger));         // indirect-reference (unused by MAP)
    USSDGW_CHECK(er.optional(ber::universal(7)));     // data-value-descriptor
    USSDGW_TRY(single, er.expect(ber::context(0, true), "MAP: map-DialogueAS EXTERNAL must use single-ASN1-type [0]"));
    if (!er.at_end()) return Error{"MAP: extra element in EXTERNAL", er.here()};
    USSDGW_TRY(sr, er.enter(single));
    USSDGW_TRY(pdu, sr.next());
    if (!sr.at_end()) return Error{"MAP: more than one MAP-DialoguePDU", sr.here()};
    return decode_pdu(pdu, sr.depth());
  }
  return Error{"MAP: no map-DialogueAS EXTERNAL in user-information", user_information.data()};
}

void put_dialogue_pdu(ber::Writer& w, const DialoguePdu& p) {
  auto m = w.open(ber::context(static_cast<std::uint8_t>(p.type), true));
  switch (p.type) {
    case DialoguePduType::Open:
      if (p.destination_reference) w.put(ber::context(0), *p.destination_reference);
      if (p.origination_reference) w.put(ber::context(1), *p.origination_reference);
      break;
    case DialoguePduType::Accept:
    case DialoguePduType::Close:
      break;
    case DialoguePduType::Refuse:
      w.put_integer(ber::kEnumerated, static_cast<std::uint8_t>(p.refuse_reason));
      break;
    case DialoguePduType::UserAbort: {
      auto n = static_cast<std::uint8_t>(p.user_abort_choice);
      if (n <= 1) w.put_null(ber::context(n));
      else w.put_integer(ber::context(n), p.user_abort_reason);
      break;
    }
    case DialoguePduType::ProviderAbort:
      w.put_integer(ber::kEnumerated, static_cast<std::uint8_t>(p.provider_abort_reason));
      break;
  }
  if (!p.tail.empty()) {
    w.put_raw(p.tail);
  } else {
    if (p.extension_container) w.put_raw(*p.extension_container);
    if (p.type == DialoguePduType::Refuse && p.alternative_ac) w.put(ber::kOid, *p.alternative_ac);
  }
  w.close(m);
}

void put_user_information(ber::Writer& w, const DialoguePdu& p) {
  auto ext = w.open(ber::kExternal);
  w.put(ber::kOid, Bytes(kMapDialogueAs));
  auto single = w.open(ber::context(0, true));
  put_dialogue_pdu(w, p);
  w.close(single);
  w.close(ext);
}

Result<Bytes> encode_user_information(std::span<std::uint8_t> out, const DialoguePdu& p) {
  ber::Writer w(out);
  put_user_information(w, p);
  if (!w.ok()) return Error{"MAP: output buffer too small", nullptr};
  return w.bytes();
}

DialoguePdu make_open(std::optional<Bytes> destination_reference, std::optional<Bytes> origination_reference) {
  DialoguePdu p;
  p.type = DialoguePduType::Open;
  p.destination_reference = destination_reference;
  p.origination_reference = origination_reference;
  return p;
}

DialoguePdu make_refuse(RefuseReason reason) {
  DialoguePdu p;
  p.type = DialoguePduType::Refuse;
  p.refuse_reason = reason;
  return p;
}

DialoguePdu make_user_abort(UserAbortChoice choice, std::uint8_t reason) {
  DialoguePdu p;
  p.type = DialoguePduType::UserAbort;
  p.user_abort_choice = choice;
  p.user_abort_reason = reason;
  return p;
}

DialoguePdu make_provider_abort(ProviderAbortReason reason) {
  DialoguePdu p;
  p.type = DialoguePduType::ProviderAbort;
  p.provider_abort_reason = reason;
  return p;
}

ReferenceReading read_reference(Bytes value) {
  ReferenceReading rr;
  if (value.empty()) return rr;
  if (auto a = decode_address_string(value)) rr.address = *a;
  if (auto d = decode_tbcd(value)) rr.raw_tbcd = *d;
  if (!(value[0] & 0x80) && rr.raw_tbcd) {
    auto v = rr.raw_tbcd->view();
    bool decimal = std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
    rr.likely_raw_imsi = decimal && v.size() >= 6 && v.size() <= 15;
  }
  return rr;
}

Digits ReferenceReading::best_digits() const {
  if (likely_raw_imsi && raw_tbcd) return *raw_tbcd;
  if (address) return address->digits;
  if (raw_tbcd) return *raw_tbcd;
  return {};
}

}  // namespace ussdgw::map
