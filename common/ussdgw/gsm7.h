// GSM 7-bit default alphabet, its extension table, septet packing and UCS2
// (3GPP TS 23.038 §6.1.2, §6.2.1). Shared by USSD (ussd/) and SMS TPDUs
// (hlr-sms/): both carry the same alphabet, only the framing differs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ussdgw/fixed_string.h"
#include "ussdgw/result.h"

namespace ussdgw::gsm7 {

// Decoded text in UTF-8. 182 septets (160 octets of USSD) or 160 SMS
// characters take at most 3 UTF-8 octets each.
using Utf8Text = FixedString<640>;
// Septet values (0..127), one per array element, ESC (0x1B) included.
using Septets = FixedVector<std::uint8_t, 400>;

// UTF-8 -> septets of the default alphabet + extension table (ESC pairs).
// Error names the first character that has no GSM 7-bit encoding, with `at`
// pointing at its first UTF-8 octet inside `utf8`.
Result<Septets> from_utf8(std::string_view utf8);
// Septets -> UTF-8. Unknown extension codes map as TS 23.038 §6.2.1.1 says
// (ESC + unknown = the base-table character); a trailing lone ESC is a space.
Result<Utf8Text> to_utf8(const std::uint8_t* septets, std::size_t n);

// Packs septets from bit 0 upwards (§6.1.2.1.1) after `fill_bits` zero bits
// (SMS UDH alignment, TS 23.040 §9.2.3.24). Returns octets written, or 0 if
// `cap` is too small.
std::size_t pack(const std::uint8_t* septets, std::size_t n, std::size_t fill_bits, std::uint8_t* out, std::size_t cap);
// Unpacks `n` septets starting after `fill_bits` bits. The caller bounds n by
// the octets available: n <= (8 * octets.size() - fill_bits) / 7.
std::size_t unpack(Bytes octets, std::size_t fill_bits, std::size_t n, std::uint8_t* out);

// UCS2 (big-endian UTF-16 as used by TS 23.038, surrogate pairs accepted) <-> UTF-8.
Result<Utf8Text> ucs2_to_utf8(Bytes ucs2);
// Returns octets written; error for text outside the BMP pairs or when out is too small.
Result<std::size_t> utf8_to_ucs2(std::string_view utf8, std::uint8_t* out, std::size_t cap);

// Helpers shared by the USSD and SMS text encoders (added with gsm7.cpp).
//
// Decodes the UTF-8 sequence starting at utf8[i]: returns its length (1..4)
// and sets `cp`, or 0 when it is malformed (truncated, overlong, a surrogate
// code point, or above U+10FFFF; RFC 3629 §3).
std::size_t next_code_point(std::string_view utf8, std::size_t i, char32_t& cp);
// Septets one code point needs: 1 (default alphabet), 2 (ESC + extension
// table, TS 23.038 §6.2.1.1) or 0 when it has no GSM 7-bit encoding.
std::size_t septet_length(char32_t cp);

}  // namespace ussdgw::gsm7
