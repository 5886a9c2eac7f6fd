#include "ussd/service/answer_codec.h"

#include "gateway/codec/map_errors.h"
#include "gateway/codec/map_names.h"

namespace ussdgw::ussd {

namespace {

// The text goes through encode_text first (that is where "too long" and
// "not encodable" are found); the SEQUENCE around it cannot fail then.
template <class Param>
Result<EncodedParameter> encode_with(std::string_view utf8,
                                     Result<std::size_t> (*encode)(const Param&, std::span<std::uint8_t>)) {
  std::array<std::uint8_t, kMaxUssdStringOctets> string{};
  USSDGW_TRY(text, encode_text(utf8, string, EncodeAs::Auto));
  Param p;
  p.dcs = text.dcs;
  p.string = Bytes(string.data(), text.octets);
  EncodedParameter out;
  USSDGW_TRY(n, encode(p, out.octets));
  out.size = n;
  out.dcs = text.dcs;
  return out;
}

}  // namespace

Result<EncodedParameter> encode_reply(std::string_view utf8) { return encode_with<UssdRes>(utf8, &encode_ussd_res); }

Result<EncodedParameter> encode_prompt(std::string_view utf8) { return encode_with<UssdArg>(utf8, &encode_ussd_arg); }

std::uint8_t map_error_code(MapErrorName e) {
  using map::MapError;
  MapError code = MapError::SystemFailure;
  switch (e) {
    case MapErrorName::SystemFailure: code = MapError::SystemFailure; break;
    case MapErrorName::DataMissing: code = MapError::DataMissing; break;
    case MapErrorName::UnexpectedDataValue: code = MapError::UnexpectedDataValue; break;
    case MapErrorName::UnknownAlphabet: code = MapError::UnknownAlphabet; break;
    case MapErrorName::CallBarred: code = MapError::CallBarred; break;
    case MapErrorName::UssdBusy: code = MapError::UssdBusy; break;
  }
  return static_cast<std::uint8_t>(code);
}

std::optional<std::uint8_t> map_error_code(std::string_view name) {
  if (name.empty()) return std::nullopt;
  // Local error codes are small non-negative integers (MAP-Errors, §17.6.6);
  // the name table in map_names is the one place that spells them.
  for (int code = 0; code < 128; ++code)
    if (map::error_name(code) == name) return static_cast<std::uint8_t>(code);
  return std::nullopt;
}

}  // namespace ussdgw::ussd
