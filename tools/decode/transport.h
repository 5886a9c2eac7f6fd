// From captured frames to SCCP messages: link layer, IPv4/IPv6, SCTP (DATA
// chunks, B/E reassembly), TCP (per-flow IPA framing), then the SIGTRAN
// framing of gateway/codec/sigtran.h. No SCCP knowledge lives here: every SCCP
// message found is handed to a TransportSink with the frame number and the
// transport fields (point codes, IPA stream) that carried it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "gateway/codec/sigtran.h"
#include "ussdgw/result.h"

namespace ussdgw::decode {

// Capture frame number, counted from 1 like tshark (or the hex line number).
struct FrameNo {
  std::uint64_t value = 0;
  friend constexpr bool operator==(FrameNo, FrameNo) = default;
};

struct M3uaInfo {
  sigtran::PointCode opc, dpc;
  std::uint8_t si = 0, ni = 0, mp = 0, sls = 0;
  std::optional<sigtran::RoutingContext> routing_context;
};
struct Mtp3Info {  // MTP3 linktype, MTP2 or M2PA
  sigtran::PointCode opc, dpc;
  std::uint8_t si = 0, ni = 0, sls = 0;
};
struct IpaInfo {
  sigtran::IpaStream stream;
};
using TransportInfo = std::variant<std::monostate, M3uaInfo, Mtp3Info, IpaInfo>;

// Where a layer failed: `offset` is inside that layer's own octets.
struct LayerError {
  std::string layer;  // "pcap", "ethernet", "ipv4", "sctp", "m3ua", "ipa", ...
  std::size_t offset = 0;
  std::string reason;
};

class TransportSink {
 public:
  virtual ~TransportSink() = default;
  // One SCCP message; `sccp` is valid only during the call.
  virtual void on_sccp(FrameNo frame, const TransportInfo& via, Bytes sccp) = 0;
  // Something that is not an SCCP message (M2PA link status, SCTP control,
  // M3UA ASPSM, ARP...). `what` is a short description.
  virtual void on_skipped(FrameNo frame, const std::string& what) = 0;
  virtual void on_error(FrameNo frame, const TransportInfo& via, const LayerError& e) = 0;
};

// Which user part an octet stream carries (how a hex line or a payload is read).
enum class Framing : std::uint8_t { M3ua, M2pa, Ipa, Mtp3 };

struct TransportOptions {
  // TCP ports whose payload is read as IPA; empty = every TCP port.
  std::set<std::uint16_t> ipa_ports{5000};
};

// pcap link-layer types handled (LINKTYPE_* values of tcpdump.org, as
// libpcap's pcap_datalink() reports them on Linux).
namespace linktype {
inline constexpr int kNull = 0;       // BSD loopback, 4-octet AF in host order
inline constexpr int kEthernet = 1;
inline constexpr int kRaw = 12;       // DLT_RAW on Linux (LINKTYPE_RAW 101 maps to it)
inline constexpr int kRaw101 = 101;
inline constexpr int kLoop = 108;     // OpenBSD loopback, AF in network order
inline constexpr int kLinuxSll = 113;
inline constexpr int kMtp2WithPhdr = 139;
inline constexpr int kMtp2 = 140;
inline constexpr int kMtp3 = 141;
inline constexpr int kIpv4 = 228;
inline constexpr int kIpv6 = 229;
inline constexpr int kLinuxSll2 = 276;
}  // namespace linktype

class TransportDecoder {
 public:
  TransportDecoder(TransportSink& sink, TransportOptions opt = {}) : sink_(sink), opt_(std::move(opt)) {}

  // One captured frame of the given link type.
  void frame(FrameNo n, int link_type, Bytes data);
  // A SIGTRAN message (or, for Ipa, a byte run of IPA messages) on its own,
  // as in a hex dump from a log.
  void user_part(FrameNo n, Framing f, Bytes data);

 private:
  void ethertype(FrameNo n, std::uint16_t type, Bytes data);
  void ipv4(FrameNo n, Bytes data);
  void ipv6(FrameNo n, Bytes data);
  struct Endpoints {
    std::vector<std::uint8_t> src, dst;  // IP addresses
  };
  void sctp(FrameNo n, const Endpoints& ep, Bytes data);
  void tcp(FrameNo n, const Endpoints& ep, Bytes data);
  void sctp_payload(FrameNo n, std::uint32_t ppid, std::uint16_t sport, std::uint16_t dport, Bytes data);
  void m3ua(FrameNo n, Bytes data);
  void m2pa(FrameNo n, Bytes data);
  void mtp3(FrameNo n, Bytes data);
  void mtp2(FrameNo n, Bytes data);
  void ipa_stream(FrameNo n, Bytes data);
  void error(FrameNo n, const TransportInfo& via, const char* layer, Bytes whole, const Error& e);

  TransportSink& sink_;
  TransportOptions opt_;

  // SCTP user messages split over several DATA chunks (RFC 4960 §3.3.1 B/E
  // bits), keyed by association direction and stream (SID), plus the SSN for
  // ordered delivery.
  using SctpKey = std::tuple<std::vector<std::uint8_t>, std::vector<std::uint8_t>, std::uint16_t, std::uint16_t,
                             std::uint16_t, std::uint32_t>;
  std::map<SctpKey, std::vector<std::uint8_t>> sctp_frags_;

  // TCP byte streams (one per direction) awaiting complete IPA messages.
  struct TcpFlow {
    std::optional<std::uint32_t> next_seq;
    std::vector<std::uint8_t> buffered;
  };
  using TcpKey = std::tuple<std::vector<std::uint8_t>, std::vector<std::uint8_t>, std::uint16_t, std::uint16_t>;
  std::map<TcpKey, TcpFlow> tcp_flows_;
};

}  // namespace ussdgw::decode
