// The gateway's configuration: one YAML file (docs/config.md). Every key is
// validated at start; an error names the key path and its line in the file.
// Nothing an operator may want to set (timers, limits, texts, addresses) is a
// hidden constant in the code: it is a field here, with its default.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ussdgw::config {

using Millis = std::chrono::milliseconds;

// Thrown by load(); what() reads "FILE:LINE: KEY: problem".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, std::string key, std::string problem);
  const std::string& key() const { return key_; }
  int line() const { return line_; }

 private:
  std::string key_;
  int line_;
};

// ITU 14-bit signalling point code, written 3-8-3 ("0.0.2") or as an integer.
struct PointCode {
  std::uint32_t value = 0;
  friend bool operator==(const PointCode&, const PointCode&) = default;
};

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

enum class Ss7Mode { IpaClient, M3uaClient, IpaServer };

struct Ss7 {
  Ss7Mode mode = Ss7Mode::IpaClient;
  Endpoint remote{"127.0.0.1", 5000};          // STP (client modes)
  Endpoint local{"127.0.0.1", 0};              // local bind / listen address
  PointCode point_code{2};                     // own PC
  std::optional<PointCode> next_hop_point_code;  // added to GT-only called parties (docs/ss7.md)
  std::string asp_name = "gw";                 // IPA unit name: STP's AS is asp-clnt-<name>
  std::uint32_t routing_context = 0;
  std::string global_title;                    // own GT digits (E.164, international)
  std::vector<std::uint8_t> ssns{147};         // SCCP users bound (TS 23.003 §8: 147 gsmSCF)
  // How replies reach the network's GT (docs/ss7.md): "ssn" = GT + SSN +
  // next-hop PC routed on SSN; "gt" = the same routed on GT (real STPs).
  std::string reply_routing = "ssn";
  bool calling_includes_pc = true;
  bool accept_gt_routed_to_local = true;       // libosmo-sigtran 1.6 work-around, docs/ss7.md
  std::vector<std::string> local_gt_prefixes;  // GT prefixes treated as ours (default: global_title)
  std::string peer_name = "msc";               // ipa-server mode: the connecting peer
  PointCode peer_point_code{1};
  Millis reconnect_interval{1000};
  std::uint32_t max_outbound_queue = 100000;
  std::string osmo_log_level = "error";        // debug | info | notice | error | fatal
};

struct Tcap {
  std::uint32_t max_dialogues = 20000;   // past it, new BEGINs get ussd-Busy at once
  Millis dialogue_idle_timeout{60000};   // TC-ABORT when nothing happens for this long
  Millis invoke_timeout{30000};          // our unstructuredSS-Request waiting for the MS (TS 29.002 ml timer)
  Millis shutdown_grace{5000};           // on SIGTERM: time open dialogues get to finish
  Millis tid_quarantine{2000};           // a freed transaction id slot is not reused before this
};

struct Fallback {
  std::string text = "Service temporarily unavailable. Please try again later.";
  std::optional<std::string> map_error;  // e.g. "systemFailure": send an error instead of text
};

struct Tls {
  std::string ca_file;      // pinned CA: the customer's certificate must chain to it
  std::string server_name;  // SNI and name check; defaults to the URL host
};

struct Customer {
  std::string id;
  std::string url;       // http://host:port/path or https://...
  std::string secret;    // HMAC-SHA256 key (docs/customer-api.md)
  Millis step_deadline{4000};
  std::uint32_t max_connections = 8;
  std::uint32_t max_queue = 256;
  Millis idle_timeout{30000};
  std::optional<Tls> tls;
  Fallback fallback;
};

// A route names one or both keys. With both, a BEGIN must match both (the
// service code for these SIMs only); see docs/config.md "routes[]".
struct Route {
  std::string customer;
  std::optional<std::string> service_code;  // prefix of the USSD string on a * / # boundary
  std::optional<std::string> imsi_prefix;   // digit prefix of the IMSI
};

struct Ussd {
  Millis step_deadline{5000};  // upper bound for any customer; below the network's timers
  std::string busy_text = "";  // empty: answer ussd-Busy as a MAP error; else this text as the result
  std::optional<std::string> default_customer;
  std::string no_route_error = "systemFailure";  // MAP error for a BEGIN no route serves (ussd_error_code)
};

struct Storage {
  std::string path = "ussdgw.db";
  std::chrono::hours retention{24 * 30};
  Millis flush_interval{50};            // batched session records are written this often
  std::uint32_t batch_records = 1000;   // ... or as soon as this many are queued
  std::uint32_t max_pending = 200000;   // queue bound when the disk stalls (then dropped, counted)
  Millis purge_interval{3600000};       // how often records past `retention` are deleted
};

struct Config {
  Ss7 ss7;
  Tcap tcap;
  Ussd ussd;
  std::vector<Customer> customers;
  std::vector<Route> routes;
  Storage storage;

  const Customer* customer(const std::string& id) const;
};

// Loads and validates. `name` is used in error messages (usually the path).
Config load_file(const std::string& path);
Config load_string(const std::string& yaml, const std::string& name = "<config>");

// MAP errors a config key may name (customers[].fallback.map_error,
// ussd.no_route_error), spelt as in TS 29.002 §17.6.6 / tshark: the errors
// of processUnstructuredSS-Request (TS 29.002 §17.6.4 op 59: systemFailure,
// dataMissing, unexpectedDataValue, unknownAlphabet, callBarred) and
// ussd-Busy (72), which MSCs pass on for op 59 too. Any other error would be
// an unexpectedError for the MSC's TCAP (Q.773 §3.2.2 returnError problem).
const std::vector<std::string>& ussd_error_names();
// The local error code of one of ussd_error_names(); nullopt for any other name.
std::optional<std::uint8_t> ussd_error_code(const std::string& name);

// Parsers shared with the CLI and tests.
std::optional<Millis> parse_duration(const std::string& s);  // "250ms", "4s", "2m", "1h", "30d"
std::optional<PointCode> parse_point_code(const std::string& s);
std::string format_point_code(PointCode pc);

}  // namespace ussdgw::config
