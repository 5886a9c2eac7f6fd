// Addressing rules without any network: point codes, how send() completes
// addresses, and recognising a UDT routed on our GT (Q.713 encodings built
// by hand from the clauses cited).
#include <doctest/doctest.h>

#include <vector>

#include "gateway/ss7/addressing.h"

using namespace ussdgw::ss7;
using ussdgw::parse_point_code;

namespace {

GlobalTitle gt(std::string_view digits) {
  GlobalTitle g;
  g.digits.assign(digits);
  return g;
}

EndpointConfig gateway_config() {
  EndpointConfig c;
  c.own_pc = PointCode{2};
  c.next_hop_pc = PointCode{3};
  c.own_gt = gt("447700900123");
  c.ssns = {kSsnGsmScf};
  return c;
}

// UDT (Q.713 4.10): called GT 447700900123 + SSN 147 routed on GT, calling
// GT 49172000001 + SSN 8, three octets of data.
std::vector<std::uint8_t> udt_called_on_gt() {
  return {0x09, 0x80, 0x03, 0x0e, 0x19,
          // called: len 11, AI = GTI 4 | SSN, RI = GT (Q.713 3.4.1)
          0x0b, 0x12, 0x93, 0x00, 0x12, 0x04, 0x44, 0x77, 0x00, 0x09, 0x10, 0x32,
          // calling: odd number of digits (ES = 1)
          0x0b, 0x12, 0x08, 0x00, 0x11, 0x04, 0x94, 0x71, 0x02, 0x00, 0x00, 0x01,
          // data
          0x03, 0xaa, 0xbb, 0xcc};
}

}  // namespace

TEST_CASE("point codes parse and print in 3-8-3 format") {
  CHECK(parse_point_code("0.0.1")->value == 1);
  CHECK(parse_point_code("1.2.3")->value == ((1u << 11) | (2u << 3) | 3u));
  CHECK(parse_point_code("7.255.7")->value == PointCode::kItuMax);
  CHECK(parse_point_code("42")->value == 42);
  CHECK_FALSE(parse_point_code("8.0.0"));
  CHECK_FALSE(parse_point_code("0.0"));
  CHECK_FALSE(parse_point_code("16384"));
  CHECK_FALSE(parse_point_code(""));
  CHECK(ussdgw::to_string(PointCode{(1u << 11) | (2u << 3) | 3u}) == "1.2.3");
}

TEST_CASE("when the network's calling GT becomes our called address then the next hop PC is added and the GT kept") {
  auto cfg = gateway_config();
  Unitdata u;
  u.called.ri = RoutingIndicator::kGlobalTitle;  // as received: calling GT routed on GT, no PC
  u.called.gt = gt("49172000001");
  u.called.ssn = kSsnMsc;
  u.data = {0x62, 0x00};

  SUBCASE("default: route on SSN via the next hop") {
    REQUIRE(complete_outbound(u, cfg) == nullptr);
    CHECK(u.called.ri == RoutingIndicator::kSubsystem);
  }
  SUBCASE("GT mode: route on GT via the next hop, for an STP that translates") {
    cfg.reply_routing = ReplyRouting::kGtViaNextHop;
    REQUIRE(complete_outbound(u, cfg) == nullptr);
    CHECK(u.called.ri == RoutingIndicator::kGlobalTitle);
  }
  CHECK(u.called.pc == PointCode{3});
  CHECK(u.called.gt->digits == "49172000001");
  CHECK(u.called.ssn == kSsnMsc);
  // calling: own GT + first SSN + own PC, routed on GT
  CHECK(u.calling.ri == RoutingIndicator::kGlobalTitle);
  CHECK(u.calling.gt->digits == "447700900123");
  CHECK(u.calling.ssn == kSsnGsmScf);
  CHECK(u.calling.pc == PointCode{2});
}

TEST_CASE("a called address with PC routed on SSN is kept as is") {
  auto cfg = gateway_config();
  Unitdata u;
  u.called.ri = RoutingIndicator::kSubsystem;
  u.called.pc = PointCode{77};
  u.called.ssn = kSsnHlr;
  u.data = {1};
  REQUIRE(complete_outbound(u, cfg) == nullptr);
  CHECK(u.called.pc == PointCode{77});
  CHECK(u.called.ri == RoutingIndicator::kSubsystem);
}

TEST_CASE("unroutable messages are refused with a reason") {
  auto cfg = gateway_config();
  Unitdata u;
  u.data = {1};
  CHECK(complete_outbound(u, cfg) != nullptr);  // called has neither GT nor SSN

  Unitdata v;
  v.called.gt = gt("123");
  v.data = {1};
  CHECK(complete_outbound(v, cfg) != nullptr);  // route on SSN without SSN

  Unitdata w;
  w.called.ssn = kSsnMsc;
  w.data.assign(256, 0);
  CHECK(complete_outbound(w, cfg) != nullptr);  // larger than a UDT carries

  // Sent as XUDT segments by the endpoint itself (Q.714 §4.1.1.2): up to 16
  // segments of kMaxXudtSegmentData.
  Unitdata x;
  x.called.ssn = kSsnMsc;
  x.data.assign(600, 0);
  x.xudt_segments = 3;
  CHECK(complete_outbound(x, cfg) == nullptr);
  x.xudt_segments = 2;
  CHECK(complete_outbound(x, cfg) != nullptr);  // 300 octets per segment
  x.xudt_segments = 17;
  CHECK(complete_outbound(x, cfg) != nullptr);
}

TEST_CASE("calling PC can be left out, as networks often do") {
  auto cfg = gateway_config();
  cfg.calling_includes_pc = false;
  Unitdata u;
  u.called.ssn = kSsnMsc;
  u.called.gt = gt("49172000001");
  u.data = {1};
  REQUIRE(complete_outbound(u, cfg) == nullptr);
  CHECK_FALSE(u.calling.pc);
  CHECK(u.calling.ri == RoutingIndicator::kGlobalTitle);
}

TEST_CASE("local GT: own GT by default, configured prefixes otherwise") {
  auto cfg = gateway_config();
  CHECK(gt_is_local("447700900123", cfg));
  CHECK_FALSE(gt_is_local("4477009001", cfg));
  CHECK_FALSE(gt_is_local("", cfg));
  cfg.local_gt_prefixes = {"4477009"};
  CHECK(gt_is_local("447700900999", cfg));
  CHECK_FALSE(gt_is_local("447800900999", cfg));
}

TEST_CASE("UDT called party is parsed from its Q.713 encoding") {
  auto m = udt_called_on_gt();
  auto c = parse_udt_called(m);
  REQUIRE(c);
  CHECK(c->route_on_gt);
  CHECK(c->has_ssn);
  CHECK_FALSE(c->has_pc);
  REQUIRE(c->gt_digits);
  CHECK(c->gt_digits->view() == "447700900123");
  CHECK(c->indicator_offset == 6);

  CHECK_FALSE(parse_udt_called(std::vector<std::uint8_t>{0x09, 0x80, 0x03}));
  auto truncated = m;
  truncated.resize(10);
  CHECK_FALSE(parse_udt_called(truncated));
  auto udts = m;
  udts[0] = 0x0a;  // UDTS, Q.713 4.11: same layout
  udts[1] = 0x03;  // return cause
  CHECK(parse_udt_called(udts));
  auto xudt = m;
  xudt[0] = 0x11;
  CHECK_FALSE(parse_udt_called(xudt));
}

TEST_CASE("a UDT routed on our own GT is switched to route on SSN, anything else is left alone") {
  auto cfg = gateway_config();
  auto m = udt_called_on_gt();
  auto orig = m;
  CHECK(patch_gt_routed_to_local(m, cfg) == GtLocalPatch::kPatched);
  CHECK(m[6] == (0x12 | 0x40));
  m[6] = 0x12;
  CHECK(m == orig);  // only the routing indicator bit changed

  auto other = gateway_config();
  other.own_gt = gt("999");
  auto n = orig;
  CHECK(patch_gt_routed_to_local(n, other) == GtLocalPatch::kNotLocal);
  CHECK(n == orig);

  auto on_ssn = orig;
  on_ssn[6] |= 0x40;
  CHECK(patch_gt_routed_to_local(on_ssn, cfg) == GtLocalPatch::kNotApplicable);

  auto no_ssn = orig;
  no_ssn[6] &= static_cast<std::uint8_t>(~0x02);  // SSN indicator off: the SSN octet now reads as GT
  CHECK(patch_gt_routed_to_local(no_ssn, cfg) != GtLocalPatch::kPatched);
}

TEST_CASE("config validation names the key") {
  EndpointConfig c;
  CHECK(validate(c).ok());
  c.ssns.clear();
  CHECK(validate(c).error().key == "ssns");
  c = EndpointConfig{};
  c.routing_context = 5;
  CHECK(validate(c).error().key == "routing_context");
  c.transport = Transport::kM3uaClient;
  CHECK(validate(c).ok());
  c = EndpointConfig{};
  c.transport = Transport::kIpaServer;
  CHECK(validate(c).error().key == "local_port");
}
