// SCCP connectionless codec, ITU-T Q.713; segmentation and reassembly, Q.714.
#include "gateway/codec/sccp.h"

#include <algorithm>

namespace ussdgw::sccp {
namespace {

constexpr char kNibbleChars[] = "0123456789abcdef";

int nibble_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c == '*') return 0x0A;  // same codes as TBCD, for callers used to MAP digits
  if (c == '#') return 0x0B;
  return -1;
}

// BCD address information, low nibble first; for an odd count the high
// nibble of the last octet is a filler (Q.713 §3.4.2.3.1).
Result<Ok> decode_bcd(Bytes v, bool odd, GlobalTitle& gt) {
  if (odd && v.empty()) return Error{"SCCP: odd BCD global title without digits", v.data()};
  for (std::size_t i = 0; i < v.size(); ++i) {
    const bool last = i + 1 == v.size();
    if (!gt.digits.push_back(kNibbleChars[v[i] & 0x0F]))
      return Error{"SCCP: global title has too many digits", v.data() + i};
    if (last && odd) {
      gt.filler = static_cast<std::uint8_t>(v[i] >> 4);
    } else if (!gt.digits.push_back(kNibbleChars[v[i] >> 4])) {
      return Error{"SCCP: global title has too many digits", v.data() + i};
    }
  }
  return Ok{};
}

bool bcd_es(std::uint8_t es) { return es == kEsBcdOdd || es == kEsBcdEven; }

// A small bounds-checked writer over the caller's buffer.
class Writer {
 public:
  explicit Writer(std::span<std::uint8_t> out) : out_(out) {}
  bool put(std::uint8_t b) {
    if (pos_ >= out_.size()) return ok_ = false;
    out_[pos_++] = b;
    return true;
  }
  bool put(Bytes b) {
    if (b.size() > out_.size() - std::min(pos_, out_.size())) return ok_ = false;
    std::copy(b.begin(), b.end(), out_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ += b.size();
    return true;
  }
  // Reserves n octets to fill in later (pointers, lengths).
  bool skip(std::size_t n) {
    if (n > out_.size() - std::min(pos_, out_.size())) return ok_ = false;
    pos_ += n;
    return true;
  }
  void set(std::size_t at, std::uint8_t b) { out_[at] = b; }
  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] bool ok() const { return ok_; }
  std::span<std::uint8_t> rest() { return out_.subspan(std::min(pos_, out_.size())); }

 private:
  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

const Error kOverflow{"SCCP: output buffer too small", nullptr};

// Fixed-part layout of each type (Q.713 §4.10, 4.11, 4.18-4.21).
struct Layout {
  bool known = false;
  bool has_hop = false;       // X and L types
  bool has_optional = false;  // X and L types
  std::size_t ptr_width = 1;  // 2 for LUDT/LUDTS (Q.713 §2.3)
};

Layout layout_of(std::uint8_t type) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::Udt:
    case MessageType::Udts: return {true, false, false, 1};
    case MessageType::Xudt:
    case MessageType::Xudts: return {true, true, true, 1};
    case MessageType::Ludt:
    case MessageType::Ludts: return {true, true, true, 2};
  }
  return {};
}

std::size_t read_n(const std::uint8_t* p, std::size_t width) {
  // Two-octet pointers and lengths are sent least significant octet first
  // (Q.713 §2.3, §4.20).
  return width == 1 ? p[0] : static_cast<std::size_t>(p[0] | (p[1] << 8));
}

// Where the pointer at in[at] leads. Q.713 §2.3: the value counts the
// octets from the pointer itself to the parameter. A one-octet pointer counts
// from its own octet; a two-octet pointer (LUDT/LUDTS) from its second
// octet, as Wireshark (packet-sccp.c VARIABLE_POINTER) and jss7 both read it.
std::size_t pointer_target(std::size_t at, std::size_t ptr_width, std::size_t value) {
  return at + (ptr_width - 1) + value;
}

// Resolves the pointer at in[at] and returns the parameter's value span.
// len_width is the width of the parameter's length indicator.
Result<Bytes> follow(Bytes in, std::size_t at, std::size_t ptr_width, std::size_t len_width) {
  const std::uint8_t* ptr = in.data() + at;
  const std::size_t p = read_n(ptr, ptr_width);
  if (p == 0) return Error{"SCCP: zero pointer to a mandatory parameter", ptr};
  const std::size_t target = pointer_target(at, ptr_width, p);
  if (target >= in.size() || in.size() - target < len_width)
    return Error{"SCCP: pointer beyond end of message", ptr};
  const std::size_t len = read_n(in.data() + target, len_width);
  if (in.size() - target - len_width < len)
    return Error{"SCCP: parameter length exceeds message", in.data() + target};
  return in.subspan(target + len_width, len);
}

Result<Ok> decode_optional(Bytes in, std::size_t start, Message& m) {
  std::size_t pos = start;
  while (true) {
    if (pos >= in.size()) return Error{"SCCP: optional part without end of optional parameters", in.data() + in.size()};
    const std::uint8_t name = in[pos];
    if (name == kParamEndOfOptional) return Ok{};
    // Optional parameters have a one-octet length, even in LUDT (Q.713 §4.20).
    if (in.size() - pos < 2) return Error{"SCCP: optional parameter truncated", in.data() + in.size()};
    const std::size_t len = in[pos + 1];
    if (in.size() - pos - 2 < len) return Error{"SCCP: optional parameter length exceeds message", in.data() + pos + 1};
    const std::uint8_t* v = in.data() + pos + 2;
    switch (name) {
      case kParamSegmentation: {
        if (len != 4) return Error{"SCCP: segmentation parameter length is not 4", in.data() + pos + 1};
        Segmentation s;
        s.first = (v[0] & 0x80) != 0;
        s.class1_selected = (v[0] & 0x40) != 0;
        s.remaining = v[0] & 0x0F;
        s.ref.value = static_cast<std::uint32_t>(v[1] | v[2] << 8 | v[3] << 16);
        m.segmentation = s;
        break;
      }
      case kParamImportance:
        if (len != 1) return Error{"SCCP: importance parameter length is not 1", in.data() + pos + 1};
        m.importance = v[0];
        break;
      default:
        break;  // Q.713 §1.1.4.3 / Q.714 §1.1.4: unknown optional parameters are ignored
    }
    pos += 2 + len;
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

std::string_view message_type_name(MessageType t) {
  switch (t) {
    case MessageType::Udt: return "udt";
    case MessageType::Udts: return "udts";
    case MessageType::Xudt: return "xudt";
    case MessageType::Xudts: return "xudts";
    case MessageType::Ludt: return "ludt";
    case MessageType::Ludts: return "ludts";
  }
  return "unknown";
}

bool is_service(MessageType t) {
  return t == MessageType::Udts || t == MessageType::Xudts || t == MessageType::Ludts;
}

std::string_view return_cause_name(ReturnCause c) {
  // Q.713 §3.12, Table 18.
  switch (c) {
    case ReturnCause::NoTranslationForNature: return "no translation for an address of such nature";
    case ReturnCause::NoTranslationForAddress: return "no translation for this specific address";
    case ReturnCause::SubsystemCongestion: return "subsystem congestion";
    case ReturnCause::SubsystemFailure: return "subsystem failure";
    case ReturnCause::UnequippedUser: return "unequipped user";
    case ReturnCause::MtpFailure: return "MTP failure";
    case ReturnCause::NetworkCongestion: return "network congestion";
    case ReturnCause::Unqualified: return "unqualified";
    case ReturnCause::ErrorInMessageTransport: return "error in message transport";
    case ReturnCause::ErrorInLocalProcessing: return "error in local processing";
    case ReturnCause::DestinationCannotReassemble: return "destination cannot perform reassembly";
    case ReturnCause::SccpFailure: return "SCCP failure";
    case ReturnCause::HopCounterViolation: return "hop counter violation";
    case ReturnCause::SegmentationNotSupported: return "segmentation not supported";
    case ReturnCause::SegmentationFailure: return "segmentation failure";
  }
  return "spare";
}

// ---------------------------------------------------------------------------
// Address
// ---------------------------------------------------------------------------

Address Address::global_title(std::string_view digits, Ssn ssn, std::uint8_t tt) {
  Address a;
  a.ri = RoutingIndicator::OnGlobalTitle;
  a.gti = static_cast<std::uint8_t>(Gti::TtNpEsNai);
  a.ssn = ssn;
  a.gt.tt = tt;
  a.gt.np = kNpE164;
  a.gt.es = (digits.size() % 2) ? kEsBcdOdd : kEsBcdEven;
  a.gt.nai = kNaiInternational;
  a.gt.digits.assign(digits);
  return a;
}

Address Address::subsystem(Ssn ssn, std::optional<PointCode> pc) {
  Address a;
  a.ri = RoutingIndicator::OnSsn;
  a.ssn = ssn;
  a.pc = pc;
  return a;
}

Result<Address> decode_address(Bytes v) {
  if (v.empty()) return Error{"SCCP: empty address", v.data()};
  Address a;
  // Address indicator, Q.713 §3.4.1.
  const std::uint8_t ai = v[0];
  a.national = (ai & 0x80) != 0;
  a.ri = (ai & 0x40) ? RoutingIndicator::OnSsn : RoutingIndicator::OnGlobalTitle;
  a.gti = static_cast<std::uint8_t>((ai >> 2) & 0x0F);
  std::size_t pos = 1;
  const std::uint8_t* end = v.data() + v.size();
  // Field order: point code, subsystem number, global title (§3.4.2).
  if (ai & 0x01) {
    if (v.size() - pos < 2) return Error{"SCCP: address truncated in point code", end};
    // 14-bit ITU point code, least significant octet first; bits 7-8 of the
    // second octet are spare (§3.4.2.1).
    a.pc = PointCode{static_cast<std::uint16_t>(v[pos] | ((v[pos + 1] & 0x3F) << 8))};
    pos += 2;
  }
  if (ai & 0x02) {
    if (v.size() - pos < 1) return Error{"SCCP: address truncated in subsystem number", end};
    a.ssn = Ssn{v[pos]};
    pos += 1;
  }
  auto need = [&](std::size_t n) { return v.size() - pos >= n; };
  switch (a.gti) {
    case 0:
      // No global title; octets left over are kept so nothing is lost.
      break;
    case 1:  // §3.4.2.3.1: odd/even (bit 8) + NAI (bits 1-7), then digits
      if (!need(1)) return Error{"SCCP: global title truncated", end};
      a.gt.nai = v[pos] & 0x7F;
      {
        const bool odd = (v[pos] & 0x80) != 0;
        a.gt.es = odd ? kEsBcdOdd : kEsBcdEven;
        ++pos;
        USSDGW_CHECK(decode_bcd(v.subspan(pos), odd, a.gt));
      }
      return a;
    case 2:  // §3.4.2.3.2: TT, then digits whose coding the TT implies; read as BCD, all nibbles
      if (!need(1)) return Error{"SCCP: global title truncated", end};
      a.gt.tt = v[pos++];
      a.gt.es = kEsBcdEven;
      USSDGW_CHECK(decode_bcd(v.subspan(pos), false, a.gt));
      return a;
    case 3:  // §3.4.2.3.3: TT, NP/ES, digits
    case 4:  // §3.4.2.3.4: TT, NP/ES, NAI, digits
      if (!need(a.gti == 3 ? 2 : 3)) return Error{"SCCP: global title truncated", end};
      a.gt.tt = v[pos++];
      a.gt.np = static_cast<std::uint8_t>(v[pos] >> 4);
      a.gt.es = v[pos] & 0x0F;
      ++pos;
      if (a.gti == 4) {
        a.gt.nai = v[pos] & 0x7F;
        a.gt.nai_spare = (v[pos] & 0x80) != 0;  // bit 8 spare
        ++pos;
      }
      if (bcd_es(a.gt.es)) {
        USSDGW_CHECK(decode_bcd(v.subspan(pos), a.gt.es == kEsBcdOdd, a.gt));
        return a;
      }
      break;  // encoding scheme not BCD: keep the octets
    default:
      break;  // spare / national GTI: keep the octets
  }
  for (std::size_t i = pos; i < v.size(); ++i)
    if (!a.gt.opaque.push_back(v[i])) return Error{"SCCP: global title too long", v.data() + i};
  return a;
}

Result<std::size_t> encode_address(const Address& a, std::span<std::uint8_t> out) {
  if (a.gti > 0x0F) return Error{"SCCP: global title indicator above 15", nullptr};
  Writer w(out);
  const std::uint8_t ai = static_cast<std::uint8_t>((a.national ? 0x80 : 0) | (a.ri == RoutingIndicator::OnSsn ? 0x40 : 0) |
                                                    (a.gti << 2) | (a.ssn ? 0x02 : 0) | (a.pc ? 0x01 : 0));
  w.put(ai);
  if (a.pc) {
    if (a.pc->value > PointCode::kItuMax) return Error{"SCCP: point code above 14 bits", nullptr};
    w.put(static_cast<std::uint8_t>(a.pc->value & 0xFF));
    w.put(static_cast<std::uint8_t>(a.pc->value >> 8));
  }
  if (a.ssn) w.put(a.ssn->value);

  const std::size_t n = a.gt.digits.size();
  const bool odd = (n % 2) != 0;
  bool bcd = false;
  switch (a.gti) {
    case 0: break;
    case 1:
      w.put(static_cast<std::uint8_t>((odd ? 0x80 : 0) | (a.gt.nai & 0x7F)));
      bcd = true;
      break;
    case 2:
      w.put(a.gt.tt);
      if (odd) return Error{"SCCP: GTI 2 global title needs an even digit count", nullptr};
      bcd = true;
      break;
    case 3:
    case 4: {
      w.put(a.gt.tt);
      bcd = bcd_es(a.gt.es);
      const std::uint8_t es = bcd ? (odd ? kEsBcdOdd : kEsBcdEven) : (a.gt.es & 0x0F);
      w.put(static_cast<std::uint8_t>((a.gt.np << 4) | es));
      if (a.gti == 4) w.put(static_cast<std::uint8_t>((a.gt.nai_spare ? 0x80 : 0) | (a.gt.nai & 0x7F)));
      break;
    }
    default: break;
  }
  if (bcd) {
    for (std::size_t i = 0; i < n; i += 2) {
      const int lo = nibble_value(a.gt.digits[i]);
      const int hi = i + 1 < n ? nibble_value(a.gt.digits[i + 1]) : (a.gt.filler & 0x0F);
      if (lo < 0 || hi < 0) return Error{"SCCP: global title digit is not BCD", nullptr};
      w.put(static_cast<std::uint8_t>(lo | (hi << 4)));
    }
  } else {
    for (std::uint8_t b : a.gt.opaque) w.put(b);
  }
  if (!w.ok()) return kOverflow;
  return w.pos();
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

Result<Message> decode(Bytes in) {
  if (in.empty()) return Error{"SCCP: empty message", in.data()};
  const Layout lay = layout_of(in[0]);
  if (!lay.known) return Error{"SCCP: unsupported message type", in.data()};
  Message m;
  m.type = static_cast<MessageType>(in[0]);

  // Fixed part: class or return cause, then the hop counter for X/L types.
  const std::size_t n_ptr = lay.has_optional ? 4 : 3;
  const std::size_t ptr_at = lay.has_hop ? 3 : 2;
  if (in.size() < ptr_at + n_ptr * lay.ptr_width)
    return Error{"SCCP: message truncated in fixed part", in.data() + in.size()};
  if (is_service(m.type)) {
    m.return_cause = static_cast<ReturnCause>(in[1]);
  } else {
    m.protocol_class = ProtocolClass{in[1]};
    // Q.713 §4.10/4.18/4.20: unitdata is connectionless, class 0 or 1.
    if (m.protocol_class.cls() > 1) return Error{"SCCP: unitdata with a connection-oriented protocol class", in.data() + 1};
  }
  if (lay.has_hop) m.hop_counter = HopCounter{in[2]};

  // Mandatory variable part: called, calling, data. Data has a 2-octet length
  // indicator in LUDT/LUDTS (§4.20), the addresses always one octet.
  std::array<std::size_t, 3> at{};
  Bytes vals[3];
  for (std::size_t i = 0; i < 3; ++i) {
    const std::size_t p = ptr_at + i * lay.ptr_width;
    const std::size_t len_width = (i == 2) ? lay.ptr_width : 1;
    USSDGW_TRY(v, follow(in, p, lay.ptr_width, len_width));
    vals[i] = v;
    at[i] = static_cast<std::size_t>(v.data() - in.data());
  }
  m.called_raw = vals[0];
  m.calling_raw = vals[1];
  m.data = vals[2];
  // Record the wire order of the three parameters. An insertion sort by hand:
  // std::stable_sort may take a heap buffer, and decoding must not allocate.
  std::array<std::size_t, 3> idx{0, 1, 2};
  for (std::size_t i = 1; i < 3; ++i)
    for (std::size_t j = i; j > 0 && at[idx[j]] < at[idx[j - 1]]; --j) std::swap(idx[j], idx[j - 1]);
  for (std::size_t i = 0; i < 3; ++i) m.order[i] = static_cast<Field>(idx[i]);

  {
    auto called = decode_address(m.called_raw);
    if (!called.ok()) return called.error();
    m.called = called.value();
    auto calling = decode_address(m.calling_raw);
    if (!calling.ok()) return calling.error();
    m.calling = calling.value();
  }

  if (lay.has_optional) {
    const std::size_t p = ptr_at + 3 * lay.ptr_width;
    const std::size_t off = read_n(in.data() + p, lay.ptr_width);
    if (off != 0) {  // 0 = no optional part (§2.3)
      const std::size_t target = pointer_target(p, lay.ptr_width, off);
      if (target >= in.size()) return Error{"SCCP: pointer beyond end of message", in.data() + p};
      USSDGW_CHECK(decode_optional(in, target, m));
    }
  }
  return m;
}

Result<std::size_t> encode(const Message& m, std::span<std::uint8_t> out) {
  const Layout lay = layout_of(static_cast<std::uint8_t>(m.type));
  if (!lay.known) return Error{"SCCP: unsupported message type", nullptr};
  const std::size_t max_ptr = lay.ptr_width == 1 ? 0xFF : 0xFFFF;
  // Addresses are encoded straight into the output after a reserved length
  // octet, so no scratch buffer is needed.
  Writer w(out);
  w.put(static_cast<std::uint8_t>(m.type));
  w.put(is_service(m.type) ? static_cast<std::uint8_t>(m.return_cause) : m.protocol_class.raw);
  if (lay.has_hop) w.put(m.hop_counter.value);
  const std::size_t ptr_at = w.pos();
  const std::size_t n_ptr = lay.has_optional ? 4 : 3;
  w.skip(n_ptr * lay.ptr_width);
  if (!w.ok()) return kOverflow;

  auto set_ptr = [&](std::size_t slot, std::size_t target) -> bool {
    const std::size_t at = ptr_at + slot * lay.ptr_width;
    const std::size_t p = target - (at + lay.ptr_width - 1);  // see pointer_target()
    if (p > max_ptr) return false;
    w.set(at, static_cast<std::uint8_t>(p & 0xFF));
    if (lay.ptr_width == 2) w.set(at + 1, static_cast<std::uint8_t>(p >> 8));
    return true;
  };

  // The order must name each field once, or a pointer would stay unset.
  bool seen[3] = {false, false, false};
  for (Field f : m.order) {
    const auto i = static_cast<std::size_t>(f);
    if (i > 2 || seen[i]) return Error{"SCCP: wire order must name each field once", nullptr};
    seen[i] = true;
  }

  for (Field f : m.order) {
    const auto i = static_cast<std::size_t>(f);
    const std::size_t start = w.pos();
    if (!set_ptr(i, start)) return Error{"SCCP: parameter too far for its pointer", nullptr};
    if (f == Field::Data) {
      const std::size_t len = m.data.size();
      if (len > max_ptr) return Error{"SCCP: user data too long for the message type", nullptr};
      w.put(static_cast<std::uint8_t>(len & 0xFF));
      if (lay.ptr_width == 2) w.put(static_cast<std::uint8_t>(len >> 8));
      w.put(m.data);
    } else {
      if (!w.skip(1)) return kOverflow;
      USSDGW_TRY(n, encode_address(f == Field::Called ? m.called : m.calling, w.rest()));
      if (n > 0xFF) return Error{"SCCP: address too long", nullptr};
      w.set(start, static_cast<std::uint8_t>(n));
      w.skip(n);
    }
    if (!w.ok()) return kOverflow;
  }

  if (lay.has_optional) {
    const std::size_t slot = 3;
    if (m.segmentation || m.importance) {
      if (!set_ptr(slot, w.pos())) return Error{"SCCP: optional part too far for its pointer", nullptr};
      if (m.segmentation) {
        const Segmentation& s = *m.segmentation;
        if (s.remaining > 0x0F) return Error{"SCCP: more than 15 remaining segments", nullptr};
        w.put(kParamSegmentation);
        w.put(4);
        w.put(static_cast<std::uint8_t>((s.first ? 0x80 : 0) | (s.class1_selected ? 0x40 : 0) | s.remaining));
        w.put(static_cast<std::uint8_t>(s.ref.value));
        w.put(static_cast<std::uint8_t>(s.ref.value >> 8));
        w.put(static_cast<std::uint8_t>(s.ref.value >> 16));
      }
      if (m.importance) {
        w.put(kParamImportance);
        w.put(1);
        w.put(*m.importance);
      }
      w.put(kParamEndOfOptional);
    } else {
      const std::size_t at = ptr_at + slot * lay.ptr_width;
      w.set(at, 0);
      if (lay.ptr_width == 2) w.set(at + 1, 0);
    }
  }
  if (!w.ok()) return kOverflow;
  return w.pos();
}

Message make_udt(const Address& called, const Address& calling, Bytes data, ProtocolClass pc) {
  Message m;
  m.type = MessageType::Udt;
  m.protocol_class = pc;
  m.called = called;
  m.calling = calling;
  m.data = data;
  return m;
}

Message make_xudt(const Address& called, const Address& calling, Bytes data, ProtocolClass pc, HopCounter hops,
                  std::optional<Segmentation> seg) {
  Message m = make_udt(called, calling, data, pc);
  m.type = MessageType::Xudt;
  m.hop_counter = hops;
  m.segmentation = seg;
  return m;
}

Message make_service(const Message& original, ReturnCause cause, HopCounter hops) {
  Message m;
  switch (original.type) {
    case MessageType::Udt: m.type = MessageType::Udts; break;
    case MessageType::Xudt: m.type = MessageType::Xudts; break;
    case MessageType::Ludt: m.type = MessageType::Ludts; break;
    default: m.type = original.type; break;  // a service message is never returned; keep it as is
  }
  m.return_cause = cause;
  m.hop_counter = hops;
  m.called = original.calling;
  m.calling = original.called;
  m.data = original.data;
  m.segmentation = original.segmentation;
  m.importance = original.importance;
  return m;
}

// ---------------------------------------------------------------------------
// Segmentation (Q.714 §4.1.1.2)
// ---------------------------------------------------------------------------

Result<std::size_t> segment(const Message& tmpl, Bytes payload, LocalReference ref, std::size_t max_segment_data,
                            std::span<Message> out) {
  if (max_segment_data == 0) return Error{"SCCP: segment size must not be 0", nullptr};
  if (payload.empty()) return Error{"SCCP: no user data to send", nullptr};
  if (ref.value > 0xFFFFFF) return Error{"SCCP: local reference above 24 bits", nullptr};
  const std::size_t count = (payload.size() + max_segment_data - 1) / max_segment_data;
  if (count > kMaxSegments) return Error{"SCCP: user data needs more than 16 segments", nullptr};
  if (count > out.size()) return Error{"SCCP: too few message slots for the segments", nullptr};

  Message base = tmpl;
  base.type = MessageType::Xudt;
  base.called_raw = {};
  base.calling_raw = {};
  base.order = kCanonicalOrder;
  if (count == 1) {
    base.data = payload;
    base.segmentation.reset();
    out[0] = base;
    return std::size_t{1};
  }
  const bool wants_sequence = tmpl.protocol_class.cls() == 1;
  // Segments travel in class 1 so that MTP keeps them in order (same SLS);
  // the message handling bits (return on error) are kept.
  base.protocol_class = ProtocolClass{static_cast<std::uint8_t>((tmpl.protocol_class.raw & 0xF0) | 0x01)};
  for (std::size_t i = 0; i < count; ++i) {
    Message s = base;
    const std::size_t off = i * max_segment_data;
    s.data = payload.subspan(off, std::min(max_segment_data, payload.size() - off));
    s.segmentation = Segmentation{i == 0, wants_sequence, static_cast<std::uint8_t>(count - 1 - i), ref};
    out[i] = s;
  }
  return count;
}

// ---------------------------------------------------------------------------
// Reassembly (Q.714 §4.1.1.3)
// ---------------------------------------------------------------------------

Result<std::optional<std::vector<std::uint8_t>>> Reassembler::feed(const Message& m, Clock::time_point now) {
  const std::uint8_t* at = m.data.data();
  if (m.type == MessageType::Udt || m.type == MessageType::Udts)
    return Error{"SCCP: UDT/UDTS cannot be segmented", at};
  if (!m.segmentation) return Error{"SCCP: message has no segmentation parameter", at};
  const Segmentation& s = *m.segmentation;
  const bool service = is_service(m.type);
  auto it = std::find_if(partials_.begin(), partials_.end(), [&](const Partial& p) {
    return p.service == service && p.ref == s.ref &&
           std::equal(p.calling.begin(), p.calling.end(), m.calling_raw.begin(), m.calling_raw.end());
  });

  if (s.first) {
    if (s.remaining == 0) {  // a single segment (Q.714 §4.1.1.2.3 allows it)
      if (it != partials_.end()) partials_.erase(it);
      return std::optional<std::vector<std::uint8_t>>(std::vector<std::uint8_t>(m.data.begin(), m.data.end()));
    }
    if (it == partials_.end()) {
      if (partials_.size() >= cfg_.max_partials) return Error{"SCCP: too many messages being reassembled", at};
      partials_.push_back(Partial{});
      it = partials_.end() - 1;
      it->service = service;
      it->calling.assign(m.calling_raw.begin(), m.calling_raw.end());
      it->ref = s.ref;
    }
    if (m.data.size() > cfg_.max_message_size) {
      partials_.erase(it);
      return Error{"SCCP: reassembled message too long", at};
    }
    it->data.assign(m.data.begin(), m.data.end());
    it->started = now;
    it->expect_remaining = static_cast<std::uint8_t>(s.remaining - 1);
    return std::optional<std::vector<std::uint8_t>>{};
  }

  if (it == partials_.end()) return Error{"SCCP: segment without a first segment", at};
  if (s.remaining != it->expect_remaining) {
    partials_.erase(it);
    return Error{"SCCP: segment out of sequence", at};
  }
  if (it->data.size() + m.data.size() > cfg_.max_message_size) {
    partials_.erase(it);
    return Error{"SCCP: reassembled message too long", at};
  }
  it->data.insert(it->data.end(), m.data.begin(), m.data.end());
  if (s.remaining == 0) {
    std::vector<std::uint8_t> whole = std::move(it->data);
    partials_.erase(it);
    return std::optional<std::vector<std::uint8_t>>(std::move(whole));
  }
  it->expect_remaining = static_cast<std::uint8_t>(s.remaining - 1);
  return std::optional<std::vector<std::uint8_t>>{};
}

std::size_t Reassembler::sweep(Clock::time_point now) {
  const auto before = partials_.size();
  std::erase_if(partials_, [&](const Partial& p) { return now - p.started > cfg_.timeout; });
  return before - partials_.size();
}

}  // namespace ussdgw::sccp
