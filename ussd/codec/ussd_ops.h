// MAP USSD operation parameters (TS 29.002 §17.7.4, MAP-SS-DataTypes;
// operations in §17.6.4): USSD-Arg and USSD-Res.
//
//   USSD-Arg ::= SEQUENCE {
//     ussd-DataCodingScheme  USSD-DataCodingScheme,      -- 04 01 dcs
//     ussd-String            USSD-String,                -- 04 L (1..160)
//     ... ,
//     alertingPattern        AlertingPattern OPTIONAL,   -- 04 01 ap
//     msisdn             [0] ISDN-AddressString OPTIONAL }
//   USSD-Res ::= SEQUENCE { ussd-DataCodingScheme, ussd-String, ... }
//
// alertingPattern has the same UNIVERSAL tag as the two mandatory elements,
// so it is recognised by its position (the first element after the string).
// Values are views into the caller's buffer: decoding allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "ussd/codec/ussd_text.h"
#include "ussdgw/result.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::ussd {

// MAP operation codes of the USSD operations (TS 29.002 §17.6.4).
enum class UssdOp : std::uint8_t {
  ProcessUnstructuredSsRequest = 59,  // argument USSD-Arg, result USSD-Res
  UnstructuredSsRequest = 60,         // argument USSD-Arg, result USSD-Res
  UnstructuredSsNotify = 61,          // argument USSD-Arg, empty result
};

// AlertingPattern (MAP-CommonDataTypes): one octet. Unknown values (e.g.
// libosmocore's 0x42) are kept, not rejected.
struct AlertingPattern {
  std::uint8_t value = 0;
  friend constexpr bool operator==(const AlertingPattern&, const AlertingPattern&) = default;
};

// Header octet of an AddressString (ext | NAI | NPI), kept so that a decoded
// msisdn re-encodes to the same octets.
struct NumberFormat {
  std::uint8_t nai = static_cast<std::uint8_t>(Nai::International);
  std::uint8_t npi = static_cast<std::uint8_t>(Npi::E164);
  friend constexpr bool operator==(const NumberFormat&, const NumberFormat&) = default;
};

struct UssdArg {
  Dcs dcs;
  Bytes string;  // packed USSD-String; decode with decode_text(dcs, string)
  std::optional<AlertingPattern> alerting_pattern;
  std::optional<Msisdn> msisdn;  // msisdn [0] ISDN-AddressString
  NumberFormat msisdn_format;    // meaningful only with msisdn
};

struct UssdRes {
  Dcs dcs;
  Bytes string;
};

// Decodes a complete USSD-Arg (the SEQUENCE TLV, nothing after it).
// Unknown extension elements after the string are skipped (X.680 §52).
// Accepts an msisdn of up to 20 octets (AddressString) although ISDN-
// AddressString is limited to 9: real traffic exceeds it.
Result<UssdArg> decode_ussd_arg(Bytes param);
Result<UssdRes> decode_ussd_res(Bytes param);

// unstructuredSS-Notify has no result parameter (TS 29.002 §17.6.4): its
// ReturnResult carries none. Accepts an empty parameter only.
Status check_notify_result(Bytes param);

// Encoders write the SEQUENCE TLV into `out` and return the octets written.
// Errors: DCS/string sizes outside the ASN.1 constraints, a bad msisdn
// digit, or `out` too small.
Result<std::size_t> encode_ussd_arg(const UssdArg& arg, std::span<std::uint8_t> out);
Result<std::size_t> encode_ussd_res(const UssdRes& res, std::span<std::uint8_t> out);

}  // namespace ussdgw::ussd
