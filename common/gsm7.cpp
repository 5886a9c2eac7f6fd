// GSM 7-bit default alphabet, extension table, septet packing and UCS2
// (3GPP TS 23.038 §6.1.2.1.1, §6.2.1, §6.2.1.1). No I/O, no heap: results go
// into fixed-capacity containers or caller buffers.
#include "ussdgw/gsm7.h"

#include <array>

namespace ussdgw::gsm7 {
namespace {

constexpr std::uint8_t kEsc = 0x1B;

// TS 23.038 §6.2.1: the default alphabet, indexed by septet value. 0x1B is the
// escape to the extension table; it has no character of its own (0 here).
constexpr std::array<char32_t, 128> kDefault = {
    U'@',    U'\u00A3', U'$',     U'\u00A5', U'\u00E8', U'\u00E9', U'\u00F9', U'\u00EC',  // 0x00
    U'\u00F2', U'\u00C7', U'\n',  U'\u00D8', U'\u00F8', U'\r',    U'\u00C5', U'\u00E5',   // 0x08
    U'\u0394', U'_',    U'\u03A6', U'\u0393', U'\u039B', U'\u03A9', U'\u03A0', U'\u03A8', // 0x10
    U'\u03A3', U'\u0398', U'\u039E', 0,        U'\u00C6', U'\u00E6', U'\u00DF', U'\u00C9', // 0x18
    U' ',    U'!',      U'"',     U'#',      U'\u00A4', U'%',      U'&',      U'\'',      // 0x20
    U'(',    U')',      U'*',     U'+',      U',',      U'-',      U'.',      U'/',       // 0x28
    U'0',    U'1',      U'2',     U'3',      U'4',      U'5',      U'6',      U'7',       // 0x30
    U'8',    U'9',      U':',     U';',      U'<',      U'=',      U'>',      U'?',       // 0x38
    U'\u00A1', U'A',    U'B',     U'C',      U'D',      U'E',      U'F',      U'G',       // 0x40
    U'H',    U'I',      U'J',     U'K',      U'L',      U'M',      U'N',      U'O',       // 0x48
    U'P',    U'Q',      U'R',     U'S',      U'T',      U'U',      U'V',      U'W',       // 0x50
    U'X',    U'Y',      U'Z',     U'\u00C4', U'\u00D6', U'\u00D1', U'\u00DC', U'\u00A7',  // 0x58
    U'\u00BF', U'a',    U'b',     U'c',      U'd',      U'e',      U'f',      U'g',       // 0x60
    U'h',    U'i',      U'j',     U'k',      U'l',      U'm',      U'n',      U'o',       // 0x68
    U'p',    U'q',      U'r',     U's',      U't',      U'u',      U'v',      U'w',       // 0x70
    U'x',    U'y',      U'z',     U'\u00E4', U'\u00F6', U'\u00F1', U'\u00FC', U'\u00E0',  // 0x78
};

// TS 23.038 §6.2.1.1: characters reached through ESC. 0x0A is the page break
// (form feed); the other codes are unassigned.
struct ExtEntry {
  std::uint8_t code;
  char32_t cp;
};
constexpr std::array<ExtEntry, 10> kExtension = {{
    {0x0A, U'\f'}, {0x14, U'^'}, {0x28, U'{'}, {0x29, U'}'}, {0x2F, U'\\'},
    {0x3C, U'['},  {0x3D, U'~'}, {0x3E, U']'}, {0x40, U'|'}, {0x65, U'\u20AC'},
}};

constexpr int default_code_slow(char32_t cp) {
  if (cp == 0) return -1;
  for (std::size_t i = 0; i < kDefault.size(); ++i)
    if (kDefault[i] == cp) return static_cast<int>(i);
  return -1;
}

constexpr int extension_code_slow(char32_t cp) {
  for (const auto& e : kExtension)
    if (e.cp == cp) return e.code;
  return -1;
}

// Reverse table for U+0000..U+00FF, built at compile time: encoding runs per
// character on the hot path, and almost all text is in this range.
// Value: septet (0..127), 0x80 | code for an extension character, 0xFF none.
constexpr std::array<std::uint8_t, 256> kLatin1 = [] {
  std::array<std::uint8_t, 256> t{};
  for (char32_t cp = 0; cp < 256; ++cp) {
    int d = default_code_slow(cp), e = extension_code_slow(cp);
    t[cp] = d >= 0 ? static_cast<std::uint8_t>(d) : e >= 0 ? static_cast<std::uint8_t>(0x80 | e) : 0xFF;
  }
  return t;
}();

// Septet value of cp in the default table, or -1.
constexpr int default_code(char32_t cp) {
  if (cp < 256) return kLatin1[cp] < 0x80 ? kLatin1[cp] : -1;
  return default_code_slow(cp);
}

constexpr int extension_code(char32_t cp) {
  if (cp < 256) return kLatin1[cp] != 0xFF && (kLatin1[cp] & 0x80) ? kLatin1[cp] & 0x7F : -1;
  return extension_code_slow(cp);
}

static_assert(default_code(U'@') == 0 && default_code(U'a') == 0x61 && default_code(U'\u00E0') == 0x7F);
static_assert(extension_code(U'{') == 0x28 && extension_code(U'\u20AC') == 0x65 && default_code(U'{') == -1);

bool append_utf8(Utf8Text& out, char32_t cp) {
  char b[4];
  std::size_t n;
  if (cp < 0x80) {
    b[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    b[0] = static_cast<char>(0xC0 | (cp >> 6));
    b[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = static_cast<char>(0xE0 | (cp >> 12));
    b[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    b[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = static_cast<char>(0xF0 | (cp >> 18));
    b[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    b[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    b[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  return out.append(std::string_view(b, n));
}

const std::uint8_t* octet_at(std::string_view s, std::size_t i) {
  return reinterpret_cast<const std::uint8_t*>(s.data() + i);
}

}  // namespace

std::size_t next_code_point(std::string_view s, std::size_t i, char32_t& cp) {
  if (i >= s.size()) return 0;
  const auto b0 = static_cast<std::uint8_t>(s[i]);
  std::size_t n;
  char32_t min;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;  // continuation octet or 0xF8..0xFF as a lead octet
  }
  if (s.size() - i < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<std::uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  // RFC 3629 §3: overlong forms, UTF-16 surrogates and values past U+10FFFF
  // are not UTF-8.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

std::size_t septet_length(char32_t cp) {
  if (default_code(cp) >= 0) return 1;
  if (extension_code(cp) >= 0) return 2;
  return 0;
}

Result<Septets> from_utf8(std::string_view utf8) {
  Septets out;
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    const std::size_t len = next_code_point(utf8, i, cp);
    if (len == 0) return Error{"GSM7: invalid UTF-8", octet_at(utf8, i)};
    if (const int c = default_code(cp); c >= 0) {
      if (!out.push_back(static_cast<std::uint8_t>(c))) return Error{"GSM7: text too long", octet_at(utf8, i)};
    } else if (const int e = extension_code(cp); e >= 0) {
      if (out.size() + 2 > Septets::capacity()) return Error{"GSM7: text too long", octet_at(utf8, i)};
      out.push_back(kEsc);
      out.push_back(static_cast<std::uint8_t>(e));
    } else {
      return Error{"GSM7: character has no GSM 7-bit encoding", octet_at(utf8, i)};
    }
    i += len;
  }
  return out;
}

Result<Utf8Text> to_utf8(const std::uint8_t* septets, std::size_t n) {
  Utf8Text out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t s = septets[i] & 0x7F;
    char32_t cp;
    if (s != kEsc) {
      cp = kDefault[s];
    } else if (i + 1 == n) {
      cp = U' ';  // lone ESC at the end: §6.2.1.1 note, shown as a space
    } else {
      const std::uint8_t code = septets[++i] & 0x7F;
      cp = 0;
      for (const auto& e : kExtension)
        if (e.code == code) cp = e.cp;
      // ESC ESC is reserved for a further extension table; an unknown code
      // is shown as the default-table character (§6.2.1.1).
      if (cp == 0) cp = code == kEsc ? U' ' : kDefault[code];
    }
    if (!append_utf8(out, cp)) return Error{"GSM7: decoded text too long", septets + i};
  }
  return out;
}

std::size_t pack(const std::uint8_t* septets, std::size_t n, std::size_t fill_bits, std::uint8_t* out, std::size_t cap) {
  const std::size_t bits = fill_bits + 7 * n;
  const std::size_t octets = (bits + 7) / 8;
  if (octets > cap) return 0;
  for (std::size_t i = 0; i < octets; ++i) out[i] = 0;
  // §6.1.2.1.1: septet k occupies bits [fill + 7k, fill + 7k + 6], counted
  // from bit 0 of the first octet upwards.
  std::size_t bit = fill_bits;
  for (std::size_t k = 0; k < n; ++k, bit += 7) {
    const unsigned v = septets[k] & 0x7Fu;
    const std::size_t o = bit / 8, sh = bit % 8;
    out[o] = static_cast<std::uint8_t>(out[o] | ((v << sh) & 0xFF));
    if (sh > 1) out[o + 1] = static_cast<std::uint8_t>(out[o + 1] | (v >> (8 - sh)));
  }
  return octets;
}

std::size_t unpack(Bytes octets, std::size_t fill_bits, std::size_t n, std::uint8_t* out) {
  // Clamp rather than trust the caller: never read past the octets.
  const std::size_t total_bits = 8 * octets.size();
  const std::size_t avail = total_bits > fill_bits ? (total_bits - fill_bits) / 7 : 0;
  if (n > avail) n = avail;
  std::size_t bit = fill_bits;
  for (std::size_t k = 0; k < n; ++k, bit += 7) {
    const std::size_t o = bit / 8, sh = bit % 8;
    unsigned v = octets[o] >> sh;
    if (sh > 1) v |= static_cast<unsigned>(octets[o + 1]) << (8 - sh);
    out[k] = static_cast<std::uint8_t>(v & 0x7F);
  }
  return n;
}

Result<Utf8Text> ucs2_to_utf8(Bytes ucs2) {
  if (ucs2.size() % 2 != 0) return Error{"UCS2: odd number of octets", ucs2.data() + ucs2.size() - 1};
  Utf8Text out;
  for (std::size_t i = 0; i < ucs2.size(); i += 2) {
    char32_t cp = static_cast<char32_t>(ucs2[i] << 8 | ucs2[i + 1]);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // High surrogate: must be followed by a low one (UTF-16, RFC 2781 §2.2).
      if (i + 3 >= ucs2.size()) return Error{"UCS2: high surrogate without a low surrogate", ucs2.data() + i};
      const char32_t lo = static_cast<char32_t>(ucs2[i + 2] << 8 | ucs2[i + 3]);
      if (lo < 0xDC00 || lo > 0xDFFF) return Error{"UCS2: high surrogate without a low surrogate", ucs2.data() + i};
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return Error{"UCS2: low surrogate without a high surrogate", ucs2.data() + i};
    }
    if (!append_utf8(out, cp)) return Error{"UCS2: decoded text too long", ucs2.data() + i};
  }
  return out;
}

Result<std::size_t> utf8_to_ucs2(std::string_view utf8, std::uint8_t* out, std::size_t cap) {
  std::size_t w = 0;
  auto put = [&](char32_t u) {
    out[w++] = static_cast<std::uint8_t>(u >> 8);
    out[w++] = static_cast<std::uint8_t>(u & 0xFF);
  };
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    const std::size_t len = next_code_point(utf8, i, cp);
    if (len == 0) return Error{"UCS2: invalid UTF-8", octet_at(utf8, i)};
    // Outside the BMP the character is written as a UTF-16 surrogate pair,
    // which handsets display; strict UCS2 receivers show two unknowns.
    const std::size_t need = cp >= 0x10000 ? 4 : 2;
    if (cap - w < need) return Error{"UCS2: output buffer too small", octet_at(utf8, i)};
    if (cp >= 0x10000) {
      const char32_t v = cp - 0x10000;
      put(0xD800 + (v >> 10));
      put(0xDC00 + (v & 0x3FF));
    } else {
      put(cp);
    }
    i += len;
  }
  return w;
}

}  // namespace ussdgw::gsm7
