// Configuration of one SIGTRAN/SCCP endpoint. Plain struct with defaults;
// validate() names the offending field (STYLE.md: config that is validated
// with errors naming the key).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "gateway/ss7/types.h"
#include "ussdgw/config_error.h"
#include "ussdgw/expected.h"

namespace ussdgw::ss7 {

enum class Transport {
  // IPA over TCP towards an STP (osmo-stp `listen ipa`). The STP finds our
  // AS by the IPA unit name, which libosmo-sigtran sets to "asp-clnt-<name>".
  kIpaClient,
  // M3UA (RFC 4666) over SCTP towards an SG/STP: the production transport.
  // libosmo-sigtran 1.6 has no M3UA over TCP, so it cannot be exercised on a
  // kernel without SCTP; start() succeeds and the link simply stays down.
  kM3uaClient,
  // We listen for IPA and a peer (e.g. a simulator) connects to us. The peer
  // announces unit name "asp-clnt-<peer_name>"; we route everything to it.
  kIpaServer,
};

// How send() completes a called address that names no point code (the usual
// case: the network's calling GT becomes our called GT). libosmo-sigtran 1.6
// has no global title translation, so every outgoing message needs a DPC,
// which it takes from the called address (sccp_scrc.c: "MTP-TRANSFER.req from
// SCCP without DPC" otherwise). Both modes put the configured next hop (the
// STP) there and keep the GT.
enum class ReplyRouting {
  // Called = GT + SSN + next-hop PC, routing indicator "route on SSN".
  // Accepted by every libosmo-sigtran peer (RECIPES: works both ways).
  kSsnWithNextHopPc,
  // Called = GT + SSN + next-hop PC, routing indicator "route on GT": the
  // Q.714 2.2 form for a relay that translates the GT (a real STP). A
  // libosmo-sigtran 1.6 receiver rejects it (UDTS cause 3) unless it treats
  // the GT as local, as this endpoint does (accept_gt_routed_to_local).
  kGtViaNextHop,
};

enum class OsmoLogLevel { kDebug, kInfo, kNotice, kError, kFatal };

// Reassembly of segmented XUDT (Q.714 §4.1.1.3), done by the endpoint
// because libosmo-sigtran 1.6 drops the segmentation parameter
// (gateway/ss7/reassembly.h).
struct ReassemblyConfig {
  // A message whose segments have not all arrived by then is given up.
  std::chrono::milliseconds timeout{10'000};
  // The octets held by all partial messages together (first segments as
  // received plus the user data collected so far); also the longest
  // message. 16 full XUDT segments need about 4 KiB, so 64 KiB leaves
  // room for several at once.
  std::size_t max_held_bytes = 64 * 1024;
  std::size_t max_partials = 256;
};

struct EndpointConfig {
  Transport transport = Transport::kIpaClient;
  // Short name: ASP "asp-clnt-<name>", AS "as-clnt-<name>" (libosmo-sigtran
  // simple client naming). For IPA the STP must define an AS called exactly
  // "asp-clnt-<name>".
  std::string name = "gw";

  std::string remote_host = "127.0.0.1";
  std::uint16_t remote_port = 0;  // 0: protocol default (IPA 5000, M3UA 2905)
  std::string local_host;         // empty: library default
  std::uint16_t local_port = 0;   // 0: any

  PointCode own_pc{2};
  // DPC put into called addresses that carry none (see ReplyRouting).
  PointCode next_hop_pc{3};
  // M3UA routing context (RFC 4666 3.3.1); must be 0 for IPA.
  std::uint32_t routing_context = 0;

  // Our global title: goes into the calling address of what we send and
  // decides which GT-routed called addresses are ours.
  GlobalTitle own_gt;
  // Subsystems bound as SCCP users. The first one is used as calling SSN
  // when a message to send names none.
  std::vector<Ssn> ssns{kSsnGsmScf};

  ReplyRouting reply_routing = ReplyRouting::kSsnWithNextHopPc;
  // Put own_pc into the calling address of what we send. Real networks often
  // omit it (calling routed on GT); a libosmo peer replying on SSN needs it.
  bool calling_includes_pc = true;
  // Accept an incoming called address routed on GT whose digits start with
  // one of local_gt_prefixes (own_gt when the list is empty), instead of the
  // UDTS cause 3 libosmo-sigtran 1.6 would answer. See docs/ss7.md.
  bool accept_gt_routed_to_local = true;
  std::vector<std::string> local_gt_prefixes;

  // kIpaServer only: the connecting peer's name and point code.
  std::string peer_name = "msc";
  PointCode peer_pc{1};

  // Delay between reconnect attempts of the IPA/M3UA client socket
  // (libosmo-netif stream client, whole seconds; 0 retries immediately).
  std::chrono::seconds reconnect_interval{1};
  // How often the SS7 thread samples the AS state for link events.
  std::chrono::milliseconds link_poll_interval{20};
  // send() refuses (and counts) messages beyond this many waiting.
  std::size_t max_outbound_queue = 100000;

  OsmoLogLevel osmo_log_level = OsmoLogLevel::kError;

  ReassemblyConfig reassembly;
};

// Ok when valid; otherwise the offending field, named as here ("ssns[1]"
// for one entry), and why. The composition root maps the field to its
// config key and line (app/config_check.h).
[[nodiscard]] Expected<Ok, ConfigError> validate(const EndpointConfig& cfg);

}  // namespace ussdgw::ss7
