// TBCD digit strings and MAP AddressString (TS 29.002 §17.7.8,
// MAP-CommonDataTypes: TBCD-STRING, AddressString, ISDN-AddressString, IMSI).
#pragma once

#include <cstdint>
#include <string_view>

#include "ussdgw/fixed_string.h"
#include "ussdgw/result.h"

namespace ussdgw {

// Up to 40 digits: AddressString is at most 20 octets (1 + 19 TBCD octets).
using Digits = FixedString<40>;

// TBCD-STRING: digit 2n-1 in bits 4321, digit 2n in bits 8765; 0xF in the last
// high nibble is the filler for an odd count. Digits: 0-9 * # a b c.
Result<Digits> decode_tbcd(Bytes value);
// Writes ceil(n/2) octets into out (must have room); false on a bad digit.
bool encode_tbcd(std::string_view digits, std::uint8_t* out, std::size_t out_cap, std::size_t& written);

// Nature of address (bits 7-5 of octet 1) and numbering plan (bits 4-1).
enum class Nai : std::uint8_t { Unknown = 0, International = 1, National = 2, NetworkSpecific = 3, Subscriber = 4, Abbreviated = 6 };
enum class Npi : std::uint8_t { Unknown = 0, E164 = 1, X121 = 3, F69 = 4, E212 = 6, National = 8, Private = 9 };

struct AddressString {
  std::uint8_t nai = 1;  // raw 3-bit value: unknown values are kept, not rejected
  std::uint8_t npi = 1;  // raw 4-bit value
  bool ext = true;       // bit 8; always 1 in conformant encodings
  Digits digits;

  static AddressString international(std::string_view digits, Npi npi = Npi::E164) {
    AddressString a;
    a.nai = static_cast<std::uint8_t>(Nai::International);
    a.npi = static_cast<std::uint8_t>(npi);
    a.digits.assign(digits);
    return a;
  }
};

Result<AddressString> decode_address_string(Bytes value);
// Encodes into out; returns octets written, 0 when it does not fit or a digit is bad.
std::size_t encode_address_string(const AddressString& a, std::uint8_t* out, std::size_t cap);

// Strong identifier types: an IMSI is never mistaken for an MSISDN.
struct Imsi {
  Digits digits;
  friend bool operator==(const Imsi&, const Imsi&) = default;
};
struct Msisdn {
  Digits digits;
  friend bool operator==(const Msisdn&, const Msisdn&) = default;
};

}  // namespace ussdgw
