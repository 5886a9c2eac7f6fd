// `ussdgw sim`: command line, endpoint set-up and the three modes (script,
// load, respond). docs/sim.md is the user's manual.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "tools/sim/runner.h"
#include "gateway/ss7/config.h"

namespace ussdgw::sim {

enum class Mode { kScript, kLoad, kRespond };

// How our messages address the gateway.
enum class Addressing {
  // What an end node sees after the last global title translation (RECIPES,
  // docs/ss7.md): called = gateway GT + SSN routed on SSN, no PC (our
  // endpoint adds the STP as next hop); calling = our GT + SSN routed on GT,
  // no PC.
  kRealistic,
  // The "easy" form every libosmo-sigtran peer accepts: called = gateway PC
  // + SSN, calling = our PC + SSN, both routed on SSN, no GTs.
  kPcSsn,
};

struct SimOptions {
  Mode mode = Mode::kScript;
  std::string script_file;  // empty: the built-in script
  bool json = false;

  // Load mode; spec.dial/imsi/msisdn/timeout/answer_all come from the options below.
  LoadOptions load;
  std::string respond_text = "OK";
  std::optional<std::chrono::milliseconds> respond_duration;  // respond: stop after (default: until SIGINT)

  // Transport.
  bool listen = false;  // IPA server: the gateway connects to us (no STP)
  std::string host = "127.0.0.1";
  std::uint16_t port = 5000;
  std::string peer_name = "gw";  // --listen: the connecting peer's ASP name
  std::optional<std::string> name;      // ASP name (default msc, respond: gw)
  std::optional<ss7::PointCode> pc;     // own PC (default 0.0.1, respond: 0.0.2)
  ss7::PointCode stp_pc{3};             // next hop added to called addresses without PC
  std::optional<std::string> gt;        // own GT (default 49172000001, respond: 447700900123)
  std::optional<std::uint8_t> ssn;      // own SSN (default 8 MSC, respond: 147)
  std::string gw_gt = "447700900123";
  std::uint8_t gw_ssn = 147;
  ss7::PointCode gw_pc{2};
  Addressing addressing = Addressing::kRealistic;
  std::chrono::milliseconds connect_timeout{10000};
};

struct ParsedArgs {
  std::optional<SimOptions> options;
  std::string error;  // set when options is empty and help is false
  bool help = false;
};
// argv[0] is "sim".
ParsedArgs parse_args(int argc, char** argv);
const char* usage_text();

// Endpoint configuration and outbound addresses implied by the options.
ss7::EndpointConfig endpoint_config(const SimOptions& o);
struct OutboundAddresses {
  ss7::Address called;
  ss7::Address calling;
};
OutboundAddresses outbound_addresses(const SimOptions& o);

// The whole subcommand. Exit codes: 0 success (script: every expectation
// held; load: nothing failed), 1 a failure, 2 bad usage or set-up.
int sim_main(int argc, char** argv);

}  // namespace ussdgw::sim
