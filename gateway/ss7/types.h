// Value types crossing the boundary between the SS7 endpoint and its users
// (the TCAP dialogue layer). Plain C++: no libosmo type leaks out of
// gateway/ss7, so the layer above never depends on osmocom headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/ussdgw/fixed_string.h"
#include "common/ussdgw/ids.h"

namespace ussdgw::ss7 {

// Point codes are the project's one type (ussdgw/ids.h: parse_point_code,
// to_string, is_itu); the endpoint works with 14-bit ITU point codes.
using ussdgw::PointCode;

// Q.713 3.4.2.2 subsystem number: the project's one type (ussdgw/ids.h).
using ussdgw::Ssn;
inline constexpr Ssn kSsnHlr{6};
inline constexpr Ssn kSsnVlr{7};
inline constexpr Ssn kSsnMsc{8};
inline constexpr Ssn kSsnGsmScf{147};

// Q.713 3.4.2.3 global title. Only the ITU formats are modelled; the
// default (GTI 4: TT + numbering plan + encoding scheme + NAI) is what MAP
// networks use. Digits are the decimal address signals ('0'-'9'); the
// libosmo-sigtran GT buffer holds at most 31 of them.
struct GlobalTitle {
  FixedString<31> digits;
  std::uint8_t gti = 4;  // global title indicator, Q.713 3.4.1
  std::uint8_t tt = 0;   // translation type, Q.713 3.4.2.3.2
  std::uint8_t np = 1;   // numbering plan: 1 = E.164 (ISDN/telephony)
  std::uint8_t nai = 4;  // nature of address: 4 = international number
  friend bool operator==(const GlobalTitle&, const GlobalTitle&) = default;
};

// Q.713 3.4.1 routing indicator: route on the global title, or on the
// point code + subsystem number.
enum class RoutingIndicator : std::uint8_t { kGlobalTitle, kSubsystem };

// A called or calling party address (Q.713 3.4). Every part is optional on
// the wire; ri says which of them the network routes on.
struct Address {
  RoutingIndicator ri = RoutingIndicator::kSubsystem;
  std::optional<Ssn> ssn;
  std::optional<PointCode> pc;
  std::optional<GlobalTitle> gt;
  friend bool operator==(const Address&, const Address&) = default;
};
std::string to_string(const Address& a);

// One connectionless SCCP message as an N-UNITDATA request or indication
// (Q.711 6.2.2): what the TCAP layer sends and receives. `data` is the TCAP
// message.
struct Unitdata {
  Address called;
  Address calling;
  std::vector<std::uint8_t> data;
  // Outbound only. 0: one UDT, built by libosmo-sigtran (up to 255 octets
  // of data). N >= 1: the endpoint itself sends `data` as N XUDT segments
  // (Q.714 §4.1.1.2; class 1, return on error), which libosmo-sigtran 1.6
  // cannot do. The network simulator uses it to send a segmented BEGIN.
  std::uint8_t xudt_segments = 0;
};

// N-NOTICE indication (Q.711 6.2.2.3): a message we sent came back as a
// UDTS with a return cause (Q.713 3.12), e.g. 3 = subsystem failure.
struct Notice {
  Address called;
  Address calling;
  std::uint32_t cause = 0;
  std::vector<std::uint8_t> data;
};

// The application server towards the STP went active (traffic can flow) or
// inactive (messages sent now are dropped).
struct LinkEvent {
  bool up = false;
  std::chrono::steady_clock::time_point at{};
};

// What the Asio side receives, in the order the SS7 thread produced it.
using Event = std::variant<Unitdata, Notice, LinkEvent>;

// Counters, readable from any thread (a snapshot of atomics).
struct Counters {
  std::uint64_t rx_unitdata = 0;       // N-UNITDATA.ind delivered to the handler
  std::uint64_t rx_notice = 0;         // N-NOTICE.ind (UDTS) received
  std::uint64_t rx_gt_routed_accepted = 0;  // called routed on our GT, accepted as local
  std::uint64_t rx_reassembled = 0;    // segmented XUDT reassembled and delivered (also in rx_unitdata)
  std::uint64_t rx_reassembly_failed = 0;  // reassemblies given up (timeout, sequence, bound)
  std::uint64_t tx_xudts = 0;          // XUDTS sent back for a failed reassembly or undeliverable message
  std::uint64_t tx_unitdata = 0;       // handed to libosmo-sigtran successfully
  std::uint64_t tx_dropped = 0;        // any drop on the send path (sum of the next three)
  std::uint64_t tx_dropped_link_down = 0;
  std::uint64_t tx_dropped_queue_full = 0;
  std::uint64_t tx_dropped_invalid = 0;  // unroutable address, too large, stack refused
  std::uint64_t link_up_events = 0;
  std::uint64_t link_down_events = 0;
  std::uint64_t outbound_queue_depth = 0;  // waiting for the SS7 thread
  std::uint64_t inbound_queue_depth = 0;   // waiting for the Asio side
};

}  // namespace ussdgw::ss7
