#include <doctest/doctest.h>

#include <string>

#include "app/wiring.h"
#include "config/config.h"
#include "config_helpers.h"
#include "ussd/service/config_check.h"

using namespace ussdgw::config;
using config_test::kGood;
using ussdgw::parse_point_code;
using config_test::problem;
using config_test::replaced;

TEST_CASE("a complete config loads with its values and defaults") {
  auto loaded = load_string(kGood);
  REQUIRE(loaded.ok());
  const Config& c = loaded->config;
  CHECK(c.ss7.point_code.value == 2);
  CHECK(c.ss7.next_hop_point_code->value == 3);
  CHECK(c.ss7.global_title == "447700900123");
  CHECK(c.tcap.max_dialogues == 5000);
  CHECK(c.tcap.invoke_timeout == Millis(30000));
  REQUIRE(c.customers.size() == 1);
  CHECK(c.customers[0].step_deadline == Millis(3500));
  CHECK(c.customers[0].fallback.text == "Try later");
  CHECK(c.routes[0].service_code == "*100");
  CHECK(c.log.level == ussdgw::log::Level::Info);
  CHECK(problem(kGood) == "");
}

TEST_CASE("errors name the file, the line and the key") {
  CHECK(problem(replaced(kGood, "max_dialogues: 5000", "max_dialogs: 5000")) == "gw.yaml:9: tcap.max_dialogs: unknown key");
  CHECK(problem(replaced(kGood, "3500ms", "3.5 s")) ==
        "gw.yaml:17: customers[0].step_deadline: must be a duration such as 250ms, 4s, 2m, 1h or 30d, not '3.5 s'");
  CHECK(problem(replaced(kGood, "0.0.3", "9.0.0")).rfind("gw.yaml:5: ss7.next_hop_point_code: must be a 14-bit ITU point code", 0) == 0);
  CHECK(problem(replaced(kGood, "    customer: acme\n", "    customer: nobody\n")) ==
        "gw.yaml:21: routes[0].customer: no customer with id 'nobody'");
  CHECK(problem(replaced(kGood, "step_deadline: 5s", "step_deadline: 2s")) ==
        "gw.yaml:17: customers[0].step_deadline: exceeds ussd.step_deadline");
  CHECK(problem("ss7: {point_code: 1}\n") == "gw.yaml:1: ss7.global_title: is required");
  CHECK(problem("ss7:\n  global_title: '44'\n  accept_gt_routed_to_local: maybe\n") ==
        "gw.yaml:3: ss7.accept_gt_routed_to_local: must be true or false, not 'maybe'");
  CHECK(problem("ss7:\n  global_title: '44'\n  reply_routing: pc\n") ==
        "gw.yaml:3: ss7.reply_routing: must be ssn or gt, not 'pc'");
  CHECK(problem("ss7: [1, 2\n").rfind("gw.yaml:", 0) == 0);
}

TEST_CASE("a key left at its default is reported at the nearest enclosing key written") {
  auto loaded = load_string(kGood, "gw.yaml");
  REQUIRE(loaded.ok());
  const KeyLines& l = loaded->lines;
  CHECK(l.file() == "gw.yaml");
  CHECK(l.line_of("ss7.global_title") == 6);
  CHECK(l.line_of("ss7.remote.port") == 3);
  CHECK(l.line_of("ss7.local.port") == 1);  // not written: "ss7"
  CHECK(l.line_of("customers[0].fallback.text") == 18);
  CHECK(l.line_of("customers[0].tls.ca_file") == 14);  // the entry
  CHECK(l.line_of("ss7.ssn[0]") == 7);
  CHECK(l.line_of("storage.path") == 0);  // no storage section at all
  CHECK(l.locate(ussdgw::ConfigError{{}, 0, "tcap.max_dialogues", "x"}).what() == "gw.yaml:9: tcap.max_dialogues: x");
}

TEST_CASE("point codes and durations") {
  CHECK(parse_point_code("0.0.2")->value == 2);
  CHECK(parse_point_code("1.2.3")->value == (1u << 11 | 2u << 3 | 3u));
  CHECK(parse_point_code("16383")->value == 16383);
  CHECK_FALSE(parse_point_code("16384"));
  CHECK_FALSE(parse_point_code("0.256.0"));
  CHECK(ussdgw::to_string(*parse_point_code("7.255.7")) == "7.255.7");
  CHECK(parse_duration("250ms") == Millis(250));
  CHECK(parse_duration("2m") == Millis(120000));
  CHECK_FALSE(parse_duration("5"));
  CHECK_FALSE(parse_duration("-1s"));
}

TEST_CASE("ussd.no_route_error and fallback.map_error take the MAP errors op 59 may return") {
  auto loaded = load_string(kGood);
  REQUIRE(loaded.ok());
  CHECK(loaded->config.ussd.no_route_error == "systemFailure");  // default
  CHECK_FALSE(loaded->config.customers[0].fallback.map_error.has_value());

  std::string good = replaced(kGood, "  default_customer: acme\n", "  default_customer: acme\n  no_route_error: ussd-Busy\n");
  good = replaced(good, "fallback: {text: \"Try later\"}", "fallback: {map_error: callBarred}");
  loaded = load_string(good);
  REQUIRE(loaded.ok());
  CHECK(loaded->config.ussd.no_route_error == "ussd-Busy");
  CHECK(loaded->config.customers[0].fallback.map_error == "callBarred");
  CHECK(problem(good) == "");

  const std::string names =
      "one of systemFailure, dataMissing, unexpectedDataValue, unknownAlphabet, callBarred, ussd-Busy";
  CHECK(problem(replaced(kGood, "  default_customer: acme\n", "  default_customer: acme\n  no_route_error: SystemFailure\n")) ==
        "gw.yaml:13: ussd.no_route_error: 'SystemFailure' is not a MAP error processUnstructuredSS-Request may return; " +
            names);
  // A TS 29.002 error, but one op 59 does not define (it is op 60's).
  CHECK(problem(replaced(kGood, "fallback: {text: \"Try later\"}", "fallback:\n      map_error: absentSubscriber")) ==
        "gw.yaml:19: customers[0].fallback.map_error: 'absentSubscriber' is not a MAP error "
        "processUnstructuredSS-Request may return; " + names);

  using ussdgw::ussd::ussd_error_code;
  CHECK(ussd_error_code("unknownAlphabet") == std::optional<std::uint8_t>(71));
  CHECK(ussd_error_code("ussd-Busy") == std::optional<std::uint8_t>(72));
  CHECK(ussd_error_code("systemFailure") == std::optional<std::uint8_t>(34));
  CHECK_FALSE(ussd_error_code("absentSubscriber"));
  CHECK_FALSE(ussd_error_code(""));
}

TEST_CASE("fallback.text and ussd.busy_text must fit a USSD string: 160 octets once encoded") {
  auto with_text = [](const std::string& text) {
    return replaced(kGood, "fallback: {text: \"Try later\"}", "fallback:\n      text: \"" + text + "\"");
  };
  CHECK(problem(with_text(std::string(182, 'a'))) == "");  // 182 septets
  CHECK(problem(with_text(std::string(183, 'a'))).rfind(
            "gw.yaml:19: customers[0].fallback.text: cannot be sent as a USSD string", 0) == 0);
  // UCS2 (a character outside the GSM 7-bit alphabet): 80 characters fit, 81 do not.
  std::string ucs2_80;
  for (int i = 0; i < 80; ++i) ucs2_80 += "\xd0\x96";  // U+0416
  CHECK(problem(with_text(ucs2_80)) == "");
  CHECK(problem(with_text(ucs2_80 + "\xd0\x96")).rfind("gw.yaml:19: customers[0].fallback.text:", 0) == 0);
  CHECK(problem(with_text("")).rfind("gw.yaml:19: customers[0].fallback.text: cannot be sent", 0) == 0);
  // With map_error the text is never sent, so it is not checked.
  CHECK(problem(replaced(kGood, "fallback: {text: \"Try later\"}", "fallback: {text: \"\", map_error: systemFailure}")) == "");

  CHECK(problem(replaced(kGood, "  default_customer: acme\n",
                         "  default_customer: acme\n  busy_text: \"" + std::string(200, 'b') + "\"\n"))
            .rfind("gw.yaml:13: ussd.busy_text: cannot be sent as a USSD string", 0) == 0);
  std::string busy = replaced(kGood, "  default_customer: acme\n", "  default_customer: acme\n  busy_text: \"Busy\"\n");
  CHECK(problem(busy) == "");
  CHECK(load_string(busy)->config.ussd.busy_text == "Busy");
}

TEST_CASE("routes need a key; both keys are kept for the router (both must match)") {
  std::string y = replaced(kGood, "  - service_code: \"*100\"\n", "  - service_code: \"*100\"\n    imsi_prefix: \"23415\"\n");
  auto loaded = load_string(y);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->config.routes.size() == 1);
  CHECK(loaded->config.routes[0].service_code == "*100");
  CHECK(loaded->config.routes[0].imsi_prefix == "23415");

  CHECK(problem(replaced(kGood, "  - service_code: \"*100\"\n", "  - imsi_prefix: \"\"\n")) ==
        "gw.yaml:20: routes[0].imsi_prefix: must be digits");
}

TEST_CASE("the log section sets the process logger's options") {
  auto loaded = load_string(std::string(kGood) +
                            "log:\n  level: notice\n  timestamps: true\n  rate_limit: {burst: 5, interval: 30s}\n");
  REQUIRE(loaded.ok());
  const auto& o = loaded->config.log;
  CHECK(o.level == ussdgw::log::Level::Notice);
  CHECK(o.timestamps);
  CHECK(o.burst == 5);
  CHECK(o.interval == std::chrono::seconds(30));
  // burst 0: no limit (common/ussdgw/log.h).
  loaded = load_string(std::string(kGood) + "log:\n  rate_limit: {burst: 0}\n");
  REQUIRE(loaded.ok());
  CHECK(loaded->config.log.burst == 0);
  CHECK(loaded->config.log.interval == std::chrono::seconds(10));
}

TEST_CASE("instance sets the TCAP instance number and the store's instance name") {
  auto loaded = load_string(kGood);
  REQUIRE(loaded.ok());
  CHECK(loaded->config.instance.number == 0);  // defaults: the one gateway
  CHECK(loaded->config.instance.name.empty());
  CHECK(ussdgw::gateway::dialogue_config(loaded->config).instance == 0);
  CHECK(ussdgw::gateway::store_options(loaded->config).instance.empty());

  loaded = load_string("instance:\n  number: 15\n  name: gw-15.b_x\n" + std::string(kGood));
  REQUIRE_MESSAGE(loaded.ok(), (loaded ? std::string() : loaded.error().what()));
  CHECK(loaded->config.instance.number == 15);
  CHECK(loaded->config.instance.name == "gw-15.b_x");
  // What app/ hands to the layer (the top 4 bits of its LocalTids) and the store.
  CHECK(ussdgw::gateway::dialogue_config(loaded->config).instance == 15);
  CHECK(ussdgw::gateway::store_options(loaded->config).instance == "gw-15.b_x");

  CHECK(problem("instance:\n  number: 16\n" + std::string(kGood)) ==
        "gw.yaml:2: instance.number: must be 0 to 15 (the top 4 bits of the TCAP transaction id), not 16");
  CHECK(problem("instance:\n  name: gw1\n  number: 300\n" + std::string(kGood)) ==
        "gw.yaml:3: instance.number: must be 0 to 15 (the top 4 bits of the TCAP transaction id), not 300");
  CHECK(problem("instance:\n  number: -1\n" + std::string(kGood)).rfind("gw.yaml:2: instance.number: must be a whole number", 0) == 0);
  CHECK(problem("instance:\n  name: \"gw 1\"\n" + std::string(kGood)) ==
        "gw.yaml:2: instance.name: must be up to 32 letters, digits, '-', '_' or '.'");
  CHECK(problem("instance:\n  name: " + std::string(33, 'g') + "\n" + std::string(kGood)).rfind("gw.yaml:2: instance.name:", 0) == 0);
  CHECK(problem("instance:\n  nmber: 1\n" + std::string(kGood)) == "gw.yaml:2: instance.nmber: unknown key");
  CHECK(problem("instance: {number: 1, name: gw1}\n" + std::string(kGood)) == "");
}

TEST_CASE("the shipped example config passes every check") {
  const std::string path = std::string(USSDGW_SOURCE_DIR) + "/config/ussdgw.example.yaml";
  auto loaded = load_file(path);
  REQUIRE_MESSAGE(loaded.ok(), (loaded ? std::string() : loaded.error().what()));
  const Config& c = loaded->config;
  CHECK(c.ss7.global_title == "447700900000");
  CHECK(c.ussd.no_route_error == "systemFailure");
  REQUIRE(c.customers.size() == 1);
  CHECK(c.customers[0].id == "acme");
  CHECK(c.routes.size() == 2);
  CHECK(c.log.level == ussdgw::log::Level::Info);
  // Every module check but the database directory (/var/lib/ussdgw exists
  // only where the gateway is installed).
  Loaded here = *loaded;
  here.config.storage.path = "ussdgw.db";
  auto checked = ussdgw::app::check(here);
  CHECK_MESSAGE(checked.ok(), (checked ? std::string() : checked.error().what()));
}

TEST_CASE("ss7.reassembly reaches the endpoint's reassembler, with the documented defaults") {
  auto loaded = load_string(kGood);
  REQUIRE(loaded.ok());
  auto e = ussdgw::gateway::endpoint_config(loaded->config.ss7);
  CHECK(e.reassembly.timeout == std::chrono::seconds(10));
  CHECK(e.reassembly.max_held_bytes == 64 * 1024);
  CHECK(e.reassembly.max_partials == 256);

  loaded = load_string(
      "ss7:\n  global_title: \"447700900123\"\n  reassembly:\n    timeout: 3s\n    max_bytes: 8192\n    max_messages: 16\n");
  REQUIRE_MESSAGE(loaded.ok(), (loaded ? std::string() : loaded.error().what()));
  e = ussdgw::gateway::endpoint_config(loaded->config.ss7);
  CHECK(e.reassembly.timeout == std::chrono::seconds(3));
  CHECK(e.reassembly.max_held_bytes == 8192);
  CHECK(e.reassembly.max_partials == 16);
}
