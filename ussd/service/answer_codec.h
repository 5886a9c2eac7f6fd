// What the USSD service puts on the wire for a customer's answer: the
// parameters of the components (TS 29.002 §17.7.4 USSD-Arg / USSD-Res) and
// the MAP error codes named in the config or by the customer (§17.6.6).
// Pure functions over fixed buffers: no I/O, no heap, so the hot path of a
// step allocates nothing here and the rules are tested without sockets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ussd/codec/ussd_ops.h"
#include "ussd/service/step.h"
#include "ussdgw/result.h"

namespace ussdgw::ussd {

// One encoded USSD-Res or USSD-Arg TLV. 160 string octets + DCS + the
// SEQUENCE and OCTET STRING headers stay below 176 octets; 192 leaves room
// for nothing else (we never send msisdn or alertingPattern).
struct EncodedParameter {
  std::array<std::uint8_t, 192> octets{};
  std::size_t size = 0;
  Dcs dcs;
  [[nodiscard]] Bytes bytes() const { return {octets.data(), size}; }
};

// USSD-Res for the processUnstructuredSS-Request result (a final text), the
// text encoded with EncodeAs::Auto: GSM 7-bit (DCS 0x0F) when every character
// has a code in the default alphabet or its extension table, else UCS2
// (DCS 0x48) (TS 23.038 §5, §6.2). Errors (reason in Error::what): empty
// text, invalid UTF-8, more than 160 octets once encoded.
Result<EncodedParameter> encode_reply(std::string_view utf8);
// USSD-Arg for an unstructuredSS-Request invoke (a prompt), same text rules.
Result<EncodedParameter> encode_prompt(std::string_view utf8);

// MAP local error code for an error the customer may release with
// (docs/customer-api.md "error"; TS 29.002 §17.6.6).
std::uint8_t map_error_code(MapErrorName e);
// MAP local error code for an ASN.1 error name as tshark prints it
// ("systemFailure", "ussd-Busy", "unknownAlphabet", ...): config
// `fallback.map_error`. nullopt for a name TS 29.002 §17.6.6 does not define.
std::optional<std::uint8_t> map_error_code(std::string_view name);

}  // namespace ussdgw::ussd
