#include "config/config.h"

#include <arpa/inet.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>

namespace ussdgw::config {

void KeyLines::add(const std::string& key, int line) { lines_.emplace(key, line); }

int KeyLines::line_of(std::string_view key) const {
  while (!key.empty()) {
    if (auto it = lines_.find(key); it != lines_.end()) return it->second;
    auto cut = key.find_last_of(".[");
    if (cut == std::string_view::npos) break;
    key = key.substr(0, cut);
  }
  return 0;
}

ConfigError KeyLines::locate(ConfigError e) const {
  e.file = file_;
  e.line = line_of(e.key);
  return e;
}

namespace {

// yaml-cpp throws InvalidNode from Mark(), Type() and friends on the "zombie"
// a lookup of a missing key returns; IsDefined() is safe on everything.
bool present(const YAML::Node& n) { return n.IsDefined() && !n.IsNull(); }
int line_of(const YAML::Node& n) { return n.IsDefined() ? n.Mark().line + 1 : 0; }

// One load: the file's name, where each key was written, and the first error.
// Later errors are dropped, so a value that failed to convert cannot cause a
// second, misleading one; the operator fixes one thing at a time. No
// exceptions (error policy, common/ussdgw/expected.h): a failed step records
// the error and returns false, and the caller goes on with the default.
struct Load {
  explicit Load(const std::string& f) : file(f), lines(f) {}
  std::string file;
  KeyLines lines;
  std::optional<ConfigError> error;

  void fail(int line, std::string key, std::string reason) {
    if (!error) error = ConfigError{file, line, std::move(key), std::move(reason)};
  }
  // For checks across keys, made after their section was read.
  void fail_at(const std::string& key, std::string reason) { fail(lines.line_of(key), key, std::move(reason)); }
};

bool digits_only(const std::string& s, const char* extra = "") {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= '0' && c <= '9') || std::string_view(extra).find(c) != std::string_view::npos;
  });
}

bool ip_literal(const std::string& s) {
  std::uint8_t buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// A YAML mapping being read: every key must be consumed, so a misspelt key
// is an error that names it instead of a silently ignored setting; a key
// written twice is an error too (yaml-cpp would keep the first silently).
class Section {
 public:
  Section(Load& load, const YAML::Node& node, std::string path)
      : load_(load), node_(node), path_(std::move(path)) {
    if (!present(node_)) return;
    if (!node_.IsMap()) {
      fail(node_, path_.empty() ? "(document)" : path_, "must be a mapping");
      return;
    }
    std::map<std::string, int> first_line;
    for (const auto& kv : node_) {
      if (!kv.first.IsScalar()) {
        fail(kv.first, path_.empty() ? "(document)" : path_, "keys must be plain names");
        continue;
      }
      const std::string k = kv.first.Scalar();
      const int line = line_of(kv.first);
      auto [it, fresh] = first_line.emplace(k, line);
      if (!fresh) fail(kv.first, key(k), "duplicate key (first at line " + std::to_string(it->second) + ")");
      load_.lines.add(key(k), line);
    }
  }

  // Records the error at `at`'s line (the section's when `at` is absent).
  bool fail(const YAML::Node& at, const std::string& key, std::string reason) const {
    int line = line_of(at);
    load_.fail(line > 0 ? line : line_of(node_), key, std::move(reason));
    return false;
  }

  std::string key(const std::string& k) const { return path_.empty() ? k : path_ + "." + k; }
  bool is_map() const { return present(node_) && node_.IsMap(); }

  YAML::Node get(const std::string& k) {
    seen_.insert(k);
    if (!is_map()) return YAML::Node();
    const YAML::Node& n = node_;
    return n[k];
  }

  // Reads `k` into `out` when it is set; false when it is not or is wrong.
  template <class T>
  bool opt(const std::string& k, T& out) {
    YAML::Node n = get(k);
    return present(n) && convert(n, key(k), out);
  }
  template <class T>
  bool req(const std::string& k, T& out) {
    YAML::Node n = get(k);
    if (!present(n)) return fail(node_, key(k), "is required");
    return convert(n, key(k), out);
  }

  bool convert(const YAML::Node& n, const std::string& k, std::string& out) const {
    if (!n.IsScalar()) return fail(n, k, "must be a scalar");
    out = n.Scalar();
    return true;
  }
  bool convert(const YAML::Node& n, const std::string& k, std::optional<std::string>& out) const {
    std::string s;
    if (!convert(n, k, s)) return false;
    out = s;
    return true;
  }
  template <class Int>
    requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>)
  bool convert(const YAML::Node& n, const std::string& k, Int& out) const {
    std::string s;
    if (!convert(n, k, s)) return false;
    unsigned long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > std::numeric_limits<Int>::max())
      return fail(n, k,
                  "must be a whole number from 0 to " + std::to_string(std::numeric_limits<Int>::max()) + ", not '" +
                      s + "'");
    out = static_cast<Int>(v);
    return true;
  }
  bool convert(const YAML::Node& n, const std::string& k, bool& out) const {
    std::string s;
    if (!convert(n, k, s)) return false;
    if (s == "true" || s == "yes" || s == "on") out = true;
    else if (s == "false" || s == "no" || s == "off") out = false;
    else return fail(n, k, "must be true or false, not '" + s + "'");
    return true;
  }
  bool convert(const YAML::Node& n, const std::string& k, Millis& out) const {
    std::string s;
    if (!convert(n, k, s)) return false;
    auto d = parse_duration(s);
    if (!d) return fail(n, k, "must be a duration such as 250ms, 4s, 2m, 1h or 30d, not '" + s + "'");
    out = *d;
    return true;
  }
  bool convert(const YAML::Node& n, const std::string& k, std::chrono::hours& out) const {
    return whole(n, k, out, "must be a whole number of hours or days");
  }
  bool convert(const YAML::Node& n, const std::string& k, std::chrono::seconds& out) const {
    return whole(n, k, out, "must be a whole number of seconds");
  }
  // A duration for a setting that counts in a coarser unit than ms.
  template <class Coarse>
  bool whole(const YAML::Node& n, const std::string& k, Coarse& out, const char* problem) const {
    Millis m;
    if (!convert(n, k, m)) return false;
    if (m % Coarse(1) != Millis(0)) return fail(n, k, problem);
    out = std::chrono::duration_cast<Coarse>(m);
    return true;
  }
  bool convert(const YAML::Node& n, const std::string& k, PointCode& out) const {
    std::string s;
    if (!convert(n, k, s)) return false;
    auto pc = ussdgw::parse_point_code(s);
    if (!pc) return fail(n, k, "must be a 14-bit ITU point code, 3-8-3 (\"0.0.2\") or 0..16383, not '" + s + "'");
    out = *pc;
    return true;
  }
  bool convert(const YAML::Node& n, const std::string& k, std::optional<PointCode>& out) const {
    PointCode pc;
    if (!convert(n, k, pc)) return false;
    out = pc;
    return true;
  }
  bool convert(const YAML::Node& n, const std::string& k, Endpoint& out) const {
    Section s(load_, n, k);
    // libosmo-sigtran resolves names with getaddrinfo() at start-up: a typo
    // would surface only there, as the resolver's message without the key.
    if (s.opt("host", out.host) && !ip_literal(out.host))
      s.fail(s.get("host"), s.key("host"), "must be an IPv4 or IPv6 address, not '" + out.host + "'");
    s.opt("port", out.port);
    return s.done();
  }

  // A list whose entries are read by `each(entry, key_of_entry)`.
  template <class Fn>
  bool list(const std::string& k, Fn each) {
    YAML::Node n = get(k);
    if (!present(n)) return false;
    if (!n.IsSequence()) return fail(n, key(k), "must be a list");
    std::size_t i = 0;
    for (const auto& e : n) {
      std::string ek = key(k) + "[" + std::to_string(i++) + "]";
      load_.lines.add(ek, line_of(e));
      each(e, ek);
    }
    return true;
  }

  // Unknown keys are errors (a typo must not silently fall back to a default).
  bool done() const {
    if (!is_map()) return !load_.error;
    for (const auto& kv : node_) {
      if (!kv.first.IsScalar()) continue;  // reported by the constructor
      std::string k = kv.first.Scalar();
      if (!seen_.count(k)) fail(kv.first, key(k), "unknown key");
    }
    return !load_.error;
  }

  Load& load() const { return load_; }

 private:
  Load& load_;
  YAML::Node node_;
  std::string path_;
  std::set<std::string> seen_;
};

void read_instance(Section s, Instance& c) {
  std::uint32_t number = 0;
  if (s.opt("number", number)) {
    if (number > Instance::kMaxNumber)
      s.fail(s.get("number"), "instance.number",
             "must be 0 to " + std::to_string(Instance::kMaxNumber) + " (the top " +
                 std::to_string(LocalTid::kInstanceBits) + " bits of the TCAP transaction id), not " +
                 std::to_string(number));
    else
      c.number = static_cast<std::uint8_t>(number);
  }
  // Stored in every session row and shown in logs: a plain name.
  if (s.opt("name", c.name) &&
      (c.name.size() > 32 || !std::all_of(c.name.begin(), c.name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
               ch == '_' || ch == '.';
      })))
    s.fail(s.get("name"), "instance.name", "must be up to 32 letters, digits, '-', '_' or '.'");
  s.done();
}

void read_ss7(Section s, Ss7& c) {
  std::string mode = "ipa-client";
  if (s.opt("mode", mode)) {
    if (mode == "ipa-client") c.mode = Ss7Mode::IpaClient;
    else if (mode == "m3ua-client") c.mode = Ss7Mode::M3uaClient;
    else if (mode == "ipa-server") c.mode = Ss7Mode::IpaServer;
    else s.fail(s.get("mode"), "ss7.mode", "must be ipa-client, m3ua-client or ipa-server, not '" + mode + "'");
  }
  s.opt("remote", c.remote);
  s.opt("local", c.local);
  s.opt("point_code", c.point_code);
  s.opt("next_hop_point_code", c.next_hop_point_code);
  s.opt("asp_name", c.asp_name);
  s.opt("routing_context", c.routing_context);
  if (s.req("global_title", c.global_title) && (!digits_only(c.global_title) || c.global_title.size() > 15))
    s.fail(s.get("global_title"), "ss7.global_title", "must be 1 to 15 digits (E.164)");
  if (s.opt("reply_routing", c.reply_routing) && c.reply_routing != "ssn" && c.reply_routing != "gt")
    s.fail(s.get("reply_routing"), "ss7.reply_routing", "must be ssn or gt, not '" + c.reply_routing + "'");
  s.opt("calling_includes_pc", c.calling_includes_pc);
  s.opt("accept_gt_routed_to_local", c.accept_gt_routed_to_local);
  s.list("local_gt_prefixes", [&](const YAML::Node& e, const std::string& k) {
    std::string v;
    if (s.convert(e, k, v) && !digits_only(v)) s.fail(e, k, "must be digits, not '" + v + "'");
    c.local_gt_prefixes.push_back(v);
  });
  s.opt("peer_name", c.peer_name);
  s.opt("peer_point_code", c.peer_point_code);
  std::chrono::seconds reconnect{};
  // libosmo-netif's stream client takes whole seconds (docs/ss7.md).
  if (s.opt("reconnect_interval", reconnect)) c.reconnect_interval = reconnect;
  s.opt("max_outbound_queue", c.max_outbound_queue);
  if (YAML::Node r = s.get("reassembly"); present(r)) {
    Section rs(s.load(), r, "ss7.reassembly");
    if (rs.opt("timeout", c.reassembly_timeout) && c.reassembly_timeout.count() == 0)
      rs.fail(rs.get("timeout"), "ss7.reassembly.timeout", "must be above 0");
    // One XUDT carries at most 255 octets of data, so a smaller bound could
    // not hold even a two-segment message.
    if (rs.opt("max_bytes", c.reassembly_max_bytes) && c.reassembly_max_bytes < 512)
      rs.fail(rs.get("max_bytes"), "ss7.reassembly.max_bytes", "must be at least 512");
    if (rs.opt("max_messages", c.reassembly_max_messages) && c.reassembly_max_messages == 0)
      rs.fail(rs.get("max_messages"), "ss7.reassembly.max_messages", "must be at least 1");
    rs.done();
  }
  if (s.opt("osmo_log_level", c.osmo_log_level)) {
    const auto& l = c.osmo_log_level;
    if (l != "debug" && l != "info" && l != "notice" && l != "error" && l != "fatal")
      s.fail(s.get("osmo_log_level"), "ss7.osmo_log_level", "must be debug, info, notice, error or fatal");
  }
  std::vector<std::uint8_t> ssns;
  bool listed = s.list("ssn", [&](const YAML::Node& e, const std::string& k) {
    std::uint8_t v = 0;
    if (s.convert(e, k, v) && v == 0) s.fail(e, k, "0 is not a subsystem number");
    ssns.push_back(v);
  });
  if (listed) {
    if (ssns.empty()) s.fail(s.get("ssn"), "ss7.ssn", "must be a non-empty list of subsystem numbers");
    c.ssns = ssns;
  }
  s.done();
}

void read_tcap(Section s, Tcap& c) {
  if (s.opt("max_dialogues", c.max_dialogues) && c.max_dialogues == 0)
    s.fail(s.get("max_dialogues"), "tcap.max_dialogues", "must be at least 1");
  // 0 would abort every dialogue (idle) or every prompt (invoke) at once.
  if (s.opt("dialogue_idle_timeout", c.dialogue_idle_timeout) && c.dialogue_idle_timeout.count() == 0)
    s.fail(s.get("dialogue_idle_timeout"), "tcap.dialogue_idle_timeout", "must be above 0");
  if (s.opt("invoke_timeout", c.invoke_timeout) && c.invoke_timeout.count() == 0)
    s.fail(s.get("invoke_timeout"), "tcap.invoke_timeout", "must be above 0");
  s.opt("shutdown_grace", c.shutdown_grace);
  s.opt("tid_quarantine", c.tid_quarantine);
  s.done();
}

void read_ussd(Section s, Ussd& c) {
  if (s.opt("step_deadline", c.step_deadline) && c.step_deadline.count() == 0)
    s.fail(s.get("step_deadline"), "ussd.step_deadline", "must be above 0");
  s.opt("busy_text", c.busy_text);
  s.opt("default_customer", c.default_customer);
  s.opt("no_route_error", c.no_route_error);
  s.done();
}

void read_storage(Section s, Storage& c) {
  s.opt("path", c.path);
  if (c.path.empty()) s.fail(s.get("path"), "storage.path", "must name a file");
  s.opt("retention", c.retention);
  if (s.opt("flush_interval", c.flush_interval) && c.flush_interval.count() == 0)
    s.fail(s.get("flush_interval"), "storage.flush_interval", "must be above 0");
  if (s.opt("batch_records", c.batch_records) && c.batch_records == 0)
    s.fail(s.get("batch_records"), "storage.batch_records", "must be at least 1");
  // 0 would drop every record, and only a counter would say so.
  if (s.opt("max_pending", c.max_pending) && c.max_pending == 0)
    s.fail(s.get("max_pending"), "storage.max_pending", "must be at least 1");
  if (s.opt("purge_interval", c.purge_interval) && c.purge_interval.count() == 0)
    s.fail(s.get("purge_interval"), "storage.purge_interval", "must be above 0");
  s.done();
}

void read_log(Section s, log::Options& c) {
  std::string level;
  if (s.opt("level", level)) {
    if (auto l = log::level_from_string(level)) c.level = *l;
    else s.fail(s.get("level"), "log.level", "must be debug, info, notice or error, not '" + level + "'");
  }
  s.opt("timestamps", c.timestamps);
  if (YAML::Node r = s.get("rate_limit"); present(r)) {
    Section rs(s.load(), r, "log.rate_limit");
    rs.opt("burst", c.burst);
    std::chrono::seconds interval{};
    if (rs.opt("interval", interval)) {
      if (interval.count() == 0) rs.fail(rs.get("interval"), "log.rate_limit.interval", "must be at least 1s");
      else c.interval = interval;
    }
    rs.done();
  }
  s.done();
}

Customer read_customer(Section s, const std::string& base) {
  Customer cu;
  s.req("id", cu.id);
  s.req("url", cu.url);  // its form is the relay's to check (app/config_check.h)
  if (s.req("secret", cu.secret) && cu.secret.size() < 16)
    s.fail(s.get("secret"), base + ".secret", "must be at least 16 characters");
  if (s.opt("step_deadline", cu.step_deadline) && cu.step_deadline.count() == 0)
    s.fail(s.get("step_deadline"), base + ".step_deadline", "must be above 0");
  if (s.opt("max_connections", cu.max_connections) && cu.max_connections == 0)
    s.fail(s.get("max_connections"), base + ".max_connections", "must be at least 1");
  s.opt("max_queue", cu.max_queue);
  s.opt("idle_timeout", cu.idle_timeout);
  if (YAML::Node t = s.get("tls"); present(t)) {
    Section ts(s.load(), t, base + ".tls");
    Tls tls;
    ts.req("ca_file", tls.ca_file);
    ts.opt("server_name", tls.server_name);
    ts.done();
    cu.tls = tls;
  }
  if (YAML::Node f = s.get("fallback"); present(f)) {
    Section fs(s.load(), f, base + ".fallback");
    fs.opt("text", cu.fallback.text);
    fs.opt("map_error", cu.fallback.map_error);
    fs.done();
  }
  s.done();
  return cu;
}

Route read_route(Section s, const YAML::Node& at, const std::string& base) {
  Route r;
  s.req("customer", r.customer);
  if (s.opt("service_code", r.service_code) && !digits_only(*r.service_code, "*#"))
    s.fail(s.get("service_code"), base + ".service_code", "must be digits, * and #");
  if (s.opt("imsi_prefix", r.imsi_prefix) && !digits_only(*r.imsi_prefix))
    s.fail(s.get("imsi_prefix"), base + ".imsi_prefix", "must be digits");
  if (!r.service_code && !r.imsi_prefix) s.fail(at, base, "needs service_code or imsi_prefix");
  s.done();
  return r;
}

Expected<Loaded, ConfigError> parse(const YAML::Node& root, const std::string& file) {
  Load load(file);
  Loaded out;
  Config& c = out.config;
  Section top(load, root, "");
  read_instance(Section(load, top.get("instance"), "instance"), c.instance);
  read_ss7(Section(load, top.get("ss7"), "ss7"), c.ss7);
  read_tcap(Section(load, top.get("tcap"), "tcap"), c.tcap);
  read_ussd(Section(load, top.get("ussd"), "ussd"), c.ussd);
  read_storage(Section(load, top.get("storage"), "storage"), c.storage);
  read_log(Section(load, top.get("log"), "log"), c.log);

  top.list("customers", [&](const YAML::Node& e, const std::string& base) {
    Customer cu = read_customer(Section(load, e, base), base);
    if (load.error) return;
    if (cu.step_deadline > c.ussd.step_deadline)
      load.fail_at(base + ".step_deadline", "exceeds ussd.step_deadline");
    for (std::size_t j = 0; j < c.customers.size(); ++j)
      if (c.customers[j].id == cu.id)
        load.fail_at(base + ".id", "duplicate customer id '" + cu.id + "' (customers[" + std::to_string(j) + "])");
    c.customers.push_back(std::move(cu));
  });
  top.list("routes", [&](const YAML::Node& e, const std::string& base) {
    Route r = read_route(Section(load, e, base), e, base);
    if (load.error) return;
    if (!c.customer(r.customer)) load.fail_at(base + ".customer", "no customer with id '" + r.customer + "'");
    // Equal keys are equal in length, and on equal length the first route
    // wins: the second could never match.
    for (std::size_t j = 0; j < c.routes.size(); ++j)
      if (c.routes[j].service_code == r.service_code && c.routes[j].imsi_prefix == r.imsi_prefix)
        load.fail_at(base, "same service_code and imsi_prefix as routes[" + std::to_string(j) +
                               "], which always wins: this route would never match");
    c.routes.push_back(std::move(r));
  });
  if (!load.error && c.ussd.default_customer && !c.customer(*c.ussd.default_customer))
    load.fail_at("ussd.default_customer", "no customer with id '" + *c.ussd.default_customer + "'");
  top.done();
  if (load.error) return *load.error;
  out.lines = std::move(load.lines);
  return out;
}

}  // namespace

const Customer* Config::customer(const std::string& id) const {
  for (const auto& c : customers)
    if (c.id == id) return &c;
  return nullptr;
}

std::optional<Millis> parse_duration(const std::string& s) {
  std::size_t i = 0;
  unsigned long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  i = static_cast<std::size_t>(p - s.data());
  std::string unit = s.substr(i);
  unsigned long long mult;
  if (unit == "ms") mult = 1;
  else if (unit == "s") mult = 1000;
  else if (unit == "m") mult = 60000;
  else if (unit == "h") mult = 3600000;
  else if (unit == "d") mult = 86400000;
  else return std::nullopt;
  if (v > (1ull << 40)) return std::nullopt;
  return Millis(static_cast<Millis::rep>(v * mult));
}

namespace {

// Counts the documents of a YAML stream (at most 2), and notices yaml-cpp
// 0.7 being stuck: on some invalid text (",", ",::") its parser reports a new
// null document at the same place forever, so YAML::LoadAll loops while
// allocating until the process is killed (yaml-cpp PR #1319, found by
// fuzz/fuzz_config.cpp). Events are ignored; only document starts count.
class DocumentCounter final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& m) override {
    stuck_ = count_ > 0 && m.pos == last_.pos;
    last_ = m;
    node_ = YAML::Mark::null_mark();
    ++count_;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { first_node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { first_node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { first_node(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    first_node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    first_node(m);
  }
  void OnMapEnd() override {}

  [[nodiscard]] int count() const { return count_; }
  [[nodiscard]] bool stuck() const { return stuck_; }
  // 1-based line of the latest document: its first node, else its start.
  [[nodiscard]] int line() const { return (node_.is_null() ? last_.line : node_.line) + 1; }

 private:
  void first_node(const YAML::Mark& m) {
    if (node_.is_null()) node_ = m;
  }
  int count_ = 0;
  bool stuck_ = false;
  YAML::Mark last_ = YAML::Mark::null_mark();
  YAML::Mark node_ = YAML::Mark::null_mark();
};

}  // namespace

Expected<Loaded, ConfigError> load_string(const std::string& yaml, const std::string& name) {
  std::vector<YAML::Node> docs;
  try {
    std::istringstream in(yaml);
    YAML::Parser parser(in);
    DocumentCounter counter;
    while (counter.count() < 2 && parser.HandleNextDocument(counter)) {
    }
    if (counter.stuck())
      return ConfigError{name, counter.line(), "(syntax)",
                         "not YAML that can be read (a stray ',' or ':' outside a flow collection?)"};
    if (counter.count() > 1)
      return ConfigError{name, counter.line(), "(syntax)",
                         "a second YAML document ('---'); the configuration is one document"};
    if (counter.count() == 1) docs.push_back(YAML::Load(yaml));
  } catch (const YAML::ParserException& e) {  // also DeepRecursion, for nesting deeper than yaml-cpp allows
    return ConfigError{name, e.mark.line + 1, "(syntax)", e.msg};
  }
  // A comment-only file or a lone "---" is one null document.
  if (docs.empty() || (docs.size() == 1 && !present(docs[0])))
    return ConfigError{name, 0, "", "is empty (ss7.global_title at least is required)"};
  try {
    return parse(docs[0], name);
  } catch (const YAML::Exception& e) {
    // Third-party boundary (error policy): the reader guards every access
    // that throws, so this is a yaml-cpp surprise, still reported as a
    // config error with its line rather than ending the process.
    ConfigError err{name, e.mark.line + 1, "(yaml)", e.msg};
    err.unexpected = true;
    return err;
  }
}

Expected<Loaded, ConfigError> load_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return ConfigError{path, 0, "", "is a directory, not a config file"};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return ConfigError{path, 0, "", std::string("cannot be read: ") + std::strerror(errno)};
  std::string text;
  char buf[8192];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return ConfigError{path, 0, "", "cannot be read"};
  return load_string(text, path);
}

}  // namespace ussdgw::config
