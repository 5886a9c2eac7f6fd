#include "ussdgw/ber.h"

#include <cstring>

namespace ussdgw::ber {
namespace {

struct Header {
  Tag tag;
  std::size_t header_len = 0;
  bool indefinite = false;
  std::size_t length = 0;  // valid when !indefinite
};

// X.690 §8.1.2 (identifier octets) and §8.1.3 (length octets).
Result<Header> parse_header(Bytes d) {
  Header h;
  std::size_t p = 0;
  if (d.empty()) return Error{"BER: missing tag", d.data()};
  std::uint8_t b = d[p++];
  h.tag.cls = static_cast<Class>(b >> 6);
  h.tag.constructed = (b & 0x20) != 0;
  std::uint32_t num = b & 0x1f;
  if (num == 0x1f) {
    num = 0;
    int n = 0;
    for (;;) {
      if (p >= d.size()) return Error{"BER: truncated long-form tag", d.data() + p};
      std::uint8_t c = d[p++];
      if (n == 0 && c == 0x80) return Error{"BER: long-form tag with leading zero", d.data() + p - 1};
      if (++n > 4) return Error{"BER: tag number too large", d.data() + p - 1};
      num = (num << 7) | (c & 0x7f);
      if (!(c & 0x80)) break;
    }
  }
  h.tag.number = num;
  if (p >= d.size()) return Error{"BER: missing length", d.data() + p};
  std::uint8_t l = d[p++];
  if (l == 0x80) {
    if (!h.tag.constructed) return Error{"BER: indefinite length on primitive element", d.data() + p - 1};
    h.indefinite = true;
  } else if (l & 0x80) {
    std::size_t n = l & 0x7f;
    if (n == 0x7f) return Error{"BER: reserved length octet 0xff", d.data() + p - 1};
    if (n > 4) return Error{"BER: length of length too large", d.data() + p - 1};
    if (p + n > d.size()) return Error{"BER: truncated length", d.data() + p};
    std::size_t len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | d[p++];
    h.length = len;
  } else {
    h.length = l;
  }
  h.header_len = p;
  return h;
}

Result<Tlv> parse_at(Bytes data, int depth) {
  if (depth > kMaxDepth) return Error{"BER: nesting too deep", data.data()};
  USSDGW_TRY(h, parse_header(data));
  Tlv t;
  t.tag = h.tag;
  if (!h.indefinite) {
    if (h.length > data.size() - h.header_len)
      return Error{"BER: length exceeds enclosing data", data.data() + h.header_len - 1};
    t.value = data.subspan(h.header_len, h.length);
    t.whole = data.subspan(0, h.header_len + h.length);
    return t;
  }
  // Indefinite form (§8.1.3.6): contents run until an end-of-contents pair
  // 00 00 at this level; walk the nested TLVs to find it.
  std::size_t p = h.header_len;
  for (;;) {
    if (p + 2 > data.size()) return Error{"BER: missing end-of-contents", data.data() + p};
    if (data[p] == 0 && data[p + 1] == 0) break;
    USSDGW_TRY(inner, parse_at(data.subspan(p), depth + 1));
    p += inner.whole.size();
  }
  t.indefinite = true;
  t.value = data.subspan(h.header_len, p - h.header_len);
  t.whole = data.subspan(0, p + 2);
  return t;
}

}  // namespace

Result<Tlv> parse_tlv(Bytes data, int depth) { return parse_at(data, depth); }

Result<Tlv> parse_single(Bytes data, int depth) {
  USSDGW_TRY(t, parse_at(data, depth));
  if (t.whole.size() != data.size()) return Error{"BER: trailing octets after element", data.data() + t.whole.size()};
  return t;
}

Result<Reader> Reader::enter(const Tlv& t) const {
  if (!t.tag.constructed) return Error{"BER: expected a constructed element", t.whole.data()};
  if (depth_ + 1 > kMaxDepth) return Error{"BER: nesting too deep", t.whole.data()};
  return Reader(t.value, depth_ + 1);
}

Result<Tlv> Reader::next() {
  USSDGW_TRY(t, parse_at(data_.subspan(pos_), depth_));
  pos_ += t.whole.size();
  return t;
}

Result<Tlv> Reader::peek() const { return parse_at(data_.subspan(pos_), depth_); }

Result<Tlv> Reader::expect(Tag tag, const char* what) {
  if (at_end()) return Error{what, here()};
  USSDGW_TRY(t, peek());
  if (!(t.tag == tag)) return Error{what, here()};
  pos_ += t.whole.size();
  return t;
}

Result<std::optional<Tlv>> Reader::optional(Tag tag) {
  if (at_end()) return std::optional<Tlv>{};
  USSDGW_TRY(t, peek());
  if (!(t.tag == tag)) return std::optional<Tlv>{};
  pos_ += t.whole.size();
  return std::optional<Tlv>{t};
}

Status Reader::skip_rest() {
  while (!at_end()) USSDGW_CHECK(next());
  return Ok{};
}

Result<std::int64_t> to_integer(const Tlv& t) {
  if (t.tag.constructed) return Error{"BER: INTEGER must be primitive", t.whole.data()};
  if (t.value.empty()) return Error{"BER: empty INTEGER", t.whole.data()};
  if (t.value.size() > 8) return Error{"BER: INTEGER too large", t.value.data()};
  std::int64_t v = (t.value[0] & 0x80) ? -1 : 0;
  for (std::uint8_t b : t.value) v = static_cast<std::int64_t>((static_cast<std::uint64_t>(v) << 8) | b);
  return v;
}

Result<bool> to_boolean(const Tlv& t) {
  if (t.tag.constructed || t.value.size() != 1) return Error{"BER: BOOLEAN must be one octet", t.whole.data()};
  return t.value[0] != 0;
}

Status to_null(const Tlv& t) {
  if (t.tag.constructed || !t.value.empty()) return Error{"BER: NULL must be empty", t.whole.data()};
  return Ok{};
}

Result<OidString> oid_to_string(Bytes v) {
  OidString s;
  if (v.empty()) return Error{"BER: empty OBJECT IDENTIFIER", v.data()};
  bool first = true;
  std::uint64_t acc = 0;
  int n = 0;
  char tmp[24];
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (n == 0 && v[i] == 0x80) return Error{"BER: OID arc with leading zero", v.data() + i};
    if (++n > 9) return Error{"BER: OID arc too large", v.data() + i};
    acc = (acc << 7) | (v[i] & 0x7f);
    if (v[i] & 0x80) continue;
    auto put = [&](std::uint64_t x) {
      int k = 0;
      do { tmp[k++] = static_cast<char>('0' + x % 10); x /= 10; } while (x);
      if (!s.empty()) s.push_back('.');
      while (k) s.push_back(tmp[--k]);
    };
    if (first) {
      // X.690 §8.19.4: the first subidentifier packs the first two arcs.
      std::uint64_t a = acc < 40 ? 0 : acc < 80 ? 1 : 2;
      put(a);
      put(acc - a * 40);
      first = false;
    } else {
      put(acc);
    }
    acc = 0;
    n = 0;
  }
  if (n != 0) return Error{"BER: truncated OID arc", v.data() + v.size() - 1};
  return s;
}

bool oid_from_string(std::string_view dotted, FixedVector<std::uint8_t, 32>& out) {
  out.clear();
  std::uint64_t arcs[24];
  std::size_t na = 0;
  std::uint64_t cur = 0;
  bool digit = false;
  for (char c : dotted) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + static_cast<std::uint64_t>(c - '0');
      digit = true;
      if (cur > (1ull << 40)) return false;
    } else if (c == '.' && digit) {
      if (na == 24) return false;
      arcs[na++] = cur;
      cur = 0;
      digit = false;
    } else {
      return false;
    }
  }
  if (!digit || na == 24) return false;
  arcs[na++] = cur;
  if (na < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) return false;
  auto put = [&](std::uint64_t x) {
    std::uint8_t tmp[10];
    int k = 0;
    do { tmp[k++] = static_cast<std::uint8_t>(x & 0x7f); x >>= 7; } while (x);
    bool okay = true;
    while (k) {
      --k;
      okay &= out.push_back(static_cast<std::uint8_t>(tmp[k] | (k ? 0x80 : 0)));
    }
    return okay;
  };
  if (!put(arcs[0] * 40 + arcs[1])) return false;
  for (std::size_t i = 2; i < na; ++i)
    if (!put(arcs[i])) return false;
  return true;
}

// ---- Writer ----

bool Writer::room(std::size_t n) {
  if (overflow_ || buf_.size() - len_ < n) {
    overflow_ = true;
    return false;
  }
  return true;
}

void Writer::put_tag(Tag tag) {
  std::uint8_t first = static_cast<std::uint8_t>((static_cast<unsigned>(tag.cls) << 6) | (tag.constructed ? 0x20 : 0));
  if (tag.number < 31) {
    if (room(1)) buf_[len_++] = static_cast<std::uint8_t>(first | tag.number);
    return;
  }
  std::uint8_t tmp[5];
  int k = 0;
  std::uint32_t x = tag.number;
  do { tmp[k++] = static_cast<std::uint8_t>(x & 0x7f); x >>= 7; } while (x);
  if (!room(1 + static_cast<std::size_t>(k))) return;
  buf_[len_++] = static_cast<std::uint8_t>(first | 0x1f);
  while (k) {
    --k;
    buf_[len_++] = static_cast<std::uint8_t>(tmp[k] | (k ? 0x80 : 0));
  }
}

void Writer::put_length(std::size_t n) {
  if (n < 0x80) {
    if (room(1)) buf_[len_++] = static_cast<std::uint8_t>(n);
    return;
  }
  std::uint8_t tmp[8];
  int k = 0;
  while (n) { tmp[k++] = static_cast<std::uint8_t>(n & 0xff); n >>= 8; }
  if (!room(1 + static_cast<std::size_t>(k))) return;
  buf_[len_++] = static_cast<std::uint8_t>(0x80 | k);
  while (k) buf_[len_++] = tmp[--k];
}

Writer::Mark Writer::open(Tag tag) {
  tag.constructed = true;
  put_tag(tag);
  Mark m{len_};
  if (room(1)) buf_[len_++] = 0;  // placeholder for a short-form length
  return m;
}

void Writer::close(Mark m) {
  if (overflow_) return;
  std::size_t content = len_ - m.length_at - 1;
  if (content < 0x80) {
    buf_[m.length_at] = static_cast<std::uint8_t>(content);
    return;
  }
  std::size_t extra = content <= 0xff ? 1 : content <= 0xffff ? 2 : 3;
  if (!room(extra)) return;
  std::uint8_t* start = buf_.data() + m.length_at + 1;
  std::memmove(start + extra, start, content);
  buf_[m.length_at] = static_cast<std::uint8_t>(0x80 | extra);
  for (std::size_t i = 0; i < extra; ++i)
    buf_[m.length_at + 1 + i] = static_cast<std::uint8_t>(content >> (8 * (extra - 1 - i)));
  len_ += extra;
}

void Writer::put(Tag tag, Bytes content) {
  put_tag(tag);
  put_length(content.size());
  if (room(content.size()) && !content.empty()) {
    std::memcpy(buf_.data() + len_, content.data(), content.size());
    len_ += content.size();
  }
}

std::size_t integer_contents(std::int64_t v, std::uint8_t out[8]) {
  // X.690 §8.3.2: the first nine bits must not be all zeros or all ones.
  std::size_t n = 8;
  while (n > 1) {
    std::uint8_t top = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * (n - 1)));
    std::uint8_t nexthigh = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * (n - 2)));
    if ((top == 0x00 && !(nexthigh & 0x80)) || (top == 0xff && (nexthigh & 0x80))) --n;
    else break;
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * (n - 1 - i)));
  return n;
}

void Writer::put_integer(Tag tag, std::int64_t v) {
  std::uint8_t tmp[8];
  std::size_t n = integer_contents(v, tmp);
  put(tag, Bytes(tmp, n));
}

void Writer::put_boolean(Tag tag, bool v) {
  std::uint8_t b = v ? 0xff : 0x00;  // DER TRUE, X.690 §11.1
  put(tag, Bytes(&b, 1));
}

void Writer::put_null(Tag tag) { put(tag, Bytes()); }

void Writer::put_raw(Bytes bytes) {
  if (room(bytes.size()) && !bytes.empty()) {
    std::memcpy(buf_.data() + len_, bytes.data(), bytes.size());
    len_ += bytes.size();
  }
}

}  // namespace ussdgw::ber
