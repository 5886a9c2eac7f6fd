#include "ussdgw/tbcd.h"

namespace ussdgw {
namespace {
constexpr char kTbcd[16] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'a', 'b', 'c', '?'};

int tbcd_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  switch (c) {
    case '*': return 10;
    case '#': return 11;
    case 'a': case 'A': return 12;
    case 'b': case 'B': return 13;
    case 'c': case 'C': return 14;
    default: return -1;
  }
}
}  // namespace

Result<Digits> decode_tbcd(Bytes v) {
  Digits d;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint8_t lo = v[i] & 0x0f, hi = v[i] >> 4;
    if (lo == 0x0f) {
      // A filler is only allowed as the very last nibble.
      if (hi != 0x0f || i + 1 != v.size()) return Error{"TBCD: filler before the end", v.data() + i};
      break;
    }
    if (!d.push_back(kTbcd[lo])) return Error{"TBCD: too many digits", v.data() + i};
    if (hi == 0x0f) {
      if (i + 1 != v.size()) return Error{"TBCD: filler before the end", v.data() + i};
      break;
    }
    if (!d.push_back(kTbcd[hi])) return Error{"TBCD: too many digits", v.data() + i};
  }
  return d;
}

bool encode_tbcd(std::string_view digits, std::uint8_t* out, std::size_t cap, std::size_t& written) {
  std::size_t n = (digits.size() + 1) / 2;
  if (n > cap) return false;
  for (std::size_t i = 0; i < n; ++i) {
    int lo = tbcd_value(digits[2 * i]);
    int hi = 2 * i + 1 < digits.size() ? tbcd_value(digits[2 * i + 1]) : 0x0f;
    if (lo < 0 || hi < 0) return false;
    out[i] = static_cast<std::uint8_t>(lo | (hi << 4));
  }
  written = n;
  return true;
}

Result<AddressString> decode_address_string(Bytes v) {
  if (v.empty()) return Error{"AddressString: empty", v.data()};
  if (v.size() > 20) return Error{"AddressString: longer than 20 octets", v.data()};
  AddressString a;
  a.ext = (v[0] & 0x80) != 0;
  a.nai = (v[0] >> 4) & 0x07;
  a.npi = v[0] & 0x0f;
  USSDGW_TRY(d, decode_tbcd(v.subspan(1)));
  a.digits = d;
  return a;
}

std::size_t encode_address_string(const AddressString& a, std::uint8_t* out, std::size_t cap) {
  if (cap < 1) return 0;
  out[0] = static_cast<std::uint8_t>((a.ext ? 0x80 : 0) | ((a.nai & 7) << 4) | (a.npi & 0x0f));
  std::size_t w = 0;
  if (!encode_tbcd(a.digits.view(), out + 1, cap - 1, w)) return 0;
  return w + 1;
}

}  // namespace ussdgw
