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

TEST_CASE("ussd.no_route_error and fallback.map_error take the MAP errors op 59 may return") {
  Config c = load_string(kGood);
  CHECK(c.ussd.no_route_error == "systemFailure");  // default
  CHECK_FALSE(c.customers[0].fallback.map_error.has_value());

  std::string good = kGood;
  good.replace(good.find("  default_customer: acme\n"), 25, "  default_customer: acme\n  no_route_error: ussd-Busy\n");
  good.replace(good.find("fallback: {text: \"Try later\"}"), 29, "fallback: {map_error: callBarred}");
  c = load_string(good);
  CHECK(c.ussd.no_route_error == "ussd-Busy");
  CHECK(c.customers[0].fallback.map_error == "callBarred");

  const std::string names =
      "one of systemFailure, dataMissing, unexpectedDataValue, unknownAlphabet, callBarred, ussd-Busy";
  std::string bad = kGood;
  bad.replace(bad.find("  default_customer: acme\n"), 25, "  default_customer: acme\n  no_route_error: SystemFailure\n");
  CHECK(error_of(bad) == "gw.yaml:13: ussd.no_route_error: 'SystemFailure' is not a MAP error "
                         "processUnstructuredSS-Request may return; " + names);

  // A TS 29.002 error, but one op 59 does not define (it is op 60's).
  bad = kGood;
  bad.replace(bad.find("fallback: {text: \"Try later\"}"), 29, "fallback:\n      map_error: absentSubscriber");
  CHECK(error_of(bad) == "gw.yaml:19: customers[0].fallback.map_error: 'absentSubscriber' is not a MAP error "
                         "processUnstructuredSS-Request may return; " + names);

  CHECK(ussd_error_code("unknownAlphabet") == std::optional<std::uint8_t>(71));
  CHECK(ussd_error_code("ussd-Busy") == std::optional<std::uint8_t>(72));
  CHECK_FALSE(ussd_error_code("absentSubscriber"));
  CHECK_FALSE(ussd_error_code(""));
}

TEST_CASE("fallback.text and ussd.busy_text must fit a USSD string: 160 octets once encoded") {
  auto with_text = [](const std::string& text) {
    std::string y = kGood;
    y.replace(y.find("fallback: {text: \"Try later\"}"), 29, "fallback:\n      text: \"" + text + "\"");
    return y;
  };
  CHECK(load_string(with_text(std::string(182, 'a'))).customers[0].fallback.text.size() == 182);  // 182 septets
  CHECK(error_of(with_text(std::string(183, 'a'))).rfind(
            "gw.yaml:19: customers[0].fallback.text: cannot be sent as a USSD string", 0) == 0);
  // UCS2 (a character outside the GSM 7-bit alphabet): 80 characters fit, 81 do not.
  std::string ucs2_80;
  for (int i = 0; i < 80; ++i) ucs2_80 += "\xd0\x96";  // U+0416
  CHECK_NOTHROW(load_string(with_text(ucs2_80)));
  CHECK(error_of(with_text(ucs2_80 + "\xd0\x96")).rfind("gw.yaml:19: customers[0].fallback.text:", 0) == 0);
  CHECK(error_of(with_text("")).rfind("gw.yaml:19: customers[0].fallback.text: cannot be sent", 0) == 0);
  // With map_error the text is never sent, so it is not checked.
  std::string y = kGood;
  y.replace(y.find("fallback: {text: \"Try later\"}"), 29, "fallback: {text: \"\", map_error: systemFailure}");
  CHECK_NOTHROW(load_string(y));

  std::string busy = kGood;
  busy.replace(busy.find("  default_customer: acme\n"), 25,
               "  default_customer: acme\n  busy_text: \"" + std::string(200, 'b') + "\"\n");
  CHECK(error_of(busy).rfind("gw.yaml:13: ussd.busy_text: cannot be sent as a USSD string", 0) == 0);
  busy = kGood;
  busy.replace(busy.find("  default_customer: acme\n"), 25, "  default_customer: acme\n  busy_text: \"Busy\"\n");
  CHECK(load_string(busy).ussd.busy_text == "Busy");
}

TEST_CASE("routes need a key; both keys are kept for the router (both must match)") {
  std::string y = kGood;
  y.replace(y.find("  - service_code: \"*100\"\n"), 25, "  - service_code: \"*100\"\n    imsi_prefix: \"23415\"\n");
  Config c = load_string(y);
  REQUIRE(c.routes.size() == 1);
  CHECK(c.routes[0].service_code == "*100");
  CHECK(c.routes[0].imsi_prefix == "23415");

  y = kGood;
  y.replace(y.find("  - service_code: \"*100\"\n"), 25, "  - imsi_prefix: \"\"\n");
  CHECK(error_of(y) == "gw.yaml:20: routes[0].imsi_prefix: must be digits");
}

TEST_CASE("the shipped example config loads") {
  const std::string path = std::string(USSDGW_SOURCE_DIR) + "/config/ussdgw.example.yaml";
  Config c;
  REQUIRE_NOTHROW(c = load_file(path));
  CHECK(c.ss7.global_title == "447700900000");
  CHECK(c.ussd.no_route_error == "systemFailure");
  REQUIRE(c.customers.size() == 1);
  CHECK(c.customers[0].id == "acme");
  CHECK(c.routes.size() == 2);
}
