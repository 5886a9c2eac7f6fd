#include <doctest/doctest.h>

#include <string>

#include "config/config.h"

using namespace ussdgw::config;

namespace {
const char* kGood = R"(ss7:
  mode: ipa-client
  remote: {host: 127.0.0.1, port: 5000}
  point_code: 0.0.2
  next_hop_point_code: 0.0.3
  global_title: "447700900123"
  ssn: [147]
tcap:
  max_dialogues: 5000
ussd:
  step_deadline: 5s
  default_customer: acme
customers:
  - id: acme
    url: http://10.1.0.2:8080/ussd
    secret: 0123456789abcdef0123
    step_deadline: 3500ms
    fallback: {text: "Try later"}
routes:
  - service_code: "*100"
    customer: acme
)";

// Returns the error message of loading `yaml`, or "" when it loads.
std::string error_of(const std::string& yaml) {
  try {
    load_string(yaml, "gw.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a complete config loads with its values and defaults") {
  Config c = load_string(kGood);
  CHECK(c.ss7.point_code.value == 2);
  CHECK(c.ss7.next_hop_point_code->value == 3);
  CHECK(c.ss7.global_title == "447700900123");
  CHECK(c.tcap.max_dialogues == 5000);
  CHECK(c.tcap.invoke_timeout == Millis(30000));
  REQUIRE(c.customers.size() == 1);
  CHECK(c.customers[0].step_deadline == Millis(3500));
  CHECK(c.customers[0].fallback.text == "Try later");
  CHECK(c.routes[0].service_code == "*100");
}

TEST_CASE("errors name the key and its line") {
  std::string bad = kGood;
  bad.replace(bad.find("max_dialogues: 5000"), 19, "max_dialogs: 5000");
  CHECK(error_of(bad) == "gw.yaml:9: tcap.max_dialogs: unknown key");

  bad = kGood;
  bad.replace(bad.find("3500ms"), 6, "3.5 s");
  CHECK(error_of(bad) == "gw.yaml:17: customers[0].step_deadline: must be a duration such as 250ms, 4s, 2m, 1h or 30d, not '3.5 s'");

  bad = kGood;
  bad.replace(bad.find("0.0.3"), 5, "9.0.0");
  CHECK(error_of(bad).rfind("gw.yaml:5: ss7.next_hop_point_code: must be a 14-bit ITU point code", 0) == 0);

  bad = kGood;
  bad.replace(bad.rfind("customer: acme\n"), 14, "customer: nobody");
  CHECK(error_of(bad) == "gw.yaml:21: routes[0].customer: no customer with id 'nobody'");

  bad = kGood;
  bad.replace(bad.find("step_deadline: 5s"), 17, "step_deadline: 2s");
  CHECK(error_of(bad) == "gw.yaml:17: customers[0].step_deadline: exceeds ussd.step_deadline");

  CHECK(error_of("ss7: {point_code: 1}\n") == "gw.yaml:1: ss7.global_title: is required");
  CHECK(error_of("ss7:\n  global_title: '44'\n  accept_gt_routed_to_local: maybe\n") ==
        "gw.yaml:3: ss7.accept_gt_routed_to_local: must be true or false, not 'maybe'");
  CHECK(error_of("ss7:\n  global_title: '44'\n  reply_routing: pc\n") ==
        "gw.yaml:3: ss7.reply_routing: must be ssn or gt, not 'pc'");
  CHECK(error_of("ss7: [1, 2\n").rfind("gw.yaml:", 0) == 0);
}

TEST_CASE("point codes and durations") {
  CHECK(parse_point_code("0.0.2")->value == 2);
  CHECK(parse_point_code("1.2.3")->value == (1u << 11 | 2u << 3 | 3u));
  CHECK(parse_point_code("16383")->value == 16383);
  CHECK_FALSE(parse_point_code("16384"));
  CHECK_FALSE(parse_point_code("0.256.0"));
  CHECK(format_point_code(*parse_point_code("7.255.7")) == "7.255.7");
  CHECK(parse_duration("250ms") == Millis(250));
  CHECK(parse_duration("2m") == Millis(120000));
  CHECK_FALSE(parse_duration("5"));
  CHECK_FALSE(parse_duration("-1s"));
}
