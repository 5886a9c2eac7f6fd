// The gateway's configuration: one YAML file (docs/config.md). Every key is
// validated at start; an error names the file, the key path and its line.
// Nothing an operator may want to set (timers, limits, texts, addresses) is a
// hidden constant in the code: it is a field here, with its default.
//
// config/ is a leaf: plain data, the YAML reader and the checks that need
// nothing but the values (types, ranges, references between keys, duplicate
// keys). What needs a module's knowledge (a text that must encode as a USSD
// string, a MAP error name, the SS7 endpoint's rules, a customer URL) is
// checked by that module on its own struct, called by the composition root
// (app/config_check.h), which reports it with the line from KeyLines.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ussdgw/config_error.h"
#include "ussdgw/expected.h"
#include "ussdgw/ids.h"
#include "ussdgw/log.h"

namespace ussdgw::config {

using Millis = std::chrono::milliseconds;

// The error of load_*() and of every check made on a loaded config:
// what() reads "FILE:LINE: KEY: reason" (common/ussdgw/config_error.h).
using ConfigError = ussdgw::ConfigError;

// The project's point code (ussdgw/ids.h), written 3-8-3 ("0.0.2") or as an
// integer: ussdgw::parse_point_code / ussdgw::to_string.
using ussdgw::PointCode;

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
  // Segmented XUDT reassembly (docs/ss7.md "Segmented XUDT").
  Millis reassembly_timeout{10000};
  std::uint32_t reassembly_max_bytes = 64 * 1024;
  std::uint32_t reassembly_max_messages = 256;
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

// This gateway among several that share one service address behind the
// STPs (docs/config.md "instance"). Defaults: the one gateway.
struct Instance {
  // 0..15: the top bits of every TCAP transaction id this gateway allocates
  // (LocalTid::kInstanceBits), so a message for a dialogue can name its owner.
  std::uint8_t number = 0;
  static constexpr unsigned kMaxNumber = (1u << LocalTid::kInstanceBits) - 1;
  // Written into every session record; at start the store closes as
  // `interrupted` only the open sessions of this name (docs/storage.md).
  // Empty: the one gateway writing its database file.
  std::string name;
};

struct Config {
  Instance instance;
  Ss7 ss7;
  Tcap tcap;
  Ussd ussd;
  std::vector<Customer> customers;
  std::vector<Route> routes;
  Storage storage;
  // The process logger (common/ussdgw/log.h), applied by app/ at start.
  log::Options log;

  const Customer* customer(const std::string& id) const;
};

// Where each key of a loaded file was written, so that checks made after
// loading (by the modules that own the knowledge) name the line like the
// loader does.
class KeyLines {
 public:
  KeyLines() = default;
  explicit KeyLines(std::string file) : file_(std::move(file)) {}

  // Records `key` ("customers[0].url") at 1-based `line`; the first one stays.
  void add(const std::string& key, int line);
  // The line of `key`, or of the nearest enclosing key written in the file
  // (a key left at its default has no line of its own); 0 when none is.
  [[nodiscard]] int line_of(std::string_view key) const;
  // `e` (its key a path of the file) with this file and its key's line.
  [[nodiscard]] ConfigError locate(ConfigError e) const;
  [[nodiscard]] const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::map<std::string, int, std::less<>> lines_;
};

struct Loaded {
  Config config;
  KeyLines lines;
};

// Reads and checks everything config/ can check on its own (see the top of
// this file). `name` is used in error messages (usually the path).
[[nodiscard]] Expected<Loaded, ConfigError> load_file(const std::string& path);
[[nodiscard]] Expected<Loaded, ConfigError> load_string(const std::string& yaml, const std::string& name = "<config>");

// Parsers shared with the CLI and tests.
std::optional<Millis> parse_duration(const std::string& s);  // "250ms", "4s", "2m", "1h", "30d"

}  // namespace ussdgw::config
