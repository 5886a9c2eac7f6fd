// USSD DCS classification and USSD-String text coding (TS 23.038 §5,
// §6.1.2.3.1; TS 29.002 §17.7.4).
#include "ussd/codec/ussd_text.h"

#include <array>

namespace ussdgw::ussd {
namespace {

constexpr std::uint8_t kCr = 0x0D;
constexpr std::uint8_t kLf = 0x0A;

// TS 23.038 §5, coding group 0000: languages written in the GSM 7-bit
// default alphabet, as ISO 639 codes (0x0F = unspecified).
constexpr std::array<const char*, 15> kGroup0 = {"de", "en", "it", "fr", "es", "nl", "sv", "da",
                                                  "pt", "fi", "no", "el", "tr", "hu", "pl"};
// Coding group 0010, values 0000-0100 (Czech, Hebrew, Arabic, Russian, Icelandic).
constexpr std::array<const char*, 5> kGroup2 = {"cs", "he", "ar", "ru", "is"};

Alphabet alphabet_bits(std::uint8_t v) {
  switch ((v >> 2) & 0x03) {
    case 0: return Alphabet::Gsm7;
    case 1: return Alphabet::EightBit;
    case 2: return Alphabet::Ucs2;
    default: return Alphabet::Reserved;
  }
}

// GSM7 letters A-Z and a-z have the ASCII code points (§6.2.1).
bool is_letter(std::uint8_t s) { return (s >= 'A' && s <= 'Z') || (s >= 'a' && s <= 'z'); }

Result<Language> language_from_septets(const std::uint8_t* s, const std::uint8_t* at) {
  if (!is_letter(s[0]) || !is_letter(s[1])) return Error{"USSD: language indication is not two letters", at};
  Language l;
  l.push_back(static_cast<char>(s[0]));
  l.push_back(static_cast<char>(s[1]));
  return l;
}

Result<gsm7::Utf8Text> ucs2_text(Bytes b) {
  if (b.size() % 2 != 0) return Error{"USSD: UCS2 text has an odd number of octets", b.data() + b.size() - 1};
  return gsm7::ucs2_to_utf8(b);
}

// GSM7 USSD-String -> septets, with the §6.1.2.3.1 <CR> padding removed.
std::size_t ussd_septets(Bytes string, std::uint8_t* out) {
  const std::size_t n = gsm7::unpack(string, 0, string.size() * 8 / 7, out);
  // The message "ends on an octet boundary" exactly when the septets fill
  // every bit, i.e. 7n == 8 * octets; then a final <CR> is padding.
  if (n > 0 && (7 * n) % 8 == 0 && out[n - 1] == kCr) return n - 1;
  return n;
}

}  // namespace

DcsInfo classify(Dcs dcs) {
  const std::uint8_t v = dcs.value;
  const std::uint8_t low = v & 0x0F;
  DcsInfo d;
  switch (v >> 4) {
    case 0x0:  // languages using the GSM 7-bit default alphabet
      if (low != 0x0F) {
        d.language_source = LanguageSource::Dcs;
        d.language = Language(kGroup0[low]);
      }
      break;
    case 0x1:  // 0000: GSM7 with language indication, 0001: UCS2 with it
      if (low == 0x0) {
        d.language_source = LanguageSource::Prefixed;
      } else if (low == 0x1) {
        d.alphabet = Alphabet::Ucs2;
        d.language_source = LanguageSource::Prefixed;
      } else {
        d.alphabet = Alphabet::Reserved;
        d.reserved = true;
      }
      break;
    case 0x2:
    case 0x3:
      // 0010 0000-0100 name a language; the rest of 0010 and all of 0011 are
      // "reserved for other languages using the GSM 7 bit default alphabet,
      // with unspecified handling at the MS": still GSM7 text.
      if ((v >> 4) == 0x2 && low < kGroup2.size()) {
        d.language_source = LanguageSource::Dcs;
        d.language = Language(kGroup2[low]);
      }
      break;
    case 0x4: case 0x5: case 0x6: case 0x7:  // general data coding
      d.compressed = (v & 0x20) != 0;
      d.alphabet = alphabet_bits(v);
      d.reserved = d.alphabet == Alphabet::Reserved;
      if (v & 0x10) d.message_class = static_cast<std::uint8_t>(v & 0x03);
      break;
    case 0x9:  // message with user data header
      d.has_udh = true;
      d.alphabet = alphabet_bits(v);
      d.reserved = d.alphabet == Alphabet::Reserved;
      d.message_class = static_cast<std::uint8_t>(v & 0x03);
      break;
    case 0xE:  // defined by the WAP Forum
      d.wap = true;
      d.alphabet = Alphabet::Reserved;
      break;
    case 0xF:  // data coding / message handling; bit 3 is reserved
      d.alphabet = (v & 0x04) ? Alphabet::EightBit : Alphabet::Gsm7;
      if (v & 0x08) d.reserved = true;
      if (v & 0x03) d.message_class = static_cast<std::uint8_t>(v & 0x03);
      break;
    default:  // 1000, 1010-1101: reserved coding groups
      d.alphabet = Alphabet::Reserved;
      d.reserved = true;
      break;
  }
  return d;
}

Result<DecodedText> decode_text(Dcs dcs, Bytes string) {
  if (string.empty()) return Error{"USSD: empty USSD-String", string.data()};
  if (string.size() > kMaxUssdStringOctets)
    return Error{"USSD: USSD-String longer than 160 octets", string.data() + kMaxUssdStringOctets};
  const DcsInfo info = classify(dcs);
  if (info.compressed) return Error{"USSD: compressed text (TS 23.042) is not supported", string.data()};
  if (info.has_udh) return Error{"USSD: DCS with user data header is not supported for USSD", string.data()};
  if (info.wap) return Error{"USSD: WAP-defined DCS is not supported", string.data()};
  if (info.reserved) return Error{"USSD: reserved data coding scheme", string.data()};
  if (info.alphabet == Alphabet::EightBit)
    return Error{"USSD: 8-bit data has no character set; use the raw USSD-String", string.data()};

  DecodedText out;
  out.alphabet = info.alphabet;
  out.language = info.language;

  if (info.alphabet == Alphabet::Ucs2) {
    Bytes body = string;
    if (info.language_source == LanguageSource::Prefixed) {
      // §5, 0x11: two GSM7 characters in two octets (14 bits + 2 fill bits),
      // then UCS2.
      if (string.size() < 2) return Error{"USSD: UCS2 text too short for its language indication", string.data()};
      std::uint8_t lang[2];
      gsm7::unpack(string.first(2), 0, 2, lang);
      USSDGW_TRY(l, language_from_septets(lang, string.data()));
      out.language = l;
      body = string.subspan(2);
    }
    USSDGW_TRY(t, ucs2_text(body));
    out.text = t;
    return out;
  }

  std::array<std::uint8_t, kMaxUssdSeptets> septets{};
  std::size_t n = ussd_septets(string, septets.data());
  const std::uint8_t* first = septets.data();
  if (info.language_source == LanguageSource::Prefixed) {
    // §5, 0x10: the first 3 characters are the ISO 639 code and <CR>. jss7
    // writes <LF> as the separator; accept it as well. Without either the
    // third character is kept as text.
    if (n < 2) return Error{"USSD: GSM7 text too short for its language indication", string.data()};
    USSDGW_TRY(l, language_from_septets(first, string.data()));
    out.language = l;
    first += 2;
    n -= 2;
    if (n > 0 && (*first == kCr || *first == kLf)) {
      ++first;
      --n;
    }
  }
  USSDGW_TRY(t, gsm7::to_utf8(first, n));
  out.text = t;
  return out;
}

Result<Encoded> encode_text(std::string_view utf8, std::span<std::uint8_t> out, EncodeAs as) {
  auto at = [&](std::size_t i) { return reinterpret_cast<const std::uint8_t*>(utf8.data() + i); };
  if (utf8.empty()) return Error{"USSD: empty text (USSD-String is SIZE (1..160))", at(0)};

  // One pass: validate UTF-8, find whether every character has a GSM7 code,
  // and remember where each alphabet runs out of room.
  bool gsm7_ok = true;
  std::size_t septets = 0, ucs2_units = 0;
  std::size_t gsm7_overflow = utf8.size(), ucs2_overflow = utf8.size();
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    const std::size_t len = gsm7::next_code_point(utf8, i, cp);
    if (len == 0) return Error{"USSD: invalid UTF-8", at(i)};
    const std::size_t sl = gsm7::septet_length(cp);
    if (sl == 0) {
      if (as == EncodeAs::Gsm7) return Error{"USSD: character has no GSM 7-bit encoding", at(i)};
      gsm7_ok = false;
    }
    septets += sl;
    if (septets > kMaxUssdSeptets && gsm7_overflow == utf8.size()) gsm7_overflow = i;
    ucs2_units += cp >= 0x10000 ? 2 : 1;
    if (2 * ucs2_units > kMaxUssdStringOctets && ucs2_overflow == utf8.size()) ucs2_overflow = i;
    i += len;
  }

  const bool use_gsm7 = as == EncodeAs::Gsm7 || (as == EncodeAs::Auto && gsm7_ok);
  if (!use_gsm7) {
    if (ucs2_overflow != utf8.size())
      return Error{"USSD: text longer than 160 octets in UCS2 (80 characters)", at(ucs2_overflow)};
    USSDGW_TRY(w, gsm7::utf8_to_ucs2(utf8, out.data(), out.size()));
    return Encoded{kDcsUcs2, w};
  }

  if (gsm7_overflow != utf8.size())
    return Error{"USSD: text longer than 160 octets in GSM 7-bit (182 septets)", at(gsm7_overflow)};
  USSDGW_TRY(s, gsm7::from_utf8(utf8));
  // §6.1.2.3.1: with 8n-1 characters the 7 spare bits would read as '@', so
  // they carry <CR>; a text that itself ends in <CR> on an octet boundary
  // gets a second <CR> so the receiver's stripping keeps the first. Neither
  // case can exceed 182 septets (175 -> 176, 176 -> 177).
  if (s.size() % 8 == 7 || (s.size() % 8 == 0 && s.back() == kCr)) s.push_back(kCr);
  const std::size_t w = gsm7::pack(s.begin(), s.size(), 0, out.data(), out.size());
  if (w == 0) return Error{"USSD: output buffer too small", nullptr};
  return Encoded{kDcsGsm7, w};
}

}  // namespace ussdgw::ussd
