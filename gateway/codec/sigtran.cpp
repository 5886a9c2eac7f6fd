#include "gateway/codec/sigtran.h"

namespace ussdgw::sigtran {
namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be24(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 16 | static_cast<std::uint32_t>(p[1]) << 8 | p[2];
}
std::uint32_t be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | be24(p + 1);
}
void put16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v);
}
constexpr std::size_t pad4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

constexpr std::size_t kM3uaHeaderSize = 8;     // RFC 4666 §3.1
constexpr std::size_t kTlvHeaderSize = 4;      // tag(2) + length(2), §3.2
constexpr std::size_t kProtocolDataFixed = 12; // OPC DPC SI NI MP SLS, §3.3.1

}  // namespace

Result<M3uaMessage> decode_m3ua(Bytes msg) {
  if (msg.size() < kM3uaHeaderSize) return Error{"M3UA: common header truncated", msg.data() + msg.size()};
  M3uaMessage m;
  m.version = msg[0];
  m.msg_class = msg[2];
  m.msg_type = msg[3];
  m.length = be32(msg.data() + 4);
  // RFC 4666 §3.1.1: only release 1.0 exists; another version means we do not
  // know the layout, so refuse rather than guess.
  if (m.version != kM3uaVersion) return Error{"M3UA: unsupported version", msg.data()};
  if (m.length < kM3uaHeaderSize) return Error{"M3UA: message length below header size", msg.data() + 4};
  if (m.length > msg.size()) return Error{"M3UA: message length exceeds the octets present", msg.data() + 4};

  // Parameters: TLVs whose length includes the 4-octet header and excludes the
  // padding to a 4-octet boundary (§3.2). The last one may omit its padding.
  const std::size_t end = m.length;
  std::size_t pos = kM3uaHeaderSize;
  while (pos < end) {
    if (end - pos < kTlvHeaderSize) return Error{"M3UA: parameter header truncated", msg.data() + pos};
    const std::uint16_t tag = be16(msg.data() + pos);
    const std::uint16_t len = be16(msg.data() + pos + 2);
    if (len < kTlvHeaderSize) return Error{"M3UA: parameter length below 4", msg.data() + pos + 2};
    if (len > end - pos) return Error{"M3UA: parameter exceeds the message", msg.data() + pos + 2};
    const std::uint8_t* v = msg.data() + pos + kTlvHeaderSize;
    const std::size_t vlen = len - kTlvHeaderSize;
    switch (tag) {
      case kTagRoutingContext:
        // A list of 4-octet contexts (§3.3.1); DATA carries exactly one.
        if (vlen < 4 || vlen % 4) return Error{"M3UA: bad Routing Context length", msg.data() + pos + 2};
        if (!m.routing_context) m.routing_context = RoutingContext{be32(v)};
        break;
      case kTagNetworkAppearance:
        if (vlen != 4) return Error{"M3UA: bad Network Appearance length", msg.data() + pos + 2};
        m.network_appearance = be32(v);
        break;
      case kTagCorrelationId:
        if (vlen != 4) return Error{"M3UA: bad Correlation Id length", msg.data() + pos + 2};
        m.correlation_id = be32(v);
        break;
      case kTagProtocolData:
        if (m.is_data()) {
          if (vlen < kProtocolDataFixed) return Error{"M3UA: Protocol Data too short", msg.data() + pos + 2};
          ProtocolData pd;
          pd.opc = PointCode{be32(v)};
          pd.dpc = PointCode{be32(v + 4)};
          pd.si = v[8];
          pd.ni = v[9];
          pd.mp = v[10];
          pd.sls = v[11];
          pd.payload = Bytes(v + kProtocolDataFixed, vlen - kProtocolDataFixed);
          m.data = pd;
        }
        break;
      default:
        break;  // other parameters (RFC 4666 §3.2 lists many) carry nothing we report
    }
    // Advance by the padded length but never beyond the message: the final
    // parameter's padding may be missing in sloppy implementations.
    const std::size_t step = pad4(len);
    pos = step > end - pos ? end : pos + step;
  }
  if (m.is_data() && !m.data) return Error{"M3UA: DATA without Protocol Data", msg.data() + kM3uaHeaderSize};
  return m;
}

const char* m3ua_message_name(std::uint8_t msg_class, std::uint8_t msg_type) {
  // RFC 4666 §3.1.2 message class and type tables.
  switch (static_cast<M3uaClass>(msg_class)) {
    case M3uaClass::Management:
      return msg_type == 0 ? "ERR" : msg_type == 1 ? "NTFY" : "unknown";
    case M3uaClass::Transfer:
      return msg_type == kM3uaTypeData ? "DATA" : "unknown";
    case M3uaClass::Ssnm: {
      static constexpr const char* names[] = {"unknown", "DUNA", "DAVA", "DAUD", "SCON", "DUPU", "DRST"};
      return msg_type < 7 ? names[msg_type] : "unknown";
    }
    case M3uaClass::Aspsm: {
      static constexpr const char* names[] = {"unknown", "ASPUP", "ASPDN", "BEAT", "ASPUP_ACK", "ASPDN_ACK", "BEAT_ACK"};
      return msg_type < 7 ? names[msg_type] : "unknown";
    }
    case M3uaClass::Asptm: {
      static constexpr const char* names[] = {"unknown", "ASPAC", "ASPIA", "ASPAC_ACK", "ASPIA_ACK"};
      return msg_type < 5 ? names[msg_type] : "unknown";
    }
    case M3uaClass::Rkm: {
      static constexpr const char* names[] = {"unknown", "REG_REQ", "REG_RSP", "DEREG_REQ", "DEREG_RSP"};
      return msg_type < 5 ? names[msg_type] : "unknown";
    }
  }
  return "unknown";
}

std::size_t m3ua_data_size(std::size_t payload_len, bool with_routing_context) {
  return kM3uaHeaderSize + (with_routing_context ? 8 : 0) + pad4(kTlvHeaderSize + kProtocolDataFixed + payload_len);
}

std::size_t encode_m3ua_data(const ProtocolData& pd, std::optional<RoutingContext> rc, std::span<std::uint8_t> out) {
  const std::size_t pd_len = kTlvHeaderSize + kProtocolDataFixed + pd.payload.size();
  // The parameter length field is 16 bits (§3.2): larger user data cannot be sent.
  if (pd_len > 0xFFFF) return 0;
  const std::size_t total = m3ua_data_size(pd.payload.size(), rc.has_value());
  if (out.size() < total) return 0;
  std::uint8_t* p = out.data();
  p[0] = kM3uaVersion;
  p[1] = 0;  // reserved
  p[2] = static_cast<std::uint8_t>(M3uaClass::Transfer);
  p[3] = kM3uaTypeData;
  put32(p + 4, static_cast<std::uint32_t>(total));
  p += kM3uaHeaderSize;
  if (rc) {
    put16(p, kTagRoutingContext);
    put16(p + 2, 8);
    put32(p + 4, rc->value);
    p += 8;
  }
  put16(p, kTagProtocolData);
  put16(p + 2, static_cast<std::uint32_t>(pd_len));
  put32(p + 4, pd.opc.value);
  put32(p + 8, pd.dpc.value);
  p[12] = pd.si;
  p[13] = pd.ni;
  p[14] = pd.mp;
  p[15] = pd.sls;
  p += kTlvHeaderSize + kProtocolDataFixed;
  for (std::size_t i = 0; i < pd.payload.size(); ++i) p[i] = pd.payload[i];
  // Zero padding to the 4-octet boundary (§3.2).
  for (std::size_t i = pd.payload.size(); i < pad4(pd_len) - kTlvHeaderSize - kProtocolDataFixed; ++i) p[i] = 0;
  return total;
}

// --- IPA --------------------------------------------------------------------

std::optional<std::size_t> ipa_frame_size(Bytes buffered) {
  if (buffered.size() < kIpaHeaderSize) return std::nullopt;
  return kIpaHeaderSize + be16(buffered.data());
}

Result<IpaMessage> decode_ipa(Bytes data) {
  if (data.size() < kIpaHeaderSize) return Error{"IPA: header truncated", data.data() + data.size()};
  const std::size_t len = be16(data.data());
  if (len > data.size() - kIpaHeaderSize) return Error{"IPA: length exceeds the octets present", data.data()};
  IpaMessage m;
  m.stream = IpaStream{data[2]};
  m.payload = data.subspan(kIpaHeaderSize, len);
  m.wire_size = kIpaHeaderSize + len;
  return m;
}

std::size_t encode_ipa(IpaStream stream, Bytes payload, std::span<std::uint8_t> out) {
  if (payload.size() > 0xFFFF || out.size() < kIpaHeaderSize + payload.size()) return 0;
  put16(out.data(), static_cast<std::uint32_t>(payload.size()));
  out[2] = stream.value;
  for (std::size_t i = 0; i < payload.size(); ++i) out[kIpaHeaderSize + i] = payload[i];
  return kIpaHeaderSize + payload.size();
}

// --- MTP3 -------------------------------------------------------------------

Result<Mtp3Message> decode_mtp3(Bytes msg) {
  if (msg.size() < kMtp3HeaderSize) return Error{"MTP3: SIO + routing label truncated", msg.data() + msg.size()};
  Mtp3Message m;
  // SIO (Q.704 §14.2): SI in bits 4-1, spare/priority bits 6-5, NI bits 8-7.
  m.si = msg[0] & 0x0F;
  m.spare = (msg[0] >> 4) & 0x03;
  m.ni = msg[0] >> 6;
  // ITU routing label (Q.704 §2.2): transmitted least significant bit first,
  // i.e. a little-endian 32-bit word: DPC 14 bits, OPC 14 bits, SLS 4 bits.
  const std::uint32_t label = static_cast<std::uint32_t>(msg[1]) | static_cast<std::uint32_t>(msg[2]) << 8 |
                              static_cast<std::uint32_t>(msg[3]) << 16 | static_cast<std::uint32_t>(msg[4]) << 24;
  m.dpc = PointCode{label & 0x3FFF};
  m.opc = PointCode{(label >> 14) & 0x3FFF};
  m.sls = static_cast<std::uint8_t>(label >> 28);
  m.payload = msg.subspan(kMtp3HeaderSize);
  return m;
}

std::size_t encode_mtp3(const Mtp3Message& m, std::span<std::uint8_t> out) {
  if (out.size() < kMtp3HeaderSize + m.payload.size()) return 0;
  out[0] = static_cast<std::uint8_t>((m.ni & 3) << 6 | (m.spare & 3) << 4 | (m.si & 0x0F));
  const std::uint32_t label = (m.dpc.value & 0x3FFF) | (m.opc.value & 0x3FFF) << 14 |
                              static_cast<std::uint32_t>(m.sls & 0x0F) << 28;
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<std::uint8_t>(label >> (8 * i));
  for (std::size_t i = 0; i < m.payload.size(); ++i) out[kMtp3HeaderSize + i] = m.payload[i];
  return kMtp3HeaderSize + m.payload.size();
}

// --- M2PA -------------------------------------------------------------------

Result<M2paMessage> decode_m2pa(Bytes msg) {
  // RFC 4165 §2.1 common header (8) + §2.2 BSN (4) + FSN (4).
  constexpr std::size_t kFixed = 16;
  if (msg.size() < kFixed) return Error{"M2PA: header truncated", msg.data() + msg.size()};
  M2paMessage m;
  m.version = msg[0];
  m.msg_class = msg[2];
  m.msg_type = msg[3];
  m.length = be32(msg.data() + 4);
  if (m.version != 1) return Error{"M2PA: unsupported version", msg.data()};
  if (m.msg_class != kM2paClass) return Error{"M2PA: message class is not 11", msg.data() + 2};
  if (m.length < kFixed) return Error{"M2PA: message length below header size", msg.data() + 4};
  if (m.length > msg.size()) return Error{"M2PA: message length exceeds the octets present", msg.data() + 4};
  m.bsn = be24(msg.data() + 9);
  m.fsn = be24(msg.data() + 13);
  Bytes rest = msg.subspan(kFixed, m.length - kFixed);
  if (m.msg_type == kM2paUserData) {
    // §2.3.1: an empty User Data message only acknowledges; otherwise the
    // first octet carries the priority (bits 8-7) and the MTP3 message follows.
    if (!rest.empty()) {
      m.priority = rest[0] >> 6;
      m.mtp3 = rest.subspan(1);
    }
  } else if (m.msg_type == kM2paLinkStatus) {
    if (rest.size() < 4) return Error{"M2PA: Link Status state truncated", rest.data()};
    m.link_status = be32(rest.data());
  }
  return m;
}

}  // namespace ussdgw::sigtran
