#include "ussd/service/router.h"

namespace ussdgw::ussd {

const char* to_string(RouteKind k) {
  switch (k) {
    case RouteKind::ServiceCode: return "service_code";
    case RouteKind::ImsiPrefix: return "imsi_prefix";
    case RouteKind::Both: return "service_code+imsi_prefix";
    case RouteKind::Default: return "default";
  }
  return "?";
}

namespace {

std::optional<CustomerIndex> index_of(const ServiceConfig& cfg, const std::string& id) {
  for (std::size_t i = 0; i < cfg.customers.size(); ++i)
    if (cfg.customers[i].id == id) return CustomerIndex{static_cast<std::uint16_t>(i)};
  return std::nullopt;
}

bool is_delimiter(char c) { return c == '*' || c == '#'; }

}  // namespace

Router::Router(const ServiceConfig& cfg) {
  for (std::size_t i = 0; i < cfg.routes.size(); ++i) {
    const RouteConfig& r = cfg.routes[i];
    auto customer = index_of(cfg, r.customer);
    if (!customer) continue;
    // A route with both keys is one conjunction: both must match.
    std::string code = r.service_code.value_or("");
    std::string imsi = r.imsi_prefix.value_or("");
    if (code.empty() && imsi.empty()) continue;
    RouteKind kind = code.empty() ? RouteKind::ImsiPrefix : imsi.empty() ? RouteKind::ServiceCode : RouteKind::Both;
    entries_.push_back(Entry{std::move(code), std::move(imsi), kind, *customer, i});
  }
  if (cfg.ussd.default_customer) default_ = index_of(cfg, *cfg.ussd.default_customer);
}

bool Router::service_code_matches(std::string_view prefix, std::string_view ussd_string) {
  if (prefix.empty() || !ussd_string.starts_with(prefix)) return false;
  if (is_delimiter(prefix.back()) || ussd_string.size() == prefix.size()) return true;
  return is_delimiter(ussd_string[prefix.size()]);
}

std::optional<RouteMatch> Router::route(std::string_view ussd_string, const std::optional<Imsi>& imsi) const {
  std::optional<RouteMatch> best;
  for (const Entry& e : entries_) {
    bool hit = (e.service_code.empty() || service_code_matches(e.service_code, ussd_string)) &&
               (e.imsi_prefix.empty() || (imsi && imsi->digits.view().starts_with(e.imsi_prefix)));
    const std::size_t length = e.service_code.size() + e.imsi_prefix.size();
    // Strictly longer only: on a tie the route listed first keeps it.
    if (hit && (!best || length > best->prefix_length)) best = RouteMatch{e.customer, e.kind, e.route, length};
  }
  if (best) return best;
  if (default_) return RouteMatch{*default_, RouteKind::Default, 0, 0};
  return std::nullopt;
}

}  // namespace ussdgw::ussd
