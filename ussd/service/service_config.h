// What the USSD service and its router are configured with: the service's
// own struct, not the whole config::Config (config/ is a leaf the service
// does not include). The composition root builds it from the file's `ussd`,
// `customers` and `routes` sections (app/wiring.h ussd_config()); tests
// build it directly. Member names follow the file's key paths, so a check's
// key ("ussd.busy_text", "customers[0].fallback.text") is the file's key.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "relay/customer_client.h"

namespace ussdgw::ussd {

// What the subscriber gets when the customer fails (docs/config.md
// customers[].fallback).
struct Fallback {
  std::string text = "Service temporarily unavailable. Please try again later.";
  std::optional<std::string> map_error;  // e.g. "systemFailure": send an error instead of text
};

// One customer as the service sees it: who, how long a step may take, what
// to answer when it fails, and the channel settings it hands to the relay.
struct CustomerConfig {
  std::string id;
  std::chrono::milliseconds step_deadline{4000};
  Fallback fallback;
  // URL, secret, pool, TLS. Its `customer` is set from `id` by the service.
  relay::CustomerClientConfig channel;
};

// A route names one or both keys; with both, a BEGIN must match both
// (router.h, docs/config.md "routes[]").
struct RouteConfig {
  std::string customer;
  std::optional<std::string> service_code;  // prefix of the USSD string on a * / # boundary
  std::optional<std::string> imsi_prefix;   // digit prefix of the IMSI
};

// The file's `ussd` section.
struct UssdSettings {
  std::chrono::milliseconds step_deadline{5000};  // upper bound for any customer
  std::string busy_text;                         // empty: answer ussd-Busy as a MAP error
  std::optional<std::string> default_customer;
  std::string no_route_error = "systemFailure";  // MAP error for a BEGIN no route serves
};

struct ServiceConfig {
  UssdSettings ussd;
  std::vector<CustomerConfig> customers;  // CustomerIndex is an index in here
  std::vector<RouteConfig> routes;
};

}  // namespace ussdgw::ussd
