#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "gateway/codec/map_errors.h"
#include "gateway/codec/map_names.h"
#include "ussd/codec/ussd_text.h"

namespace ussdgw::config {

ConfigError::ConfigError(std::string file, int line, std::string key, std::string problem)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + key + ": " + problem),
      key_(std::move(key)),
      line_(line) {}

namespace {

// A YAML mapping being read: every key must be consumed, so a misspelt key
// is an error that names it instead of a silently ignored setting.
class Section {
 public:
  Section(const YAML::Node& node, std::string path, const std::string& file)
      : node_(node), path_(std::move(path)), file_(file) {
    if (node_ && !node_.IsNull() && !node_.IsMap()) fail(node_, path_, "must be a mapping");
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& problem) const {
    throw ConfigError(file_, at.Mark().line + 1, key, problem);
  }

  std::string key(const std::string& k) const { return path_.empty() ? k : path_ + "." + k; }

  YAML::Node get(const std::string& k) {
    seen_.insert(k);
    if (!node_ || !node_.IsMap()) return YAML::Node();
    return node_[k];
  }

  template <class T>
  void opt(const std::string& k, T& out) {
    YAML::Node n = get(k);
    if (!n || n.IsNull()) return;
    convert(n, key(k), out);
  }
  template <class T>
  void req(const std::string& k, T& out) {
    YAML::Node n = get(k);
    if (!n || n.IsNull()) fail(node_, key(k), "is required");
    convert(n, key(k), out);
  }

  void scalar(const YAML::Node& n, const std::string& k, std::string& out) const {
    if (!n.IsScalar()) fail(n, k, "must be a scalar");
    out = n.Scalar();
  }
  void convert(const YAML::Node& n, const std::string& k, std::string& out) const { scalar(n, k, out); }
  void convert(const YAML::Node& n, const std::string& k, std::optional<std::string>& out) const {
    std::string s;
    scalar(n, k, s);
    out = s;
  }
  template <class Int>
    requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>)
  void convert(const YAML::Node& n, const std::string& k, Int& out) const {
    std::string s;
    scalar(n, k, s);
    unsigned long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > std::numeric_limits<Int>::max())
      fail(n, k, "must be a whole number from 0 to " + std::to_string(std::numeric_limits<Int>::max()) + ", not '" + s + "'");
    out = static_cast<Int>(v);
  }
  void convert(const YAML::Node& n, const std::string& k, bool& out) const {
    std::string s;
    scalar(n, k, s);
    if (s == "true" || s == "yes" || s == "on") out = true;
    else if (s == "false" || s == "no" || s == "off") out = false;
    else fail(n, k, "must be true or false, not '" + s + "'");
  }
  void convert(const YAML::Node& n, const std::string& k, Millis& out) const {
    std::string s;
    scalar(n, k, s);
    auto d = parse_duration(s);
    if (!d) fail(n, k, "must be a duration such as 250ms, 4s, 2m, 1h or 30d, not '" + s + "'");
    out = *d;
  }
  void convert(const YAML::Node& n, const std::string& k, std::chrono::hours& out) const {
    Millis m;
    convert(n, k, m);
    if (m.count() % 3600000 != 0) fail(n, k, "must be a whole number of hours or days");
    out = std::chrono::duration_cast<std::chrono::hours>(m);
  }
  void convert(const YAML::Node& n, const std::string& k, PointCode& out) const {
    std::string s;
    scalar(n, k, s);
    auto pc = parse_point_code(s);
    if (!pc) fail(n, k, "must be a 14-bit ITU point code, 3-8-3 (\"0.0.2\") or 0..16383, not '" + s + "'");
    out = *pc;
  }
  void convert(const YAML::Node& n, const std::string& k, std::optional<PointCode>& out) const {
    PointCode pc;
    convert(n, k, pc);
    out = pc;
  }
  void convert(const YAML::Node& n, const std::string& k, Endpoint& out) const {
    Section s(n, k, file_);
    s.opt("host", out.host);
    s.opt("port", out.port);
    s.done();
  }

  // Unknown keys are errors (a typo must not silently fall back to a default).
  void done() const {
    if (!node_ || !node_.IsMap()) return;
    for (const auto& kv : node_) {
      std::string k = kv.first.Scalar();
      if (!seen_.count(k)) fail(kv.first, key(k), "unknown key");
    }
  }

  const YAML::Node& node() const { return node_; }
  const std::string& file() const { return file_; }

 private:
  YAML::Node node_;
  std::string path_;
  const std::string& file_;
  std::set<std::string> seen_;
};

bool digits_only(const std::string& s, const char* extra = "") {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= '0' && c <= '9') || std::string_view(extra).find(c) != std::string_view::npos;
  });
}

// Why `text` cannot be a USSD-String (TS 29.002 §17.7.4: 1..160 octets once
// encoded as GSM 7-bit or UCS2, TS 23.038), or "" when it can. The same
// encoder the service sends with, so what loads here can be sent.
std::string ussd_text_problem(const std::string& text) {
  std::array<std::uint8_t, ussd::kMaxUssdStringOctets> buf{};
  auto r = ussd::encode_text(text, buf, ussd::EncodeAs::Auto);
  if (r) return "";
  return std::string("cannot be sent as a USSD string (1 to 160 octets once encoded: 182 GSM 7-bit or 80 UCS2 "
                     "characters): ") +
         r.error().what;
}

std::string accepted_error_names() {
  std::string s;
  for (const auto& n : ussd_error_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// A MAP error name key (see ussd_error_names).
void check_error_name(const Section& s, const YAML::Node& at, const std::string& key, const std::string& name) {
  if (!ussd_error_code(name))
    s.fail(at, key,
           "'" + name + "' is not a MAP error processUnstructuredSS-Request may return; one of " +
               accepted_error_names());
}

Config parse(const YAML::Node& root, const std::string& file) {
  Config c;
  Section top(root, "", file);

  {
    Section s(top.get("ss7"), "ss7", file);
    std::string mode = "ipa-client";
    s.opt("mode", mode);
    if (mode == "ipa-client") c.ss7.mode = Ss7Mode::IpaClient;
    else if (mode == "m3ua-client") c.ss7.mode = Ss7Mode::M3uaClient;
    else if (mode == "ipa-server") c.ss7.mode = Ss7Mode::IpaServer;
    else s.fail(s.get("mode"), "ss7.mode", "must be ipa-client, m3ua-client or ipa-server, not '" + mode + "'");
    s.opt("remote", c.ss7.remote);
    s.opt("local", c.ss7.local);
    s.opt("point_code", c.ss7.point_code);
    s.opt("next_hop_point_code", c.ss7.next_hop_point_code);
    s.opt("asp_name", c.ss7.asp_name);
    s.opt("routing_context", c.ss7.routing_context);
    s.req("global_title", c.ss7.global_title);
    if (!digits_only(c.ss7.global_title) || c.ss7.global_title.size() > 15)
      s.fail(s.get("global_title"), "ss7.global_title", "must be 1 to 15 digits (E.164)");
    s.opt("reply_routing", c.ss7.reply_routing);
    if (c.ss7.reply_routing != "ssn" && c.ss7.reply_routing != "gt")
      s.fail(s.get("reply_routing"), "ss7.reply_routing", "must be ssn or gt, not '" + c.ss7.reply_routing + "'");
    s.opt("calling_includes_pc", c.ss7.calling_includes_pc);
    s.opt("accept_gt_routed_to_local", c.ss7.accept_gt_routed_to_local);
    if (YAML::Node n = s.get("local_gt_prefixes"); n && !n.IsNull()) {
      if (!n.IsSequence()) s.fail(n, "ss7.local_gt_prefixes", "must be a list of digit strings");
      for (const auto& e : n) {
        std::string v;
        s.convert(e, "ss7.local_gt_prefixes", v);
        if (!digits_only(v)) s.fail(e, "ss7.local_gt_prefixes", "must be digits, not '" + v + "'");
        c.ss7.local_gt_prefixes.push_back(v);
      }
    }
    s.opt("peer_name", c.ss7.peer_name);
    s.opt("peer_point_code", c.ss7.peer_point_code);
    s.opt("reconnect_interval", c.ss7.reconnect_interval);
    s.opt("max_outbound_queue", c.ss7.max_outbound_queue);
    s.opt("osmo_log_level", c.ss7.osmo_log_level);
    {
      const auto& l = c.ss7.osmo_log_level;
      if (l != "debug" && l != "info" && l != "notice" && l != "error" && l != "fatal")
        s.fail(s.get("osmo_log_level"), "ss7.osmo_log_level", "must be debug, info, notice, error or fatal");
    }
    if (YAML::Node n = s.get("ssn"); n && !n.IsNull()) {
      if (!n.IsSequence() || n.size() == 0) s.fail(n, "ss7.ssn", "must be a non-empty list of subsystem numbers");
      c.ss7.ssns.clear();
      for (const auto& e : n) {
        std::uint8_t v = 0;
        s.convert(e, "ss7.ssn", v);
        if (v == 0) s.fail(e, "ss7.ssn", "0 is not a subsystem number");
        c.ss7.ssns.push_back(v);
      }
    }
    s.done();
  }
  {
    Section s(top.get("tcap"), "tcap", file);
    s.opt("max_dialogues", c.tcap.max_dialogues);
    s.opt("dialogue_idle_timeout", c.tcap.dialogue_idle_timeout);
    s.opt("invoke_timeout", c.tcap.invoke_timeout);
    s.opt("shutdown_grace", c.tcap.shutdown_grace);
    s.opt("tid_quarantine", c.tcap.tid_quarantine);
    if (c.tcap.max_dialogues == 0) s.fail(s.get("max_dialogues"), "tcap.max_dialogues", "must be at least 1");
    s.done();
  }
  {
    Section s(top.get("ussd"), "ussd", file);
    s.opt("step_deadline", c.ussd.step_deadline);
    s.opt("busy_text", c.ussd.busy_text);
    s.opt("default_customer", c.ussd.default_customer);
    s.opt("no_route_error", c.ussd.no_route_error);
    check_error_name(s, s.get("no_route_error"), "ussd.no_route_error", c.ussd.no_route_error);
    if (!c.ussd.busy_text.empty())
      if (auto p = ussd_text_problem(c.ussd.busy_text); !p.empty()) s.fail(s.get("busy_text"), "ussd.busy_text", p);
    s.done();
  }
  {
    Section s(top.get("storage"), "storage", file);
    s.opt("path", c.storage.path);
    s.opt("retention", c.storage.retention);
    s.opt("flush_interval", c.storage.flush_interval);
    s.opt("batch_records", c.storage.batch_records);
    s.opt("max_pending", c.storage.max_pending);
    s.opt("purge_interval", c.storage.purge_interval);
    if (c.storage.flush_interval.count() == 0) s.fail(s.get("flush_interval"), "storage.flush_interval", "must be above 0");
    if (c.storage.purge_interval.count() == 0) s.fail(s.get("purge_interval"), "storage.purge_interval", "must be above 0");
    s.done();
  }

  YAML::Node customers = top.get("customers");
  if (customers && !customers.IsNull()) {
    if (!customers.IsSequence()) top.fail(customers, "customers", "must be a list");
    for (std::size_t i = 0; i < customers.size(); ++i) {
      std::string base = "customers[" + std::to_string(i) + "]";
      Section s(customers[i], base, file);
      Customer cu;
      s.req("id", cu.id);
      s.req("url", cu.url);
      if (cu.url.rfind("http://", 0) != 0 && cu.url.rfind("https://", 0) != 0)
        s.fail(s.get("url"), base + ".url", "must start with http:// or https://");
      s.req("secret", cu.secret);
      if (cu.secret.size() < 16) s.fail(s.get("secret"), base + ".secret", "must be at least 16 characters");
      s.opt("step_deadline", cu.step_deadline);
      s.opt("max_connections", cu.max_connections);
      s.opt("max_queue", cu.max_queue);
      s.opt("idle_timeout", cu.idle_timeout);
      if (cu.max_connections == 0) s.fail(s.get("max_connections"), base + ".max_connections", "must be at least 1");
      if (YAML::Node t = s.get("tls"); t && !t.IsNull()) {
        Section ts(t, base + ".tls", file);
        Tls tls;
        ts.req("ca_file", tls.ca_file);
        ts.opt("server_name", tls.server_name);
        ts.done();
        cu.tls = tls;
      }
      if (YAML::Node f = s.get("fallback"); f && !f.IsNull()) {
        Section fs(f, base + ".fallback", file);
        fs.opt("text", cu.fallback.text);
        fs.opt("map_error", cu.fallback.map_error);
        if (cu.fallback.map_error)
          check_error_name(fs, fs.get("map_error"), base + ".fallback.map_error", *cu.fallback.map_error);
        else if (auto p = ussd_text_problem(cu.fallback.text); !p.empty())
          fs.fail(fs.get("text"), base + ".fallback.text", p);
        fs.done();
      }
      s.done();
      if (cu.step_deadline > c.ussd.step_deadline)
        s.fail(s.get("step_deadline"), base + ".step_deadline", "exceeds ussd.step_deadline");
      for (const auto& other : c.customers)
        if (other.id == cu.id) s.fail(s.get("id"), base + ".id", "duplicate customer id '" + cu.id + "'");
      c.customers.push_back(std::move(cu));
    }
  }

  YAML::Node routes = top.get("routes");
  if (routes && !routes.IsNull()) {
    if (!routes.IsSequence()) top.fail(routes, "routes", "must be a list");
    for (std::size_t i = 0; i < routes.size(); ++i) {
      std::string base = "routes[" + std::to_string(i) + "]";
      Section s(routes[i], base, file);
      Route r;
      s.req("customer", r.customer);
      s.opt("service_code", r.service_code);
      s.opt("imsi_prefix", r.imsi_prefix);
      if (!r.service_code && !r.imsi_prefix)
        s.fail(routes[i], base, "needs service_code or imsi_prefix");
      if (r.imsi_prefix && !digits_only(*r.imsi_prefix))
        s.fail(s.get("imsi_prefix"), base + ".imsi_prefix", "must be digits");
      if (r.service_code && !digits_only(*r.service_code, "*#"))
        s.fail(s.get("service_code"), base + ".service_code", "must be digits, * and #");
      if (!c.customer(r.customer)) s.fail(s.get("customer"), base + ".customer", "no customer with id '" + r.customer + "'");
      s.done();
      c.routes.push_back(std::move(r));
    }
  }
  if (c.ussd.default_customer && !c.customer(*c.ussd.default_customer)) {
    Section s(top.get("ussd"), "ussd", file);
    s.fail(s.get("default_customer"), "ussd.default_customer", "no customer with id '" + *c.ussd.default_customer + "'");
  }
  top.done();
  return c;
}

}  // namespace

const std::vector<std::string>& ussd_error_names() {
  // TS 29.002 §17.6.4 processUnstructuredSS-Request ERRORS, then ussd-Busy.
  static const std::vector<std::string> names = [] {
    using map::MapError;
    std::vector<std::string> v;
    for (MapError e : {MapError::SystemFailure, MapError::DataMissing, MapError::UnexpectedDataValue,
                       MapError::UnknownAlphabet, MapError::CallBarred, MapError::UssdBusy})
      v.emplace_back(map::error_name(static_cast<std::int64_t>(e)));
    return v;
  }();
  return names;
}

std::optional<std::uint8_t> ussd_error_code(const std::string& name) {
  for (int code = 0; code < 128; ++code)
    if (map::error_name(code) == name) {
      for (const auto& n : ussd_error_names())
        if (n == name) return static_cast<std::uint8_t>(code);
      return std::nullopt;
    }
  return std::nullopt;
}

const Customer* Config::customer(const std::string& id) const {
  for (const auto& c : customers)
    if (c.id == id) return &c;
  return nullptr;
}

Config load_string(const std::string& yaml, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(name, e.mark.line + 1, "(syntax)", e.msg);
  }
  return parse(root, name);
}

Config load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path, 0, "(file)", "cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_string(ss.str(), path);
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

std::optional<PointCode> parse_point_code(const std::string& s) {
  auto num = [](std::string_view t, unsigned max) -> std::optional<unsigned> {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || v > max) return std::nullopt;
    return v;
  };
  auto d1 = s.find('.');
  if (d1 == std::string::npos) {
    auto v = num(s, 16383);
    if (!v) return std::nullopt;
    return PointCode{*v};
  }
  auto d2 = s.find('.', d1 + 1);
  if (d2 == std::string::npos) return std::nullopt;
  auto a = num(std::string_view(s).substr(0, d1), 7);
  auto b = num(std::string_view(s).substr(d1 + 1, d2 - d1 - 1), 255);
  auto c = num(std::string_view(s).substr(d2 + 1), 7);
  if (!a || !b || !c) return std::nullopt;
  return PointCode{(*a << 11) | (*b << 3) | *c};
}

std::string format_point_code(PointCode pc) {
  return std::to_string(pc.value >> 11) + "." + std::to_string((pc.value >> 3) & 0xff) + "." + std::to_string(pc.value & 7);
}

}  // namespace ussdgw::config
