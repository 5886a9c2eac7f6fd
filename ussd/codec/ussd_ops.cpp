// USSD-Arg / USSD-Res (TS 29.002 §17.7.4, MAP-SS-DataTypes).
#include "ussd/codec/ussd_ops.h"

#include "ussdgw/ber.h"

namespace ussdgw::ussd {
namespace {

// ussd-DataCodingScheme and ussd-String, the two mandatory leading elements
// of both USSD-Arg and USSD-Res.
struct Head {
  Dcs dcs;
  Bytes string;
};

Result<Head> read_head(ber::Reader& r) {
  USSDGW_TRY(dcs, r.expect(ber::kOctetString, "USSD: missing ussd-DataCodingScheme"));
  // USSD-DataCodingScheme ::= OCTET STRING (SIZE (1)).
  if (dcs.value.size() != 1) return Error{"USSD: ussd-DataCodingScheme is not one octet", dcs.whole.data()};
  USSDGW_TRY(str, r.expect(ber::kOctetString, "USSD: missing ussd-String"));
  // USSD-String ::= OCTET STRING (SIZE (1..maxUSSD-StringLength)), max 160.
  if (str.value.empty()) return Error{"USSD: empty ussd-String", str.whole.data()};
  if (str.value.size() > kMaxUssdStringOctets)
    return Error{"USSD: ussd-String longer than 160 octets", str.whole.data()};
  return Head{Dcs{dcs.value[0]}, str.value};
}

Result<ber::Reader> open_sequence(Bytes param, const char* what) {
  USSDGW_TRY(seq, ber::parse_single(param));
  if (!(seq.tag == ber::kSequence)) return Error{what, param.data()};
  return ber::Reader(seq.value, 1);
}

Status check_head(Bytes string) {
  if (string.empty()) return Error{"USSD: empty ussd-String", nullptr};
  if (string.size() > kMaxUssdStringOctets) return Error{"USSD: ussd-String longer than 160 octets", string.data()};
  return Ok{};
}

void write_head(ber::Writer& w, Dcs dcs, Bytes string) {
  const std::uint8_t d = dcs.value;
  w.put(ber::kOctetString, Bytes(&d, 1));
  w.put(ber::kOctetString, string);
}

}  // namespace

Result<UssdArg> decode_ussd_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "USSD: USSD-Arg is not a SEQUENCE"));
  USSDGW_TRY(head, read_head(r));
  UssdArg arg;
  arg.dcs = head.dcs;
  arg.string = head.string;
  // Extension additions in their ASN.1 order: alertingPattern, msisdn [0].
  // Anything else (later versions, vendor elements) is skipped. An OCTET
  // STRING is the alertingPattern only in the position right after the
  // string; a later one is an unknown element.
  bool first_extension = true;
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (first_extension && t.tag == ber::kOctetString) {
      if (t.value.size() != 1) return Error{"USSD: alertingPattern is not one octet", t.whole.data()};
      arg.alerting_pattern = AlertingPattern{t.value[0]};
    } else if (t.tag == ber::context(0) && !arg.msisdn) {
      USSDGW_TRY(a, decode_address_string(t.value));
      arg.msisdn = Msisdn{a.digits};
      arg.msisdn_format = NumberFormat{a.nai, a.npi};
    }
    first_extension = false;
  }
  return arg;
}

Result<UssdRes> decode_ussd_res(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "USSD: USSD-Res is not a SEQUENCE"));
  USSDGW_TRY(head, read_head(r));
  USSDGW_CHECK(r.skip_rest());  // extension elements: parsed for bounds, then ignored
  return UssdRes{head.dcs, head.string};
}

Status check_notify_result(Bytes param) {
  if (!param.empty()) return Error{"USSD: unstructuredSS-Notify result carries a parameter", param.data()};
  return Ok{};
}

Result<std::size_t> encode_ussd_arg(const UssdArg& arg, std::span<std::uint8_t> out) {
  USSDGW_CHECK(check_head(arg.string));
  ber::Writer w(out);
  const auto seq = w.open(ber::kSequence);
  write_head(w, arg.dcs, arg.string);
  if (arg.alerting_pattern) {
    const std::uint8_t ap = arg.alerting_pattern->value;
    w.put(ber::kOctetString, Bytes(&ap, 1));
  }
  if (arg.msisdn) {
    AddressString a;
    a.nai = arg.msisdn_format.nai;
    a.npi = arg.msisdn_format.npi;
    a.digits = arg.msisdn->digits;
    // ISDN-AddressString is SIZE (1..9): at most 16 digits.
    if (a.digits.empty() || a.digits.size() > 16) return Error{"USSD: msisdn must have 1 to 16 digits", nullptr};
    std::uint8_t buf[9];
    const std::size_t n = encode_address_string(a, buf, sizeof buf);
    if (n == 0) return Error{"USSD: msisdn has a digit TBCD cannot encode", nullptr};
    w.put(ber::context(0), Bytes(buf, n));
  }
  w.close(seq);
  if (!w.ok()) return Error{"USSD: output buffer too small for USSD-Arg", nullptr};
  return w.size();
}

Result<std::size_t> encode_ussd_res(const UssdRes& res, std::span<std::uint8_t> out) {
  USSDGW_CHECK(check_head(res.string));
  ber::Writer w(out);
  const auto seq = w.open(ber::kSequence);
  write_head(w, res.dcs, res.string);
  w.close(seq);
  if (!w.ok()) return Error{"USSD: output buffer too small for USSD-Res", nullptr};
  return w.size();
}

}  // namespace ussdgw::ussd
