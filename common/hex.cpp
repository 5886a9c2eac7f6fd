#include "ussdgw/result.h"

namespace ussdgw {

std::string to_hex(Bytes b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}

bool from_hex(std::string_view text, std::basic_string<std::uint8_t>& out) {
  out.clear();
  int hi = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == ':' || c == '\t' || c == '\r' || c == '\n') continue;
    else return false;
    if (hi < 0) hi = v;
    else { out.push_back(static_cast<std::uint8_t>(hi << 4 | v)); hi = -1; }
  }
  return hi < 0;
}

}  // namespace ussdgw
