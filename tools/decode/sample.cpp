// Builds the sample capture from the project's own encoders, bottom to top:
// USSD text -> USSD-Arg/Res -> TCAP component + dialogue -> SCCP UDT ->
// IPA or M3UA -> TCP or SCTP -> IPv4 -> Ethernet -> pcap (libpcap writer).
#include "tools/decode/sample.h"

#include <pcap/pcap.h>

#include <array>
#include <memory>
#include <vector>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_names.h"
#include "gateway/codec/sccp.h"
#include "gateway/codec/sigtran.h"
#include "gateway/codec/tcap.h"
#include "ussd/codec/ussd_ops.h"

namespace ussdgw::decode {
namespace {

using Buf = std::vector<std::uint8_t>;

void put16(Buf& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(Buf& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v);
}

// CRC32c (Castagnoli), the SCTP checksum (RFC 4960 Appendix B), bitwise.
std::uint32_t crc32c(const Buf& b) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (auto byte : b) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78 & (0u - (crc & 1)));
  }
  return ~crc;
}

// One USSD message as SCCP bytes (UDT, GT-routed, gsmSCF SSN 147 <-> MSC SSN 8).
struct Step {
  tcap::MessageType type;
  bool from_msc;
  std::optional<tcap::ComponentType> comp;
  std::int64_t op;
  const char* text;  // USSD text of the argument/result
  bool with_dialogue;
};

bool build_tcap(const Step& s, Buf& out, std::string& why) {
  std::array<std::uint8_t, 256> param{};
  ussd::UssdArg arg;
  std::array<std::uint8_t, 160> str{};
  auto enc = ussd::encode_text(s.text, str);
  if (!enc) return why = enc.error().what, false;
  std::size_t plen = 0;
  if (s.comp == tcap::ComponentType::Invoke) {
    arg.dcs = enc->dcs;
    arg.string = Bytes(str.data(), enc->octets);
    auto r = ussd::encode_ussd_arg(arg, param);
    if (!r) return why = r.error().what, false;
    plen = *r;
  } else {
    ussd::UssdRes res{enc->dcs, Bytes(str.data(), enc->octets)};
    auto r = ussd::encode_ussd_res(res, param);
    if (!r) return why = r.error().what, false;
    plen = *r;
  }
  tcap::Component c;
  if (s.comp == tcap::ComponentType::Invoke)
    c.body = tcap::Invoke{tcap::InvokeId{1}, std::nullopt, tcap::OpCode::make_local(s.op), Bytes(param.data(), plen)};
  else
    c.body = tcap::ReturnResult{tcap::InvokeId{1}, true, tcap::OpCode::make_local(s.op), Bytes(param.data(), plen)};

  const auto ac = map::ac::kNetworkUnstructuredSsV2;
  const Bytes ac_bytes(ac.data(), ac.size());
  std::array<std::uint8_t, 64> ui{};
  // MAP-OpenInfo destinationReference: the subscriber's IMSI (E.212, TS 29.002 §7.3.1).
  static constexpr std::uint8_t kDestRef[] = {0x96, 0x72, 0x28, 0x00, 0x00, 0x00, 0x10, 0xf0};
  const auto tid_msc = tcap::TransactionId::from_u32(0x0a0b0c01);
  const auto tid_gw = tcap::TransactionId::from_u32(0x1a1b1c01);
  tcap::Message m;
  switch (s.type) {
    case tcap::MessageType::Begin: {
      auto u = map::encode_user_information(ui, map::make_open(Bytes(kDestRef, sizeof kDestRef), std::nullopt));
      if (!u) return why = u.error().what, false;
      m = tcap::make_begin(tid_msc, tcap::make_aarq(ac_bytes, *u));
      break;
    }
    case tcap::MessageType::Continue:
      m = s.from_msc ? tcap::make_continue(tid_msc, tid_gw)
                     : tcap::make_continue(tid_gw, tid_msc,
                                           s.with_dialogue ? std::optional(tcap::make_aare(
                                                                 ac_bytes, tcap::AssociateResult::Accepted,
                                                                 tcap::DiagnosticSource::ServiceUser, 0))
                                                           : std::nullopt);
      break;
    default:
      m = tcap::make_end(tid_msc);
      break;
  }
  std::array<std::uint8_t, 512> tbuf{};
  auto t = tcap::encode_message(tbuf, m, std::span<const tcap::Component>(&c, 1));
  if (!t) return why = t.error().what, false;
  out.assign(t->begin(), t->end());
  return true;
}

bool build_sccp(const Step& s, const Buf& tcap_bytes, Buf& out, std::string& why) {
  const auto msc = sccp::Address::global_title("27820000002", sccp::Ssn{8});
  const auto gw = sccp::Address::global_title("27820000009", sccp::Ssn{147});
  std::array<std::uint8_t, 600> buf{};
  auto r = sccp::encode_udt(s.from_msc ? gw : msc, s.from_msc ? msc : gw, Bytes(tcap_bytes.data(), tcap_bytes.size()),
                            sccp::ProtocolClass::make(1, true), buf);
  if (!r) return why = r.error().what, false;
  out.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
  return true;
}

Buf ip_frame(std::uint8_t proto, bool from_msc, const Buf& l4) {
  Buf f;
  // Ethernet II: locally administered MACs, IPv4.
  const std::uint8_t a[] = {0x02, 0, 0, 0, 0, 1}, b[] = {0x02, 0, 0, 0, 0, 2};
  // push_back, not insert: g++ 12 -O3 warns (falsely) about insert from a
  // pointer picked by ?: (stringop-overflow).
  const std::uint8_t* mac_dst = from_msc ? b : a;
  const std::uint8_t* mac_src = from_msc ? a : b;
  for (int i = 0; i < 6; ++i) f.push_back(mac_dst[i]);
  for (int i = 0; i < 6; ++i) f.push_back(mac_src[i]);
  put16(f, 0x0800);
  Buf ip;
  ip.push_back(0x45);
  ip.push_back(0);
  put16(ip, static_cast<std::uint32_t>(20 + l4.size()));
  put32(ip, 0x00004000);  // id 0, DF
  ip.push_back(64);
  ip.push_back(proto);
  put16(ip, 0);
  const std::uint32_t src = from_msc ? 0x7f000001 : 0x7f000002, dst = from_msc ? 0x7f000002 : 0x7f000001;
  put32(ip, src);
  put32(ip, dst);
  std::uint32_t sum = 0;  // RFC 791 header checksum
  for (std::size_t i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(ip[i] << 8 | ip[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  ip[10] = static_cast<std::uint8_t>(~sum >> 8);
  ip[11] = static_cast<std::uint8_t>(~sum);
  f.insert(f.end(), ip.begin(), ip.end());
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

}  // namespace

bool write_sample(const std::string& path, SampleTransport transport, std::string& why) {
  const Step steps[] = {
      {tcap::MessageType::Begin, true, tcap::ComponentType::Invoke, 59, "*100#", true},
      {tcap::MessageType::Continue, false, tcap::ComponentType::Invoke, 60, "Balance 350. 1: top up", true},
      {tcap::MessageType::Continue, true, tcap::ComponentType::ReturnResultLast, 60, "1", false},
      {tcap::MessageType::End, false, tcap::ComponentType::ReturnResultLast, 59, "Thank you", false},
  };
  std::unique_ptr<pcap_t, decltype(&pcap_close)> dead(pcap_open_dead(DLT_EN10MB, 65535), &pcap_close);
  if (!dead) return why = "pcap_open_dead failed", false;
  std::unique_ptr<pcap_dumper_t, decltype(&pcap_dump_close)> out(pcap_dump_open(dead.get(), path.c_str()),
                                                                  &pcap_dump_close);
  if (!out) return why = pcap_geterr(dead.get()), false;

  std::uint32_t seq_msc = 1000, seq_gw = 5000, tsn = 1;
  int n = 0;
  for (const auto& s : steps) {
    Buf tc, sc, l4;
    if (!build_tcap(s, tc, why) || !build_sccp(s, tc, sc, why)) return false;
    std::uint8_t proto;
    if (transport == SampleTransport::IpaTcp) {
      Buf ipa(sc.size() + sigtran::kIpaHeaderSize);
      if (!sigtran::encode_ipa(sigtran::kIpaSccp, Bytes(sc.data(), sc.size()), ipa)) return why = "IPA encode", false;
      // TCP header (RFC 9293), PSH|ACK; checksum left 0 (not verified by readers of captures).
      auto& seq = s.from_msc ? seq_msc : seq_gw;
      put16(l4, s.from_msc ? 40000 : 5000);
      put16(l4, s.from_msc ? 5000 : 40000);
      put32(l4, seq);
      put32(l4, s.from_msc ? seq_gw : seq_msc);
      put16(l4, 0x5018);
      put16(l4, 65535);
      put32(l4, 0);
      l4.insert(l4.end(), ipa.begin(), ipa.end());
      seq += static_cast<std::uint32_t>(ipa.size());
      proto = 6;
    } else {
      sigtran::ProtocolData pd;
      pd.opc = sigtran::PointCode{s.from_msc ? 1u : 2u};
      pd.dpc = sigtran::PointCode{s.from_msc ? 2u : 1u};
      pd.ni = 2;
      pd.sls = static_cast<std::uint8_t>(n);
      pd.payload = Bytes(sc.data(), sc.size());
      Buf m3(sigtran::m3ua_data_size(sc.size(), false));
      if (!sigtran::encode_m3ua_data(pd, std::nullopt, m3)) return why = "M3UA encode", false;
      // SCTP common header + one DATA chunk, B|E set, PPID 3 (RFC 4960 §3.3.1).
      put16(l4, 2905);
      put16(l4, 2905);
      put32(l4, s.from_msc ? 0x11111111 : 0x22222222);
      put32(l4, 0);
      l4.push_back(0);
      l4.push_back(0x03);
      put16(l4, static_cast<std::uint32_t>(16 + m3.size()));
      put32(l4, tsn++);
      put16(l4, 0);
      put16(l4, static_cast<std::uint16_t>(n));
      put32(l4, 3);
      l4.insert(l4.end(), m3.begin(), m3.end());
      while (l4.size() % 4) l4.push_back(0);
      const std::uint32_t crc = crc32c(l4);
      // The CRC32c is stored little-endian-first as computed (RFC 4960 App. B).
      for (int i = 0; i < 4; ++i) l4[8 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
      proto = 132;
    }
    Buf frame = ip_frame(proto, s.from_msc, l4);
    pcap_pkthdr h{};
    h.ts.tv_sec = 1700000000 + n;
    h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(out.get()), &h, frame.data());
    ++n;
  }
  return true;
}

}  // namespace ussdgw::decode
