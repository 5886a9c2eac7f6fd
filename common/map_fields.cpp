#include "ussdgw/map_fields.h"

namespace ussdgw::fields {

Result<ber::Reader> enter(const ber::Tlv& t, const char* not_constructed) {
  if (!t.tag.constructed) return Error{not_constructed, t.whole.data()};
  return ber::Reader(t.whole, 0).enter(t);
}

Result<ber::Reader> open_sequence(Bytes param, const char* not_seq) {
  USSDGW_TRY(t, ber::parse_single(param));
  if (t.tag != ber::kSequence) return Error{not_seq, param.data()};
  return enter(t, not_seq);
}

Result<AddressString> address(const ber::Tlv& t, const char* what) {
  if (t.tag.constructed || t.value.empty()) return Error{what, t.whole.data()};
  auto a = decode_address_string(t.value);
  if (!a) return Error{what, a.error().at ? a.error().at : t.whole.data()};
  return a.value();
}

Result<Imsi> imsi(const ber::Tlv& t, const char* what) {
  if (t.tag.constructed || t.value.size() < 3 || t.value.size() > 8) return Error{what, t.whole.data()};
  auto d = decode_tbcd(t.value);
  if (!d) return Error{what, d.error().at};
  return Imsi{d.value()};
}

Status null(const ber::Tlv& t, const char* what) {
  if (t.tag.constructed || !t.value.empty()) return Error{what, t.whole.data()};
  return Ok{};
}

Result<std::int64_t> integer(const ber::Tlv& t, std::int64_t lo, std::int64_t hi, const char* what) {
  auto v = ber::to_integer(t);
  if (!v || *v < lo || *v > hi) return Error{what, t.whole.data()};
  return *v;
}

Result<Bytes> octets(const ber::Tlv& t, std::size_t lo, std::size_t hi, const char* what) {
  if (t.tag.constructed || t.value.size() < lo || t.value.size() > hi) return Error{what, t.whole.data()};
  return t.value;
}

}  // namespace ussdgw::fields
