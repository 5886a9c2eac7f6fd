// Which customer serves a USSD string, and what the service puts on the wire
// for a text: the pure parts of the USSD service, without sockets.
#include <doctest/doctest.h>

#include <string>

#include "ussd/service/answer_codec.h"
#include "ussd/service/router.h"

using namespace ussdgw;
using namespace ussdgw::ussd;

namespace {

ussd::ServiceConfig routing_config() {
  ussd::ServiceConfig c;
  for (const char* id : {"bank", "telco", "iot", "fallback"}) {
    ussd::CustomerConfig cu;
    cu.id = id;
    c.customers.push_back(cu);
  }
  c.routes.push_back(ussd::RouteConfig{"bank", "*100", std::nullopt});
  c.routes.push_back(ussd::RouteConfig{"telco", "*100*5", std::nullopt});
  c.routes.push_back(ussd::RouteConfig{"iot", std::nullopt, "23415"});
  c.routes.push_back(ussd::RouteConfig{"telco", std::nullopt, "234"});
  return c;
}

std::optional<Imsi> imsi(const char* digits) { return Imsi{Digits(digits)}; }
const char* customer_of(const ussd::ServiceConfig& c, const std::optional<RouteMatch>& m) {
  return m ? c.customers[m->customer.value].id.c_str() : "(none)";
}

}  // namespace

TEST_CASE("a service code routes the strings that start with it on a * or # boundary") {
  CHECK(Router::service_code_matches("*100", "*100#"));
  CHECK(Router::service_code_matches("*100", "*100*5#"));
  CHECK(Router::service_code_matches("*100#", "*100#"));
  CHECK(Router::service_code_matches("*100*", "*100*5#"));
  CHECK_FALSE(Router::service_code_matches("*100", "*1000#"));
  CHECK_FALSE(Router::service_code_matches("*100", "*10#"));
  CHECK_FALSE(Router::service_code_matches("", "*100#"));
}

TEST_CASE("when a service code and an IMSI prefix both match then the longer prefix wins") {
  auto cfg = routing_config();
  Router r(cfg);
  // "*100" (4) against "23415" (5): the IMSI route is longer.
  auto m = r.route("*100#", imsi("234150000000001"));
  CHECK(std::string(customer_of(cfg, m)) == "iot");
  CHECK(m->kind == RouteKind::ImsiPrefix);
  CHECK(m->prefix_length == 5);
  // "*100*5" (6) beats "23415" (5).
  m = r.route("*100*5#", imsi("234150000000001"));
  CHECK(std::string(customer_of(cfg, m)) == "telco");
  CHECK(m->kind == RouteKind::ServiceCode);
  CHECK(m->route == 1);
  // Another operator's IMSI: only the service code matches.
  m = r.route("*100#", imsi("262019999999999"));
  CHECK(std::string(customer_of(cfg, m)) == "bank");
  // No IMSI at all (MAP-OPEN without destinationReference).
  m = r.route("*100*7#", std::nullopt);
  CHECK(std::string(customer_of(cfg, m)) == "bank");
  // The shorter IMSI prefix when the longer one does not match.
  m = r.route("*555#", imsi("234209999999999"));
  CHECK(std::string(customer_of(cfg, m)) == "telco");
  CHECK(m->kind == RouteKind::ImsiPrefix);
}

TEST_CASE("when prefixes tie then the route listed first wins") {
  ussd::ServiceConfig c;
  for (const char* id : {"first", "second"}) {
    ussd::CustomerConfig cu;
    cu.id = id;
    c.customers.push_back(cu);
  }
  c.routes.push_back(ussd::RouteConfig{"first", "*12345", std::nullopt});
  c.routes.push_back(ussd::RouteConfig{"second", std::nullopt, "23415"});
  Router r(c);
  CHECK(std::string(customer_of(c, r.route("*12345#", imsi("234150000000001")))) == "first");
}

TEST_CASE("a route with both keys matches only when the service code and the IMSI prefix both match") {
  // Two MVNOs share the balance code *100: each route says "this code, for these SIMs".
  ussd::ServiceConfig c;
  for (const char* id : {"mvno-a", "mvno-b", "host"}) {
    ussd::CustomerConfig cu;
    cu.id = id;
    c.customers.push_back(cu);
  }
  c.routes.push_back(ussd::RouteConfig{"host", "*100", std::nullopt});
  c.routes.push_back(ussd::RouteConfig{"mvno-a", "*100", "234151"});
  c.routes.push_back(ussd::RouteConfig{"mvno-b", "*100", "234152"});
  c.routes.push_back(ussd::RouteConfig{"host", "*100*5", std::nullopt});
  Router r(c);

  auto m = r.route("*100#", imsi("234151000000001"));
  CHECK(std::string(customer_of(c, m)) == "mvno-a");
  CHECK(m->kind == RouteKind::Both);
  CHECK(m->prefix_length == 10);  // 4 + 6: beats "*100" alone
  CHECK(std::string(customer_of(c, r.route("*100#", imsi("234152000000001")))) == "mvno-b");
  // The IMSI prefix alone does not route: another code from mvno-a's SIMs.
  CHECK_FALSE(r.route("*200#", imsi("234151000000001")).has_value());
  // The code from a SIM of neither MVNO, or without an IMSI: the host's route.
  CHECK(std::string(customer_of(c, r.route("*100#", imsi("234159000000001")))) == "host");
  CHECK(std::string(customer_of(c, r.route("*100#", std::nullopt))) == "host");
  // Lengths still decide across routes: "*100*5" (6) loses to "*100"+"234151" (10).
  CHECK(std::string(customer_of(c, r.route("*100*5#", imsi("234151000000001")))) == "mvno-a");
  CHECK(std::string(to_string(RouteKind::Both)) == "service_code+imsi_prefix");
}

TEST_CASE("when nothing matches then the default customer serves, and without one nobody does") {
  auto cfg = routing_config();
  CHECK_FALSE(Router(cfg).route("*555#", imsi("262019999999999")).has_value());

  cfg.ussd.default_customer = "fallback";
  auto m = Router(cfg).route("*555#", imsi("262019999999999"));
  REQUIRE(m.has_value());
  CHECK(std::string(customer_of(cfg, m)) == "fallback");
  CHECK(m->kind == RouteKind::Default);
}

TEST_CASE("a reply text goes out as GSM 7-bit when it can, else UCS2, and never above 160 octets") {
  auto gsm = encode_reply("Your balance is 42");
  REQUIRE(gsm.ok());
  CHECK(gsm->dcs == kDcsGsm7);
  auto back = decode_ussd_res(gsm->bytes());
  REQUIRE(back.ok());
  CHECK(std::string(decode_text(back->dcs, back->string)->text.view()) == "Your balance is 42");

  auto ucs2 = encode_prompt("Баланс: 42");
  REQUIRE(ucs2.ok());
  CHECK(ucs2->dcs == kDcsUcs2);
  auto arg = decode_ussd_arg(ucs2->bytes());
  REQUIRE(arg.ok());
  CHECK(arg->string.size() == 20);  // 10 characters, 2 octets each
  CHECK_FALSE(arg->msisdn.has_value());

  CHECK(encode_reply(std::string(182, 'a')).ok());   // 182 septets = 160 octets
  CHECK_FALSE(encode_reply(std::string(183, 'a')).ok());
  CHECK(encode_reply(std::string(80, 'x') + "").ok());
  std::string cyrillic;
  for (int i = 0; i < 81; ++i) cyrillic += "Ж";  // 162 octets in UCS2
  CHECK_FALSE(encode_reply(cyrillic).ok());
  CHECK_FALSE(encode_reply("").ok());
}

TEST_CASE("MAP errors are named as in TS 29.002 and map to their local codes") {
  CHECK(map_error_code(MapErrorName::SystemFailure) == 34);
  CHECK(map_error_code(MapErrorName::DataMissing) == 35);
  CHECK(map_error_code(MapErrorName::UnexpectedDataValue) == 36);
  CHECK(map_error_code(MapErrorName::UnknownAlphabet) == 71);
  CHECK(map_error_code(MapErrorName::CallBarred) == 13);
  CHECK(map_error_code(MapErrorName::UssdBusy) == 72);
  CHECK(map_error_code("systemFailure") == std::optional<std::uint8_t>(34));
  CHECK(map_error_code("ussd-Busy") == std::optional<std::uint8_t>(72));
  CHECK(map_error_code("callBarred") == std::optional<std::uint8_t>(13));
  CHECK_FALSE(map_error_code("ussdBusy").has_value());
  CHECK_FALSE(map_error_code("").has_value());
}
