// USSD text: the USSD-DataCodingScheme and the USSD-String it governs.
//
// The USSD DCS is the *Cell Broadcast* DCS of TS 23.038 §5 (not the SMS DCS
// of §4), as the comment on USSD-DataCodingScheme in TS 29.002 §17.7.4 says.
// A USSD-String is OCTET STRING (SIZE (1..160)) with no septet count, so GSM
// 7-bit text relies on the <CR> padding rule of TS 23.038 §6.1.2.3.1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "ussdgw/gsm7.h"
#include "ussdgw/fixed_string.h"
#include "ussdgw/result.h"

namespace ussdgw::ussd {

// maxUSSD-StringLength (TS 29.002 §17.7.4, MAP-SS-DataTypes).
inline constexpr std::size_t kMaxUssdStringOctets = 160;
// 160 octets hold floor(160 * 8 / 7) = 182 septets.
inline constexpr std::size_t kMaxUssdSeptets = 182;

// One octet of CBS Data Coding Scheme; a type of its own so it is never
// confused with another octet (e.g. an alerting pattern).
struct Dcs {
  std::uint8_t value = 0x0F;
  friend constexpr bool operator==(const Dcs&, const Dcs&) = default;
};

// The DCS values the encoder emits.
inline constexpr Dcs kDcsGsm7{0x0F};  // group 0000, language unspecified
inline constexpr Dcs kDcsUcs2{0x48};  // group 01xx, uncompressed, no class, UCS2

enum class Alphabet : std::uint8_t { Gsm7, EightBit, Ucs2, Reserved };

// How a language is signalled (TS 23.038 §5).
enum class LanguageSource : std::uint8_t {
  None,      // language unspecified (0x0F, general data coding, 1111xxxx)
  Dcs,       // named by the DCS itself (groups 0000 and 0010)
  Prefixed,  // the text starts with the ISO 639 code (0x10 GSM7, 0x11 UCS2)
};

// Two-letter ISO 639 language code.
using Language = FixedString<2>;

struct DcsInfo {
  Alphabet alphabet = Alphabet::Gsm7;
  LanguageSource language_source = LanguageSource::None;
  std::optional<Language> language;  // when language_source == Dcs and known
  bool compressed = false;           // TS 23.038 §5 general data coding bit 5
  bool has_udh = false;              // group 1001: message with a user data header
  bool wap = false;                  // group 1110: WAP-defined coding
  bool reserved = false;             // a reserved coding group or value
  std::optional<std::uint8_t> message_class;  // class 0..3 when signalled
};

// Classifies a CBS DCS per TS 23.038 §5. Never fails: reserved values are
// reported through `reserved` so the caller decides what to do.
DcsInfo classify(Dcs dcs);

struct DecodedText {
  gsm7::Utf8Text text;
  std::optional<Language> language;  // from the DCS or the 0x10/0x11 prefix
  Alphabet alphabet = Alphabet::Gsm7;
};

// Decodes a USSD-String under `dcs`.
//  * GSM7: floor(8 * octets / 7) septets; when that count fills the last
//    octet exactly (octets % 7 == 0) and the last septet is <CR>, that <CR>
//    is padding and is removed (§6.1.2.3.1).
//  * 0x10: GSM7 whose first three characters are the language and <CR>
//    (§5). jss7 sends <LF> instead of <CR>; that is accepted too.
//  * 0x11: two GSM7 language characters packed in two octets, then UCS2.
//  * UCS2: big-endian UTF-16, surrogate pairs accepted.
// Errors: compressed text, 8-bit data (no character set is defined for it:
// use the raw octets), reserved or UDH/WAP groups, bad UCS2, empty string.
Result<DecodedText> decode_text(Dcs dcs, Bytes string);

// Which alphabet encode_text() uses.
enum class EncodeAs : std::uint8_t {
  Auto,  // GSM7 (DCS 0x0F) when every character has a 7-bit code, else UCS2 (0x48)
  Gsm7,  // error if a character has no 7-bit code
  Ucs2,
};

struct Encoded {
  Dcs dcs;
  std::size_t octets = 0;  // USSD-String octets written to `out`
};

// Encodes UTF-8 text as a USSD-String into `out` (at least 160 octets
// suffice for any accepted text). GSM7 output applies the <CR> padding rule
// of §6.1.2.3.1. Errors, with `at` pointing into `utf8`: invalid UTF-8, a
// character without a GSM7 code when GSM7 is forced, text above 160 octets
// once encoded (at = first character that does not fit), empty text, and
// `out` too small (at = nullptr).
Result<Encoded> encode_text(std::string_view utf8, std::span<std::uint8_t> out, EncodeAs as = EncodeAs::Auto);

}  // namespace ussdgw::ussd
