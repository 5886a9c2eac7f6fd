#include "hlr-sms/codec/tpdu.h"

#include <cstdio>

namespace ussdgw::sms {
namespace {

constexpr char kSemiOctetDigit[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                      '8', '9', '*', '#', 'a', 'b', 'c', '?'};

int semi_octet_value(char c) {
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

// A bounds-checked read position inside one TPDU.
class Cursor {
 public:
  explicit Cursor(Bytes d) : d_(d) {}
  [[nodiscard]] std::size_t left() const { return d_.size() - p_; }
  [[nodiscard]] const std::uint8_t* here() const { return d_.data() + p_; }
  [[nodiscard]] Bytes rest() const { return d_.subspan(p_); }
  Result<std::uint8_t> u8(const char* what) {
    if (p_ >= d_.size()) return Error{what, here()};
    return d_[p_++];
  }
  Result<Bytes> take(std::size_t n, const char* what) {
    if (n > left()) return Error{what, here()};
    Bytes b = d_.subspan(p_, n);
    p_ += n;
    return b;
  }
  void skip(std::size_t n) { p_ += n; }

 private:
  Bytes d_;
  std::size_t p_ = 0;
};

constexpr Error overflow() { return Error{"SMS: output buffer too small", nullptr}; }

// Output position inside a caller buffer; every write checks room.
class Out {
 public:
  explicit Out(std::span<std::uint8_t> b) : b_(b) {}
  bool u8(std::uint8_t v) {
    if (n_ >= b_.size()) return false;
    b_[n_++] = v;
    return true;
  }
  bool bytes(Bytes v) {
    if (v.size() > b_.size() - n_) return false;
    for (std::size_t i = 0; i < v.size(); ++i) b_[n_ + i] = v[i];
    n_ += v.size();
    return true;
  }
  [[nodiscard]] std::uint8_t* here() { return b_.data() + n_; }
  [[nodiscard]] std::size_t room() const { return b_.size() - n_; }
  void advance(std::size_t k) { n_ += k; }
  [[nodiscard]] std::size_t size() const { return n_; }

 private:
  std::span<std::uint8_t> b_;
  std::size_t n_ = 0;
};

void append_hex(gsm7::Utf8Text& t, Bytes b) {
  constexpr char kHex[] = "0123456789abcdef";
  for (std::uint8_t v : b) {
    t.push_back(kHex[v >> 4]);
    t.push_back(kHex[v & 0x0f]);
  }
}

// Septets a header of (1 + UDHL) octets takes, including the fill bits that
// align the text to a septet boundary (§9.2.3.24, GSM 7-bit case).
std::size_t header_septets(std::size_t header_octets) { return (header_octets * 8 + 6) / 7; }

bool text_alphabet(const Dcs& d) { return !d.compressed && d.alphabet != Alphabet::EightBit; }

}  // namespace

// ---------------------------------------------------------------------------
// TS 23.038 §4 SMS data coding scheme.

Dcs Dcs::from_raw(std::uint8_t v) {
  Dcs d;
  d.raw = v;
  const std::uint8_t group = v >> 4;
  if (group <= 0x7) {
    // 00xx general data coding, 01xx the same with automatic deletion.
    d.auto_delete = (v & 0x40) != 0;
    d.compressed = (v & 0x20) != 0;
    if (v & 0x10) d.msg_class = v & 0x03;
    switch ((v >> 2) & 0x03) {
      case 1: d.alphabet = Alphabet::EightBit; break;
      case 2: d.alphabet = Alphabet::Ucs2; break;
      default: d.alphabet = Alphabet::Gsm7; break;  // 11 is reserved: §4 says assume GSM7
    }
  } else if (group >= 0xC && group <= 0xE) {
    // Message waiting indication groups: discard (GSM7), store (GSM7), store (UCS2).
    d.mwi = true;
    d.mwi_store = group != 0xC;
    d.alphabet = group == 0xE ? Alphabet::Ucs2 : Alphabet::Gsm7;
    d.mwi_active = (v & 0x08) != 0;
    d.mwi_type = v & 0x03;
  } else if (group == 0xF) {
    // Data coding / message class: bit 2 selects 8-bit data, bits 1-0 the class.
    d.alphabet = (v & 0x04) ? Alphabet::EightBit : Alphabet::Gsm7;
    d.msg_class = v & 0x03;
  }
  // Groups 1000-1011 are reserved: treated as GSM7 per §4.
  return d;
}

Dcs Dcs::make(Alphabet a, std::optional<std::uint8_t> cls) {
  std::uint8_t v = static_cast<std::uint8_t>(static_cast<std::uint8_t>(a) << 2);
  if (cls) v = static_cast<std::uint8_t>(v | 0x10 | (*cls & 0x03));
  return from_raw(v);
}

// ---------------------------------------------------------------------------
// §9.2.3.11 timestamps.

FixedString<32> Timestamp::iso8601() const {
  char buf[40];
  const int full_year = year >= 90 ? 1900 + year : 2000 + year;
  const int minutes = (tz_quarters < 0 ? -tz_quarters : tz_quarters) * 15;
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u%c%02d:%02d", full_year,
                static_cast<unsigned>(month % 100), static_cast<unsigned>(day % 100),
                static_cast<unsigned>(hour % 100), static_cast<unsigned>(minute % 100),
                static_cast<unsigned>(second % 100), tz_quarters < 0 ? '-' : '+', minutes / 60,
                minutes % 60);
  return FixedString<32>(buf);
}

Result<Timestamp> decode_timestamp(Bytes t) {
  if (t.size() < 7) return Error{"SMS: timestamp shorter than 7 octets", t.data()};
  std::uint8_t v[6];
  for (int i = 0; i < 6; ++i) {
    // Semi-octets are swapped: the tens digit is in the low nibble.
    const std::uint8_t lo = t[i] & 0x0f, hi = t[i] >> 4;
    if (lo > 9 || hi > 9) return Error{"SMS: timestamp digit is not decimal", t.data() + i};
    v[i] = static_cast<std::uint8_t>(lo * 10 + hi);
  }
  Timestamp ts;
  ts.year = v[0];
  ts.month = v[1];
  ts.day = v[2];
  ts.hour = v[3];
  ts.minute = v[4];
  ts.second = v[5];
  // Time zone: bit 3 of the low nibble is the sign, bits 2-0 the tens digit.
  const std::uint8_t lo = t[6] & 0x0f, hi = t[6] >> 4;
  if (hi > 9) return Error{"SMS: time zone digit is not decimal", t.data() + 6};
  const int q = (lo & 0x07) * 10 + hi;
  ts.tz_quarters = static_cast<std::int8_t>((lo & 0x08) ? -q : q);
  return ts;
}

bool encode_timestamp(const Timestamp& t, std::uint8_t out[7]) {
  const std::uint8_t v[6] = {t.year, t.month, t.day, t.hour, t.minute, t.second};
  for (int i = 0; i < 6; ++i) {
    if (v[i] > 99) return false;
    out[i] = static_cast<std::uint8_t>((v[i] / 10) | ((v[i] % 10) << 4));
  }
  const int q = t.tz_quarters < 0 ? -t.tz_quarters : t.tz_quarters;
  if (q > 79) return false;
  out[6] = static_cast<std::uint8_t>((q / 10) | (t.tz_quarters < 0 ? 0x08 : 0) | ((q % 10) << 4));
  return true;
}

std::uint32_t ValidityPeriod::relative_minutes() const {
  // §9.2.3.12.1: 5-minute steps to 12 h, 30-minute steps to 24 h, then days, then weeks.
  const std::uint32_t v = relative;
  if (v <= 143) return (v + 1) * 5;
  if (v <= 167) return 12 * 60 + (v - 143) * 30;
  if (v <= 196) return (v - 166) * 24 * 60;
  return (v - 192) * 7 * 24 * 60;
}

// ---------------------------------------------------------------------------
// §9.1.2.5 addresses.

Result<TpAddress> decode_address(Bytes at, std::size_t& consumed) {
  Cursor c(at);
  USSDGW_TRY(len, c.u8("SMS: missing address length"));
  const std::uint8_t* len_at = at.data();
  USSDGW_TRY(toa, c.u8("SMS: missing type of address"));
  if (len > 20) return Error{"SMS: address longer than 20 semi-octets", len_at};
  USSDGW_TRY(body, c.take((len + 1u) / 2, "SMS: address runs past the end of the TPDU"));
  TpAddress a;
  a.ext = (toa & 0x80) != 0;
  a.ton = (toa >> 4) & 0x07;
  a.npi = toa & 0x0f;
  if (a.alphanumeric()) {
    // TS 23.040 §9.1.2.5: alphanumeric addresses are GSM 7-bit packed; the
    // length counts the semi-octets actually used.
    std::uint8_t septets[24];
    const std::size_t n = len * 4u / 7u;
    gsm7::unpack(body, 0, n, septets);
    USSDGW_TRY(text, gsm7::to_utf8(septets, n));
    if (!a.value.assign(text.view())) return Error{"SMS: alphanumeric address too long", body.data()};
  } else {
    for (std::size_t i = 0; i < len; ++i) {
      const std::uint8_t nib = (i % 2 == 0) ? (body[i / 2] & 0x0f) : (body[i / 2] >> 4);
      if (nib == 0x0f) return Error{"SMS: filler inside the address digits", body.data() + i / 2};
      a.value.push_back(kSemiOctetDigit[nib]);
    }
  }
  consumed = 2 + body.size();
  return a;
}

Result<std::size_t> encode_address(const TpAddress& a, std::span<std::uint8_t> out) {
  Out o(out);
  const std::uint8_t toa = static_cast<std::uint8_t>((a.ext ? 0x80 : 0) | ((a.ton & 7) << 4) | (a.npi & 0x0f));
  if (a.alphanumeric()) {
    USSDGW_TRY(sept, gsm7::from_utf8(a.value.view()));
    if (sept.size() > 11) return Error{"SMS: alphanumeric address longer than 11 characters", nullptr};
    const std::size_t semi = (sept.size() * 7 + 3) / 4;
    if (!o.u8(static_cast<std::uint8_t>(semi)) || !o.u8(toa)) return overflow();
    if (sept.empty()) return o.size();
    const std::size_t w = gsm7::pack(sept.begin(), sept.size(), 0, o.here(), o.room());
    if (w == 0) return overflow();
    o.advance(w);
    return o.size();
  }
  const std::string_view d = a.value.view();
  if (d.size() > 20) return Error{"SMS: address longer than 20 digits", nullptr};
  if (!o.u8(static_cast<std::uint8_t>(d.size())) || !o.u8(toa)) return overflow();
  for (std::size_t i = 0; i < d.size(); i += 2) {
    const int lo = semi_octet_value(d[i]);
    const int hi = i + 1 < d.size() ? semi_octet_value(d[i + 1]) : 0x0f;
    if (lo < 0 || hi < 0) return Error{"SMS: address digit not encodable", nullptr};
    if (!o.u8(static_cast<std::uint8_t>(lo | (hi << 4)))) return overflow();
  }
  return o.size();
}

// ---------------------------------------------------------------------------
// §9.2.3.24 user data header and §9.2.3.16 user data.

Result<UserDataHeader> decode_udh(Bytes h) {
  UserDataHeader udh;
  std::size_t p = 0;
  while (p < h.size()) {
    if (h.size() - p < 2) return Error{"SMS: truncated UDH information element", h.data() + p};
    const std::uint8_t iei = h[p], len = h[p + 1];
    if (len > h.size() - p - 2) return Error{"SMS: UDH element runs past the header", h.data() + p + 1};
    Bytes data = h.subspan(p + 2, len);
    if (iei == 0x00 && len == 3 && !udh.concat) {
      udh.concat = Concat{data[0], data[1], data[2], false};
    } else if (iei == 0x08 && len == 4 && !udh.concat) {
      udh.concat = Concat{static_cast<std::uint16_t>((data[0] << 8) | data[1]), data[2], data[3], true};
    } else if (!udh.others.push_back(InfoElement{iei, data})) {
      return Error{"SMS: too many UDH elements", h.data() + p};
    }
    p += 2u + len;
  }
  return udh;
}

Result<UserData> decode_user_data(Bytes from_udl, const Dcs& dcs, bool udhi) {
  Cursor c(from_udl);
  USSDGW_TRY(udl, c.u8("SMS: missing TP-UDL"));
  const std::uint8_t* udl_at = from_udl.data();
  const bool septets = text_alphabet(dcs) && dcs.alphabet == Alphabet::Gsm7;
  if (septets ? udl > 160 : udl > 140) return Error{"SMS: TP-UDL above the maximum", udl_at};
  const std::size_t octets = septets ? (udl * 7u + 7u) / 8u : udl;
  USSDGW_TRY(ud, c.take(octets, "SMS: TP-UD shorter than TP-UDL says"));
  UserData out;
  out.udl = udl;
  std::size_t hdr_octets = 0;
  if (udhi) {
    if (ud.empty()) return Error{"SMS: TP-UDHI set but no user data header", udl_at};
    const std::size_t udhl = ud[0];
    if (udhl + 1 > ud.size()) return Error{"SMS: UDH longer than the user data", ud.data()};
    USSDGW_TRY(h, decode_udh(ud.subspan(1, udhl)));
    out.udh = h;
    hdr_octets = udhl + 1;
  }
  out.payload = ud.subspan(hdr_octets);
  if (dcs.compressed) return out;  // TS 23.042 compression: left to the caller as payload
  switch (dcs.alphabet) {
    case Alphabet::Gsm7: {
      const std::size_t hs = hdr_octets ? header_septets(hdr_octets) : 0;
      if (hs > udl) return Error{"SMS: UDH longer than TP-UDL", ud.data()};
      const std::size_t fill = hs * 7 - hdr_octets * 8;
      const std::size_t n = udl - hs;
      std::uint8_t sept[160];
      gsm7::unpack(out.payload, fill, n, sept);
      USSDGW_TRY(text, gsm7::to_utf8(sept, n));
      out.text = text;
      break;
    }
    case Alphabet::Ucs2: {
      USSDGW_TRY(text, gsm7::ucs2_to_utf8(out.payload));
      out.text = text;
      break;
    }
    case Alphabet::EightBit:
      append_hex(out.text, out.payload);
      break;
  }
  return out;
}

namespace {

// Writes TP-UDL and TP-UD. Sets udhi when a header was written.
Status encode_user_data(const UserData& ud, const Dcs& dcs, Out& o) {
  std::uint8_t hdr[141];
  std::size_t hl = 1;  // hdr[0] = UDHL
  auto put_ie = [&](std::uint8_t iei, Bytes data) {
    if (data.size() > 137 || hl + 2 + data.size() > sizeof hdr) return false;
    hdr[hl++] = iei;
    hdr[hl++] = static_cast<std::uint8_t>(data.size());
    for (std::uint8_t b : data) hdr[hl++] = b;
    return true;
  };
  const bool has_udh = ud.udh.has_value();
  if (has_udh) {
    if (const auto& cc = ud.udh->concat) {
      if (cc->ref16) {
        const std::uint8_t v[4] = {static_cast<std::uint8_t>(cc->ref >> 8), static_cast<std::uint8_t>(cc->ref),
                                   cc->total, cc->seq};
        put_ie(0x08, v);
      } else {
        const std::uint8_t v[3] = {static_cast<std::uint8_t>(cc->ref), cc->total, cc->seq};
        put_ie(0x00, v);
      }
    }
    for (const auto& ie : ud.udh->others)
      if (!put_ie(ie.iei, ie.data)) return Error{"SMS: user data header too long", nullptr};
    hdr[0] = static_cast<std::uint8_t>(hl - 1);
  }
  const std::size_t hdr_octets = has_udh ? hl : 0;

  if (text_alphabet(dcs) && dcs.alphabet == Alphabet::Gsm7) {
    USSDGW_TRY(sept, gsm7::from_utf8(ud.text.view()));
    const std::size_t hs = hdr_octets ? header_septets(hdr_octets) : 0;
    const std::size_t udl = hs + sept.size();
    if (udl > 160) return Error{"SMS: text does not fit in 160 septets", nullptr};
    if (!o.u8(static_cast<std::uint8_t>(udl)) || !o.bytes(Bytes(hdr, hdr_octets))) return overflow();
    if (!sept.empty()) {
      const std::size_t w = gsm7::pack(sept.begin(), sept.size(), hs * 7 - hdr_octets * 8, o.here(), o.room());
      if (w == 0) return overflow();
      o.advance(w);
    }
    return Ok{};
  }
  std::uint8_t body[140];
  Bytes payload;
  if (text_alphabet(dcs)) {  // UCS2
    USSDGW_TRY(n, gsm7::utf8_to_ucs2(ud.text.view(), body, sizeof body));
    payload = Bytes(body, n);
  } else {
    payload = ud.payload;
  }
  const std::size_t udl = hdr_octets + payload.size();
  if (udl > 140) return Error{"SMS: user data does not fit in 140 octets", nullptr};
  if (!o.u8(static_cast<std::uint8_t>(udl)) || !o.bytes(Bytes(hdr, hdr_octets)) || !o.bytes(payload))
    return overflow();
  return Ok{};
}

Status put_address(const TpAddress& a, Out& o) {
  USSDGW_TRY(n, encode_address(a, std::span<std::uint8_t>(o.here(), o.room())));
  o.advance(n);
  return Ok{};
}

Status put_timestamp(const Timestamp& t, Out& o) {
  std::uint8_t b[7];
  if (!encode_timestamp(t, b)) return Error{"SMS: timestamp field out of range", nullptr};
  if (!o.bytes(b)) return overflow();
  return Ok{};
}

// Optional trailing parameters of the report PDUs, selected by TP-PI (§9.2.3.27).
struct ReportTail {
  std::uint8_t pi = 0;
  std::optional<std::uint8_t> pid;
  std::optional<Dcs> dcs;
  std::optional<UserData> ud;
};

Result<ReportTail> decode_report_tail(Cursor& c, bool udhi) {
  ReportTail t;
  if (c.left() == 0) return t;  // TP-PI absent: tolerated, nothing follows
  USSDGW_TRY(pi, c.u8("SMS: missing TP-PI"));
  t.pi = pi;
  // Extension octets of TP-PI carry no parameter this release defines.
  for (std::uint8_t e = pi; e & 0x80;) {
    USSDGW_TRY(more, c.u8("SMS: TP-PI extension octet missing"));
    e = more;
  }
  if (pi & 0x01) {
    USSDGW_TRY(v, c.u8("SMS: TP-PID missing though TP-PI says present"));
    t.pid = v;
  }
  if (pi & 0x02) {
    USSDGW_TRY(v, c.u8("SMS: TP-DCS missing though TP-PI says present"));
    t.dcs = Dcs::from_raw(v);
  }
  if (pi & 0x04) {
    USSDGW_TRY(ud, decode_user_data(c.rest(), t.dcs.value_or(Dcs{}), udhi));
    t.ud = ud;
  }
  return t;
}

}  // namespace

// ---------------------------------------------------------------------------
// PDUs.

Result<Deliver> decode_deliver(Bytes tpdu) {
  Cursor c(tpdu);
  USSDGW_TRY(fo, c.u8("SMS: empty TPDU"));
  if ((fo & 0x03) != 0) return Error{"SMS: TP-MTI is not SMS-DELIVER", tpdu.data()};
  Deliver d;
  d.more_messages = (fo & 0x04) == 0;
  d.loop_prevention = (fo & 0x08) != 0;
  d.status_report_indication = (fo & 0x20) != 0;
  d.reply_path = (fo & 0x80) != 0;
  std::size_t n = 0;
  USSDGW_TRY(oa, decode_address(c.rest(), n));
  d.oa = oa;
  c.skip(n);
  USSDGW_TRY(pid, c.u8("SMS: missing TP-PID"));
  d.pid = pid;
  USSDGW_TRY(dcs, c.u8("SMS: missing TP-DCS"));
  d.dcs = Dcs::from_raw(dcs);
  USSDGW_TRY(scts_b, c.take(7, "SMS: TP-SCTS truncated"));
  USSDGW_TRY(scts, decode_timestamp(scts_b));
  d.scts = scts;
  USSDGW_TRY(ud, decode_user_data(c.rest(), d.dcs, (fo & 0x40) != 0));
  d.ud = ud;
  return d;
}

Result<Submit> decode_submit(Bytes tpdu) {
  Cursor c(tpdu);
  USSDGW_TRY(fo, c.u8("SMS: empty TPDU"));
  if ((fo & 0x03) != 1) return Error{"SMS: TP-MTI is not SMS-SUBMIT", tpdu.data()};
  Submit s;
  s.reject_duplicates = (fo & 0x04) != 0;
  s.vp.format = static_cast<VpFormat>((fo >> 3) & 0x03);
  s.status_report_request = (fo & 0x20) != 0;
  s.reply_path = (fo & 0x80) != 0;
  USSDGW_TRY(mr, c.u8("SMS: missing TP-MR"));
  s.mr = mr;
  std::size_t n = 0;
  USSDGW_TRY(da, decode_address(c.rest(), n));
  s.da = da;
  c.skip(n);
  USSDGW_TRY(pid, c.u8("SMS: missing TP-PID"));
  s.pid = pid;
  USSDGW_TRY(dcs, c.u8("SMS: missing TP-DCS"));
  s.dcs = Dcs::from_raw(dcs);
  switch (s.vp.format) {
    case VpFormat::None: break;
    case VpFormat::Relative: {
      USSDGW_TRY(v, c.u8("SMS: TP-VP missing"));
      s.vp.relative = v;
      break;
    }
    case VpFormat::Absolute: {
      USSDGW_TRY(b, c.take(7, "SMS: TP-VP truncated"));
      USSDGW_TRY(t, decode_timestamp(b));
      s.vp.absolute = t;
      break;
    }
    case VpFormat::Enhanced: {
      USSDGW_TRY(b, c.take(7, "SMS: TP-VP truncated"));
      for (std::size_t i = 0; i < 7; ++i) s.vp.enhanced[i] = b[i];
      break;
    }
  }
  USSDGW_TRY(ud, decode_user_data(c.rest(), s.dcs, (fo & 0x40) != 0));
  s.ud = ud;
  return s;
}

Result<DeliverReport> decode_deliver_report(Bytes tpdu, bool rp_error) {
  Cursor c(tpdu);
  USSDGW_TRY(fo, c.u8("SMS: empty TPDU"));
  if ((fo & 0x03) != 0) return Error{"SMS: TP-MTI is not SMS-DELIVER-REPORT", tpdu.data()};
  DeliverReport r;
  r.rp_error = rp_error;
  if (rp_error) {
    USSDGW_TRY(fcs, c.u8("SMS: missing TP-FCS"));
    r.fcs = fcs;
  }
  USSDGW_TRY(t, decode_report_tail(c, (fo & 0x40) != 0));
  r.pi = t.pi;
  r.pid = t.pid;
  r.dcs = t.dcs;
  r.ud = t.ud;
  return r;
}

Result<SubmitReport> decode_submit_report(Bytes tpdu, bool rp_error) {
  Cursor c(tpdu);
  USSDGW_TRY(fo, c.u8("SMS: empty TPDU"));
  if ((fo & 0x03) != 1) return Error{"SMS: TP-MTI is not SMS-SUBMIT-REPORT", tpdu.data()};
  SubmitReport r;
  r.rp_error = rp_error;
  if (rp_error) {
    USSDGW_TRY(fcs, c.u8("SMS: missing TP-FCS"));
    r.fcs = fcs;
  }
  USSDGW_TRY(pi, c.u8("SMS: missing TP-PI"));
  r.pi = pi;
  for (std::uint8_t e = pi; e & 0x80;) {
    USSDGW_TRY(more, c.u8("SMS: TP-PI extension octet missing"));
    e = more;
  }
  USSDGW_TRY(b, c.take(7, "SMS: TP-SCTS truncated"));
  USSDGW_TRY(ts, decode_timestamp(b));
  r.scts = ts;
  if (pi & 0x01) {
    USSDGW_TRY(v, c.u8("SMS: TP-PID missing though TP-PI says present"));
    r.pid = v;
  }
  if (pi & 0x02) {
    USSDGW_TRY(v, c.u8("SMS: TP-DCS missing though TP-PI says present"));
    r.dcs = Dcs::from_raw(v);
  }
  if (pi & 0x04) {
    USSDGW_TRY(ud, decode_user_data(c.rest(), r.dcs.value_or(Dcs{}), (fo & 0x40) != 0));
    r.ud = ud;
  }
  return r;
}

Result<StatusReport> decode_status_report(Bytes tpdu) {
  Cursor c(tpdu);
  USSDGW_TRY(fo, c.u8("SMS: empty TPDU"));
  if ((fo & 0x03) != 2) return Error{"SMS: TP-MTI is not SMS-STATUS-REPORT", tpdu.data()};
  StatusReport r;
  r.more_messages = (fo & 0x04) == 0;
  r.loop_prevention = (fo & 0x08) != 0;
  r.srq = (fo & 0x20) != 0;
  USSDGW_TRY(mr, c.u8("SMS: missing TP-MR"));
  r.mr = mr;
  std::size_t n = 0;
  USSDGW_TRY(ra, decode_address(c.rest(), n));
  r.ra = ra;
  c.skip(n);
  USSDGW_TRY(b1, c.take(7, "SMS: TP-SCTS truncated"));
  USSDGW_TRY(scts, decode_timestamp(b1));
  r.scts = scts;
  USSDGW_TRY(b2, c.take(7, "SMS: TP-DT truncated"));
  USSDGW_TRY(dt, decode_timestamp(b2));
  r.dt = dt;
  USSDGW_TRY(st, c.u8("SMS: missing TP-ST"));
  r.st = st;
  if (c.left() > 0) {  // TP-PI and what it announces are optional here (§9.2.2.3)
    USSDGW_TRY(t, decode_report_tail(c, (fo & 0x40) != 0));
    r.pi = t.pi;
    r.pid = t.pid;
    r.dcs = t.dcs;
    r.ud = t.ud;
  }
  return r;
}

Result<Tpdu> decode_tpdu(Bytes tpdu, Direction dir) {
  if (tpdu.empty()) return Error{"SMS: empty TPDU", tpdu.data()};
  const std::uint8_t mti = tpdu[0] & 0x03;
  if (dir == Direction::ScToMs) {
    switch (mti) {
      case 0: { USSDGW_TRY(v, decode_deliver(tpdu)); return Tpdu{v}; }
      case 1: { USSDGW_TRY(v, decode_submit_report(tpdu, false)); return Tpdu{v}; }
      case 2: { USSDGW_TRY(v, decode_status_report(tpdu)); return Tpdu{v}; }
      default: return Error{"SMS: reserved TP-MTI", tpdu.data()};
    }
  }
  switch (mti) {
    case 0: { USSDGW_TRY(v, decode_deliver_report(tpdu, false)); return Tpdu{v}; }
    case 1: { USSDGW_TRY(v, decode_submit(tpdu)); return Tpdu{v}; }
    case 2: return Error{"SMS: SMS-COMMAND is not supported", tpdu.data()};
    default: return Error{"SMS: reserved TP-MTI", tpdu.data()};
  }
}

Result<std::size_t> encode_deliver(const Deliver& d, std::span<std::uint8_t> out) {
  Out o(out);
  const std::uint8_t fo = static_cast<std::uint8_t>((d.more_messages ? 0 : 0x04) | (d.loop_prevention ? 0x08 : 0) |
                                                    (d.status_report_indication ? 0x20 : 0) |
                                                    (d.ud.udh ? 0x40 : 0) | (d.reply_path ? 0x80 : 0));
  if (!o.u8(fo)) return overflow();
  USSDGW_CHECK(put_address(d.oa, o));
  if (!o.u8(d.pid) || !o.u8(d.dcs.raw)) return overflow();
  USSDGW_CHECK(put_timestamp(d.scts, o));
  USSDGW_CHECK(encode_user_data(d.ud, d.dcs, o));
  return o.size();
}

Result<std::size_t> encode_submit(const Submit& s, std::span<std::uint8_t> out) {
  Out o(out);
  const std::uint8_t fo = static_cast<std::uint8_t>(
      0x01 | (s.reject_duplicates ? 0x04 : 0) | (static_cast<std::uint8_t>(s.vp.format) << 3) |
      (s.status_report_request ? 0x20 : 0) | (s.ud.udh ? 0x40 : 0) | (s.reply_path ? 0x80 : 0));
  if (!o.u8(fo) || !o.u8(s.mr)) return overflow();
  USSDGW_CHECK(put_address(s.da, o));
  if (!o.u8(s.pid) || !o.u8(s.dcs.raw)) return overflow();
  switch (s.vp.format) {
    case VpFormat::None: break;
    case VpFormat::Relative:
      if (!o.u8(s.vp.relative)) return overflow();
      break;
    case VpFormat::Absolute: USSDGW_CHECK(put_timestamp(s.vp.absolute, o)); break;
    case VpFormat::Enhanced:
      if (!o.bytes(s.vp.enhanced)) return overflow();
      break;
  }
  USSDGW_CHECK(encode_user_data(s.ud, s.dcs, o));
  return o.size();
}

Result<std::size_t> encode_deliver_report(const DeliverReport& r, std::span<std::uint8_t> out) {
  Out o(out);
  const bool udhi = r.ud && r.ud->udh;
  if (!o.u8(udhi ? 0x40 : 0x00)) return overflow();
  if (r.rp_error && !o.u8(r.fcs)) return overflow();
  const std::uint8_t pi = static_cast<std::uint8_t>((r.pid ? 0x01 : 0) | (r.dcs ? 0x02 : 0) | (r.ud ? 0x04 : 0));
  if (!o.u8(pi)) return overflow();
  if (r.pid && !o.u8(*r.pid)) return overflow();
  if (r.dcs && !o.u8(r.dcs->raw)) return overflow();
  if (r.ud) USSDGW_CHECK(encode_user_data(*r.ud, r.dcs.value_or(Dcs{}), o));
  return o.size();
}

std::size_t max_units_per_part(Alphabet a, bool concatenated) {
  switch (a) {
    case Alphabet::Gsm7: return concatenated ? 153 : 160;
    case Alphabet::EightBit: return concatenated ? 134 : 140;
    case Alphabet::Ucs2: return concatenated ? 67 : 70;
  }
  return 0;
}

Result<TextParts> split_text(std::string_view utf8, Alphabet a) {
  if (a == Alphabet::EightBit) return Error{"SMS: split_text needs a text alphabet", nullptr};
  // Cost of each UTF-8 character in septets (GSM7) or UTF-16 units (UCS2).
  auto char_len = [&](std::size_t i) -> std::size_t {
    const auto c = static_cast<std::uint8_t>(utf8[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x06 ? 2 : (c >> 4) == 0x0e ? 3 : 4;
    return n <= utf8.size() - i ? n : utf8.size() - i;
  };
  auto cost = [&](std::string_view ch) -> Result<std::size_t> {
    if (a == Alphabet::Ucs2) return std::size_t{ch.size() == 4 ? 2u : 1u};
    auto sept = gsm7::from_utf8(ch);
    if (!sept) return sept.error();
    return sept->size();
  };
  std::size_t total = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const std::size_t n = char_len(i);
    USSDGW_TRY(k, cost(utf8.substr(i, n)));
    total += k;
    i += n;
  }
  TextParts parts;
  if (total <= max_units_per_part(a, false)) {
    parts.push_back(utf8);
    return parts;
  }
  const std::size_t limit = max_units_per_part(a, true);
  std::size_t start = 0, used = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const std::size_t n = char_len(i);
    USSDGW_TRY(k, cost(utf8.substr(i, n)));
    if (used + k > limit) {
      if (!parts.push_back(utf8.substr(start, i - start))) return Error{"SMS: text needs too many parts", nullptr};
      start = i;
      used = 0;
    }
    used += k;
    i += n;
  }
  if (!parts.push_back(utf8.substr(start))) return Error{"SMS: text needs too many parts", nullptr};
  return parts;
}

}  // namespace ussdgw::sms
