// Which customer serves a USSD pull (DESIGN.md flow 1; config `routes`,
// `ussd.default_customer`, docs/ussd-service.md "Routing").
//
// A route matches the USSD string of the processUnstructuredSS-Request
// (TS 29.002 §17.6.4 op 59; the string the subscriber dialled, TS 22.090:
// "*100#", "*100*5#") by service-code prefix, the subscriber's IMSI (MAP-OPEN
// destinationReference, TS 29.002 §7.3.1) by digit prefix, or both: a route
// with both keys matches only when both match (this service code, for these
// SIMs; docs/config.md "routes[]" argues why). The longest match wins: a
// route's length is its prefix length, the sum of both for a two-key route
// (so it beats each of its keys alone); on equal length the route listed
// first in the config wins. With no match the default customer serves, and
// without one the BEGIN is refused.
//
// Service codes match on USSD token boundaries (TS 22.030 MMI structure
// "*SC*SI#"): a prefix matches when the string starts with it and the prefix
// ends with '*'/'#' or the next character of the string is '*', '#' or the
// end. So "*100" matches "*100#" and "*100*5#" but not "*1000#".
//
// Built once from the config; routing is a linear scan over a few routes and
// allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ussd/service/service_config.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::ussd {

// Index of a customer in ServiceConfig::customers (the service keeps one
// CustomerClient per index). A type of its own so it is never taken for a
// step number or a length.
struct CustomerIndex {
  std::uint16_t value = 0;
  friend bool operator==(CustomerIndex, CustomerIndex) = default;
};

enum class RouteKind : std::uint8_t {
  ServiceCode,  // routes[].service_code matched the USSD string
  ImsiPrefix,   // routes[].imsi_prefix matched the IMSI
  Both,         // a route with both keys: the service code and the IMSI prefix matched
  Default,      // nothing matched: ussd.default_customer
};
const char* to_string(RouteKind k);

struct RouteMatch {
  CustomerIndex customer;
  RouteKind kind = RouteKind::Default;
  std::size_t route = 0;         // index in ServiceConfig::routes (not meaningful for Default)
  std::size_t prefix_length = 0;  // 0 for Default; service code + IMSI prefix lengths for Both
};

class Router {
 public:
  // The file's routes were validated by config::load_* (every route names a
  // known customer); routes naming an unknown customer are skipped here anyway.
  explicit Router(const ServiceConfig& cfg);

  // nullopt: no route and no default customer (the caller refuses).
  [[nodiscard]] std::optional<RouteMatch> route(std::string_view ussd_string,
                                                const std::optional<Imsi>& imsi) const;

  // True when `prefix` is a service-code prefix of `ussd_string` on a token
  // boundary (see the file comment).
  static bool service_code_matches(std::string_view prefix, std::string_view ussd_string);

 private:
  struct Entry {
    std::string service_code;  // empty: not a key of this route
    std::string imsi_prefix;   // empty: not a key of this route
    RouteKind kind;
    CustomerIndex customer;
    std::size_t route;  // index in ServiceConfig::routes
  };
  std::vector<Entry> entries_;
  std::optional<CustomerIndex> default_;
};

}  // namespace ussdgw::ussd
