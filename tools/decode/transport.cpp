#include "tools/decode/transport.h"

#include <string>

namespace ussdgw::decode {
namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
constexpr std::uint16_t kEtherVlan = 0x8100;   // IEEE 802.1Q
constexpr std::uint16_t kEtherQinQ = 0x88A8;   // IEEE 802.1ad
constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::uint8_t kIpProtoSctp = 132;

// SCTP payload protocol identifiers (IANA registry, RFC 4666 §1.4.7, RFC 4165 §1.5).
constexpr std::uint32_t kPpidM3ua = 3;
constexpr std::uint32_t kPpidM2pa = 5;
// Registered ports, used when a peer sends PPID 0 (unspecified).
constexpr std::uint16_t kPortM3ua = 2905;
constexpr std::uint16_t kPortM2pa = 3565;

const char* sctp_chunk_name(std::uint8_t type) {
  // RFC 4960 §3.2 chunk types.
  static constexpr const char* names[] = {"DATA",          "INIT",        "INIT_ACK",     "SACK",
                                          "HEARTBEAT",     "HEARTBEAT_ACK", "ABORT",      "SHUTDOWN",
                                          "SHUTDOWN_ACK",  "ERROR",       "COOKIE_ECHO",  "COOKIE_ACK",
                                          "ECNE",          "CWR",         "SHUTDOWN_COMPLETE"};
  return type < 15 ? names[type] : "other chunk";
}

}  // namespace

void TransportDecoder::error(FrameNo n, const TransportInfo& via, const char* layer, Bytes whole, const Error& e) {
  sink_.on_error(n, via, LayerError{layer, e.offset_in(whole), e.what});
}

void TransportDecoder::frame(FrameNo n, int link_type, Bytes d) {
  auto truncated = [&](const char* layer) {
    sink_.on_error(n, {}, LayerError{layer, d.size(), "link-layer header truncated"});
  };
  switch (link_type) {
    case linktype::kEthernet: {
      if (d.size() < 14) return truncated("ethernet");
      std::size_t off = 12;
      std::uint16_t type = be16(d.data() + off);
      // 802.1Q / 802.1ad tags: 2 octets TPID (already read) + 2 octets TCI.
      while (type == kEtherVlan || type == kEtherQinQ) {
        off += 4;
        if (d.size() < off + 2) return truncated("ethernet");
        type = be16(d.data() + off);
      }
      return ethertype(n, type, d.subspan(off + 2));
    }
    case linktype::kLinuxSll:
      // Linux cooked v1: 16 octets, protocol type in the last two.
      if (d.size() < 16) return truncated("sll");
      return ethertype(n, be16(d.data() + 14), d.subspan(16));
    case linktype::kLinuxSll2:
      // Linux cooked v2: 20 octets, protocol type first.
      if (d.size() < 20) return truncated("sll2");
      return ethertype(n, be16(d.data()), d.subspan(20));
    case linktype::kRaw:
    case linktype::kRaw101:
      if (d.empty()) return truncated("raw");
      return (d[0] >> 4) == 6 ? ipv6(n, d) : ipv4(n, d);
    case linktype::kIpv4:
      return ipv4(n, d);
    case linktype::kIpv6:
      return ipv6(n, d);
    case linktype::kNull:
    case linktype::kLoop: {
      // 4-octet address family; its byte order depends on the capturing host,
      // so look at the IP version nibble instead of trusting AF values.
      if (d.size() < 5) return truncated("loopback");
      Bytes ip = d.subspan(4);
      return (ip[0] >> 4) == 6 ? ipv6(n, ip) : ipv4(n, ip);
    }
    case linktype::kMtp3:
      return mtp3(n, d);
    case linktype::kMtp2:
      return mtp2(n, d);
    case linktype::kMtp2WithPhdr:
      // 4-octet pseudo-header (sent, annex A, link number) before MTP2.
      if (d.size() < 4) return truncated("mtp2");
      return mtp2(n, d.subspan(4));
    default:
      sink_.on_skipped(n, "unsupported link type " + std::to_string(link_type));
  }
}

void TransportDecoder::ethertype(FrameNo n, std::uint16_t type, Bytes data) {
  if (type == kEtherIpv4) return ipv4(n, data);
  if (type == kEtherIpv6) return ipv6(n, data);
  sink_.on_skipped(n, type == 0x0806 ? "ARP" : "ethertype " + std::to_string(type));
}

void TransportDecoder::ipv4(FrameNo n, Bytes d) {
  // RFC 791 §3.1.
  if (d.size() < 20) return sink_.on_error(n, {}, LayerError{"ipv4", d.size(), "header truncated"});
  if ((d[0] >> 4) != 4) return sink_.on_error(n, {}, LayerError{"ipv4", 0, "not IP version 4"});
  const std::size_t ihl = static_cast<std::size_t>(d[0] & 0x0F) * 4;
  std::size_t total = be16(d.data() + 2);
  if (ihl < 20 || ihl > d.size()) return sink_.on_error(n, {}, LayerError{"ipv4", 0, "bad header length"});
  if (total < ihl) return sink_.on_error(n, {}, LayerError{"ipv4", 2, "total length below header length"});
  // Ethernet pads short frames: trust the IP total length, but never beyond
  // what was captured (snaplen-truncated captures).
  if (total > d.size()) total = d.size();
  const std::uint16_t frag = be16(d.data() + 6);
  if ((frag & 0x3FFF) != 0) return sink_.on_skipped(n, "IPv4 fragment (not reassembled)");
  Endpoints ep{{d.begin() + 12, d.begin() + 16}, {d.begin() + 16, d.begin() + 20}};
  Bytes payload = d.subspan(ihl, total - ihl);
  if (d[9] == kIpProtoSctp) return sctp(n, ep, payload);
  if (d[9] == kIpProtoTcp) return tcp(n, ep, payload);
  sink_.on_skipped(n, "IP protocol " + std::to_string(d[9]));
}

void TransportDecoder::ipv6(FrameNo n, Bytes d) {
  // RFC 8200 §3: 40-octet fixed header, then extension headers.
  if (d.size() < 40) return sink_.on_error(n, {}, LayerError{"ipv6", d.size(), "header truncated"});
  std::size_t plen = be16(d.data() + 4);
  if (40 + plen > d.size()) plen = d.size() - 40;
  std::uint8_t next = d[6];
  Endpoints ep{{d.begin() + 8, d.begin() + 24}, {d.begin() + 24, d.begin() + 40}};
  Bytes p = d.subspan(40, plen);
  // Hop-by-hop (0), routing (43), destination options (60): length in
  // 8-octet units not counting the first 8 (RFC 8200 §4.3-§4.6).
  while (next == 0 || next == 43 || next == 60) {
    if (p.size() < 8) return sink_.on_error(n, {}, LayerError{"ipv6", d.size() - p.size(), "extension header truncated"});
    const std::size_t len = (static_cast<std::size_t>(p[1]) + 1) * 8;
    if (len > p.size()) return sink_.on_error(n, {}, LayerError{"ipv6", d.size() - p.size(), "extension header truncated"});
    next = p[0];
    p = p.subspan(len);
  }
  if (next == 44) return sink_.on_skipped(n, "IPv6 fragment (not reassembled)");
  if (next == kIpProtoSctp) return sctp(n, ep, p);
  if (next == kIpProtoTcp) return tcp(n, ep, p);
  sink_.on_skipped(n, "IP protocol " + std::to_string(next));
}

void TransportDecoder::sctp(FrameNo n, const Endpoints& ep, Bytes d) {
  // RFC 4960 §3.1 common header: ports, verification tag, checksum.
  if (d.size() < 12) return sink_.on_error(n, {}, LayerError{"sctp", d.size(), "common header truncated"});
  const std::uint16_t sport = be16(d.data());
  const std::uint16_t dport = be16(d.data() + 2);
  std::size_t pos = 12;
  while (pos + 4 <= d.size()) {
    const std::uint8_t type = d[pos];
    const std::uint8_t flags = d[pos + 1];
    const std::size_t len = be16(d.data() + pos + 2);
    // §3.2: the chunk length includes its 4-octet header, not the padding.
    if (len < 4 || len > d.size() - pos)
      return sink_.on_error(n, {}, LayerError{"sctp", pos + 2, "chunk length out of bounds"});
    if (type == 0) {
      // DATA (§3.3.1): TSN(4) SID(2) SSN(2) PPID(4), then user data.
      if (len < 16) return sink_.on_error(n, {}, LayerError{"sctp", pos + 2, "DATA chunk shorter than 16"});
      const std::uint16_t sid = be16(d.data() + pos + 8);
      const std::uint16_t ssn = be16(d.data() + pos + 10);
      const std::uint32_t ppid = be32(d.data() + pos + 12);
      Bytes user = d.subspan(pos + 16, len - 16);
      const bool unordered = flags & 0x04;
      const bool begin = flags & 0x02;
      const bool end = flags & 0x01;
      if (begin && end) {
        sctp_payload(n, ppid, sport, dport, user);
      } else {
        // Fragments of one user message share SID and (ordered) SSN and come
        // with consecutive TSNs (§6.9). Unordered fragments have no SSN, so
        // they are keyed by stream alone: good enough for captures.
        SctpKey key{ep.src, ep.dst, sport, dport, sid, unordered ? 0x10000u : ssn};
        auto& buf = sctp_frags_[key];
        if (begin) buf.clear();
        buf.insert(buf.end(), user.begin(), user.end());
        if (end) {
          std::vector<std::uint8_t> whole = std::move(buf);
          sctp_frags_.erase(key);
          sctp_payload(n, ppid, sport, dport, Bytes(whole.data(), whole.size()));
        } else {
          sink_.on_skipped(n, "SCTP DATA fragment");
          // Bound memory on hostile input: a user message never needs more
          // than the 16-bit lengths of M3UA/M2PA parameters allow, times a bit.
          if (buf.size() > (1u << 20)) sctp_frags_.erase(key);
        }
      }
    } else {
      sink_.on_skipped(n, std::string("SCTP ") + sctp_chunk_name(type));
    }
    pos += (len + 3) & ~std::size_t{3};
  }
}

void TransportDecoder::sctp_payload(FrameNo n, std::uint32_t ppid, std::uint16_t sport, std::uint16_t dport,
                                    Bytes data) {
  if (ppid == kPpidM3ua || (ppid == 0 && (sport == kPortM3ua || dport == kPortM3ua))) return m3ua(n, data);
  if (ppid == kPpidM2pa || (ppid == 0 && (sport == kPortM2pa || dport == kPortM2pa))) return m2pa(n, data);
  sink_.on_skipped(n, "SCTP PPID " + std::to_string(ppid));
}

void TransportDecoder::tcp(FrameNo n, const Endpoints& ep, Bytes d) {
  // RFC 9293 §3.1: data offset in 32-bit words.
  if (d.size() < 20) return sink_.on_error(n, {}, LayerError{"tcp", d.size(), "header truncated"});
  const std::uint16_t sport = be16(d.data());
  const std::uint16_t dport = be16(d.data() + 2);
  const std::uint32_t seq = be32(d.data() + 4);
  const std::size_t hlen = static_cast<std::size_t>(d[12] >> 4) * 4;
  const std::uint8_t flags = d[13];
  if (hlen < 20 || hlen > d.size()) return sink_.on_error(n, {}, LayerError{"tcp", 12, "bad data offset"});
  const bool ipa_port = opt_.ipa_ports.empty() || opt_.ipa_ports.count(sport) || opt_.ipa_ports.count(dport);
  if (!ipa_port) return sink_.on_skipped(n, "TCP port not configured as IPA");

  TcpKey key{ep.src, ep.dst, sport, dport};
  Bytes payload = d.subspan(hlen);
  const bool syn = flags & 0x02;
  const bool fin_or_rst = flags & 0x05;
  auto& flow = tcp_flows_[key];
  if (syn) {
    // The SYN consumes one sequence number (RFC 9293 §3.4).
    flow.next_seq = seq + 1;
    flow.buffered.clear();
  }
  if (!payload.empty()) {
    std::uint32_t s = syn ? seq + 1 : seq;
    if (!flow.next_seq) flow.next_seq = s;  // capture started mid-stream
    // Signed distance handles sequence wrap-around.
    const auto delta = static_cast<std::int32_t>(s - *flow.next_seq);
    if (delta > 0) {
      // A gap (lost segment): what is buffered can no longer be framed.
      if (!flow.buffered.empty())
        sink_.on_error(n, {}, LayerError{"tcp", 4, "sequence gap, buffered IPA octets dropped"});
      flow.buffered.clear();
      flow.next_seq = s;
    }
    const std::size_t skip = delta < 0 ? static_cast<std::size_t>(-static_cast<std::int64_t>(delta)) : 0;
    if (skip < payload.size()) {  // otherwise a pure retransmission
      Bytes fresh = payload.subspan(skip);
      flow.buffered.insert(flow.buffered.end(), fresh.begin(), fresh.end());
      *flow.next_seq += static_cast<std::uint32_t>(fresh.size());
      // Hand over every complete IPA message; keep the rest for later segments.
      std::size_t used = 0;
      Bytes all(flow.buffered.data(), flow.buffered.size());
      while (true) {
        auto size = sigtran::ipa_frame_size(all.subspan(used));
        if (!size || *size > all.size() - used) break;
        ipa_stream(n, all.subspan(used, *size));
        used += *size;
      }
      if (used == 0 && !flow.buffered.empty()) sink_.on_skipped(n, "IPA message incomplete, buffered");
      flow.buffered.erase(flow.buffered.begin(), flow.buffered.begin() + static_cast<std::ptrdiff_t>(used));
    } else {
      sink_.on_skipped(n, "TCP retransmission");
    }
  } else if (!syn) {
    sink_.on_skipped(n, "TCP without payload");
  }
  if (fin_or_rst) tcp_flows_.erase(key);
  else if (syn && payload.empty()) sink_.on_skipped(n, "TCP SYN");
}

void TransportDecoder::user_part(FrameNo n, Framing f, Bytes data) {
  switch (f) {
    case Framing::M3ua: return m3ua(n, data);
    case Framing::M2pa: return m2pa(n, data);
    case Framing::Mtp3: return mtp3(n, data);
    case Framing::Ipa: {
      // A byte run of consecutive IPA messages; a truncated one is an error.
      std::size_t used = 0;
      while (used < data.size()) {
        auto r = sigtran::decode_ipa(data.subspan(used));
        if (!r) return error(n, {}, "ipa", data, r.error());
        ipa_stream(n, data.subspan(used, r->wire_size));
        used += r->wire_size;
      }
      return;
    }
  }
}

void TransportDecoder::ipa_stream(FrameNo n, Bytes msg) {
  auto r = sigtran::decode_ipa(msg);
  if (!r) return error(n, {}, "ipa", msg, r.error());
  if (r->stream == sigtran::kIpaSccp) return sink_.on_sccp(n, IpaInfo{r->stream}, r->payload);
  if (r->stream == sigtran::kIpaCcm) return sink_.on_skipped(n, "IPA CCM");
  sink_.on_skipped(n, "IPA stream " + std::to_string(r->stream.value));
}

void TransportDecoder::m3ua(FrameNo n, Bytes data) {
  auto r = sigtran::decode_m3ua(data);
  if (!r) return error(n, {}, "m3ua", data, r.error());
  if (!r->is_data()) return sink_.on_skipped(n, std::string("M3UA ") + sigtran::m3ua_message_name(r->msg_class, r->msg_type));
  const auto& pd = *r->data;
  M3uaInfo info{pd.opc, pd.dpc, pd.si, pd.ni, pd.mp, pd.sls, r->routing_context};
  if (pd.si != sigtran::kSiSccp) return sink_.on_skipped(n, "M3UA DATA for SI " + std::to_string(pd.si));
  sink_.on_sccp(n, info, pd.payload);
}

void TransportDecoder::m2pa(FrameNo n, Bytes data) {
  auto r = sigtran::decode_m2pa(data);
  if (!r) return error(n, {}, "m2pa", data, r.error());
  if (!r->is_user_data()) return sink_.on_skipped(n, r->link_status ? "M2PA link status" : "M2PA message");
  if (r->mtp3.empty()) return sink_.on_skipped(n, "M2PA user data without MTP3 message");
  mtp3(n, r->mtp3);
}

void TransportDecoder::mtp2(FrameNo n, Bytes data) {
  // Q.703 §2.2: BSN/BIB, FSN/FIB, LI (6 bits). LI 0 = FISU, 1-2 = LSSU,
  // >2 = MSU whose SIO + SIF follow.
  if (data.size() < 3) return sink_.on_error(n, {}, LayerError{"mtp2", data.size(), "header truncated"});
  const std::uint8_t li = data[2] & 0x3F;
  if (li == 0) return sink_.on_skipped(n, "MTP2 FISU");
  if (li < 3) return sink_.on_skipped(n, "MTP2 LSSU");
  mtp3(n, data.subspan(3));
}

void TransportDecoder::mtp3(FrameNo n, Bytes data) {
  auto r = sigtran::decode_mtp3(data);
  if (!r) return error(n, {}, "mtp3", data, r.error());
  Mtp3Info info{r->opc, r->dpc, r->si, r->ni, r->sls};
  // Q.704 §14.2.1: SI 0 = SNM, 1/2 = SLT: link management, not user data.
  if (r->si != sigtran::kSiSccp) return sink_.on_skipped(n, "MTP3 SI " + std::to_string(r->si));
  sink_.on_sccp(n, info, r->payload);
}

}  // namespace ussdgw::decode
