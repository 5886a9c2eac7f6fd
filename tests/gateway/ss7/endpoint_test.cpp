// Two real Endpoints (a simulated MSC and the gateway) talking through a real
// osmo-stp over IPA on loopback. Addresses are the realistic ones: the
// network sends called = our GT + SSN, calling = its GT routed on GT.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>

#include "gateway/ss7/endpoint.h"
#include "stp_fixture.h"

using namespace ussdgw::ss7;
using ussdgw::test::StpFixture;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kGwGt = "447700900123";
constexpr std::string_view kMscGt = "49172000001";

GlobalTitle gt(std::string_view digits) {
  GlobalTitle g;
  g.digits.assign(digits);
  return g;
}

EndpointConfig client_config(const StpFixture& stp, std::string name, PointCode pc, std::string_view own_gt,
                             Ssn ssn) {
  EndpointConfig c;
  c.transport = Transport::kIpaClient;
  c.name = std::move(name);
  c.remote_host = "127.0.0.1";
  c.remote_port = stp.ipa_port();
  c.own_pc = pc;
  c.next_hop_pc = PointCode{3};
  c.own_gt = gt(own_gt);
  c.ssns = {ssn};
  return c;
}

// Collects what an endpoint's handlers deliver (on the io thread).
struct Sink {
  std::vector<Unitdata> rx;
  std::vector<Notice> notices;
  std::vector<LinkEvent> links;
  std::function<void(Unitdata&&)> on_rx;  // optional reaction (echo)
  Endpoint::Handlers handlers() {
    return {[this](Unitdata&& u) {
              if (on_rx)
                on_rx(std::move(u));
              else
                rx.push_back(std::move(u));
            },
            [this](Notice&& n) { notices.push_back(std::move(n)); },
            [this](const LinkEvent& l) { links.push_back(l); }};
  }
};

// Runs the io_context until pred() holds or the timeout passes.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred,
               std::chrono::milliseconds timeout = 5s) {
  auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    io.restart();
    io.run_for(2ms);
  }
  return true;
}

// The network's TCAP BEGIN towards the gateway: called = gateway GT + SSN
// 147 routed on SSN without PC (what an end node sees after the final GTT),
// calling left empty (completed to MSC GT + SSN 8, routed on GT).
Unitdata begin_from_network(std::vector<std::uint8_t> data, RoutingIndicator called_ri = RoutingIndicator::kSubsystem) {
  Unitdata u;
  u.called.ri = called_ri;
  u.called.gt = gt(kGwGt);
  u.called.ssn = kSsnGsmScf;
  u.data = std::move(data);
  return u;
}

// What the gateway must see of a BEGIN from the network: called = its GT +
// SSN 147, calling = the MSC's GT + SSN 8.
void check_network_to_gateway(const Unitdata& in) {
  REQUIRE(in.called.gt);
  CHECK(in.called.gt->digits == kGwGt);
  CHECK(in.called.ssn == kSsnGsmScf);
  REQUIRE(in.calling.gt);
  CHECK(in.calling.gt->digits == kMscGt);
  CHECK(in.calling.ssn == kSsnMsc);
}

// The gateway's answer: to whatever called us, from us.
Unitdata reply_to(const Unitdata& in, std::vector<std::uint8_t> data) {
  Unitdata r;
  r.called = in.calling;
  r.data = std::move(data);
  return r;
}

struct Pair {
  boost::asio::io_context io;
  StpFixture stp{StpFixture::gateway_and_msc()};
  Sink msc_sink, gw_sink;
  std::optional<Endpoint> msc, gw;

  void start(const std::function<void(EndpointConfig&, EndpointConfig&)>& tweak = {}) {
    auto started = stp.start();
    REQUIRE_MESSAGE(started.ok(), started.error());
    auto mc = client_config(stp, "msc", PointCode{1}, kMscGt, kSsnMsc);
    auto gc = client_config(stp, "gw", PointCode{2}, kGwGt, kSsnGsmScf);
    if (tweak) tweak(mc, gc);
    msc.emplace(io, mc, msc_sink.handlers());
    gw.emplace(io, gc, gw_sink.handlers());
    REQUIRE(msc->start().ok());
    REQUIRE(gw->start().ok());
    REQUIRE(run_until(io, [&] { return msc->link_up() && gw->link_up(); }));
  }
};

}  // namespace

TEST_CASE("network BEGIN reaches the gateway and the gateway's answer reaches the network, realistic addressing") {
  Pair p;
  ReplyRouting mode = ReplyRouting::kSsnWithNextHopPc;
  SUBCASE("reply routed on SSN via the STP's PC") { mode = ReplyRouting::kSsnWithNextHopPc; }
  SUBCASE("reply routed on GT via the STP's PC") { mode = ReplyRouting::kGtViaNextHop; }
  p.start([&](EndpointConfig& msc, EndpointConfig& gw) {
    msc.calling_includes_pc = false;  // the network's calling party: GT only
    gw.reply_routing = mode;
  });

  REQUIRE(p.msc->send(begin_from_network({0x62, 0x01, 0x02})));
  REQUIRE(run_until(p.io, [&] { return !p.gw_sink.rx.empty(); }));
  const Unitdata& in = p.gw_sink.rx.front();
  CHECK(in.data == std::vector<std::uint8_t>{0x62, 0x01, 0x02});
  check_network_to_gateway(in);
  CHECK(in.calling.ri == RoutingIndicator::kGlobalTitle);
  MESSAGE("gateway received called={" << to_string(in.called) << "} calling={" << to_string(in.calling) << "}");

  REQUIRE(p.gw->send(reply_to(in, {0x64, 0x03})));
  REQUIRE(run_until(p.io, [&] { return !p.msc_sink.rx.empty(); }));
  const Unitdata& back = p.msc_sink.rx.front();
  CHECK(back.data == std::vector<std::uint8_t>{0x64, 0x03});
  REQUIRE(back.called.gt);
  CHECK(back.called.gt->digits == kMscGt);
  CHECK(back.called.ssn == kSsnMsc);
  CHECK(back.called.ri == (mode == ReplyRouting::kGtViaNextHop ? RoutingIndicator::kGlobalTitle
                                                                : RoutingIndicator::kSubsystem));
  REQUIRE(back.calling.gt);
  CHECK(back.calling.gt->digits == kGwGt);
  CHECK(back.calling.ssn == kSsnGsmScf);
  CHECK(back.calling.pc == PointCode{2});
  MESSAGE("network received called={" << to_string(back.called) << "} calling={" << to_string(back.calling) << "}");
  CHECK(p.gw->counters().tx_dropped == 0);
  CHECK(p.msc->counters().tx_dropped == 0);
}

// libosmo-sigtran 1.6 alone hands each segment up as a message of its own
// ("Unsupported SCCP option type 16"); the endpoint reassembles first.
TEST_CASE("a BEGIN segmented over two XUDTs reaches the gateway whole, and the answer goes back") {
  Pair p;
  ReplyRouting mode = ReplyRouting::kSsnWithNextHopPc;
  SUBCASE("called routed on SSN") { mode = ReplyRouting::kSsnWithNextHopPc; }
  SUBCASE("called routed on the gateway's GT") { mode = ReplyRouting::kGtViaNextHop; }
  p.start([&](EndpointConfig& msc, EndpointConfig&) {
    msc.calling_includes_pc = false;
    msc.reply_routing = mode;
  });
  std::vector<std::uint8_t> big(380);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i);
  auto u = begin_from_network(big);
  u.xudt_segments = 2;
  REQUIRE(p.msc->send(std::move(u)));
  REQUIRE(run_until(p.io, [&] { return !p.gw_sink.rx.empty(); }));
  // Nothing else comes: no fragment is delivered on its own.
  run_until(p.io, [] { return false; }, 200ms);
  REQUIRE(p.gw_sink.rx.size() == 1);
  const Unitdata& in = p.gw_sink.rx.front();
  CHECK(in.data == big);
  check_network_to_gateway(in);
  CHECK(p.gw->counters().rx_reassembled == 1);
  CHECK(p.gw->counters().rx_reassembly_failed == 0);

  REQUIRE(p.gw->send(reply_to(in, {0x64, 0x03})));
  REQUIRE(run_until(p.io, [&] { return !p.msc_sink.rx.empty(); }));
  CHECK(p.msc_sink.rx.front().data == std::vector<std::uint8_t>{0x64, 0x03});
}

TEST_CASE("a called party routed on our own GT is accepted; libosmo alone answers UDTS cause 3") {
  Pair p;
  bool accept = true;
  SUBCASE("accepted as local") { accept = true; }
  SUBCASE("hook disabled: the library's behaviour") { accept = false; }
  p.start([&](EndpointConfig& msc, EndpointConfig& gw) {
    msc.reply_routing = ReplyRouting::kGtViaNextHop;  // the MSC sends with called RI=GT
    msc.calling_includes_pc = true;                   // so that a UDTS can find its way back
    gw.accept_gt_routed_to_local = accept;
  });
  REQUIRE(p.msc->send(begin_from_network({0x62, 0x07}, RoutingIndicator::kGlobalTitle)));
  if (accept) {
    REQUIRE(run_until(p.io, [&] { return !p.gw_sink.rx.empty(); }));
    CHECK(p.gw_sink.rx.front().called.ri == RoutingIndicator::kGlobalTitle);  // as on the wire
    CHECK(p.gw_sink.rx.front().data == std::vector<std::uint8_t>{0x62, 0x07});
    CHECK(p.gw->counters().rx_gt_routed_accepted == 1);
  } else {
    REQUIRE(run_until(p.io, [&] { return !p.msc_sink.notices.empty(); }));
    CHECK(p.msc_sink.notices.front().cause == 3);  // Q.713 3.12: subsystem failure
    CHECK(p.msc_sink.notices.front().data == std::vector<std::uint8_t>{0x62, 0x07});
    CHECK(p.gw_sink.rx.empty());
  }
}

TEST_CASE("a GT routed called party that is not ours is refused with UDTS") {
  Pair p;
  p.start([&](EndpointConfig& msc, EndpointConfig&) { msc.reply_routing = ReplyRouting::kGtViaNextHop; });
  auto u = begin_from_network({0x62}, RoutingIndicator::kGlobalTitle);
  u.called.gt = gt("15550000000");
  REQUIRE(p.msc->send(u));
  REQUIRE(run_until(p.io, [&] { return !p.msc_sink.notices.empty(); }));
  CHECK(p.msc_sink.notices.front().cause == 3);
  CHECK(p.gw_sink.rx.empty());
}

TEST_CASE("10000 BEGINs echoed by the gateway arrive without loss") {
  Pair p;
  p.start();
  constexpr int kN = 10000;
  int echoed = 0;
  p.gw_sink.on_rx = [&](Unitdata&& in) {
    ++echoed;
    p.gw->send(reply_to(in, std::move(in.data)));
  };
  std::vector<int> seen(kN, 0);
  p.msc_sink.on_rx = [&](Unitdata&& back) {
    REQUIRE(back.data.size() == 4);
    int i = back.data[0] | back.data[1] << 8 | back.data[2] << 16;
    REQUIRE(i < kN);
    ++seen[i];
  };
  int received = 0;
  auto t0 = Clock::now();
  for (int i = 0; i < kN; ++i)
    REQUIRE(p.msc->send(begin_from_network({std::uint8_t(i), std::uint8_t(i >> 8), std::uint8_t(i >> 16), 0x62})));
  REQUIRE(run_until(p.io, [&] {
    received = p.msc->counters().rx_unitdata;
    return received == kN;
  }, 60s));
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  for (int i = 0; i < kN; ++i) REQUIRE(seen[i] == 1);
  CHECK(echoed == kN);
  auto mc = p.msc->counters(), gc = p.gw->counters();
  CHECK(mc.tx_dropped == 0);
  CHECK(gc.tx_dropped == 0);
  CHECK(gc.rx_unitdata == kN);
  MESSAGE(kN << " round trips (" << 2 * kN << " messages through osmo-stp) in " << secs << " s: " << int(2 * kN / secs)
             << " msg/s");
  std::printf("MEASURE throughput: %d msgs in %.3f s = %.0f msg/s\n", 2 * kN, secs, 2 * kN / secs);
}

TEST_CASE("when osmo-stp restarts mid-traffic then the endpoints reconnect and traffic resumes") {
  Pair p;
  p.start();
  p.gw_sink.on_rx = [&](Unitdata&& in) { p.gw->send(reply_to(in, std::move(in.data))); };
  int answers = 0;
  p.msc_sink.on_rx = [&](Unitdata&&) { ++answers; };
  // Offer one BEGIN per millisecond from an Asio timer, like a load source.
  boost::asio::steady_timer tick(p.io);
  int offered = 0;
  std::function<void()> pump = [&] {
    tick.expires_after(1ms);
    tick.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      ++offered;
      p.msc->send(begin_from_network({std::uint8_t(offered), 0x62}));
      pump();
    });
  };
  pump();
  REQUIRE(run_until(p.io, [&] { return answers >= 200; }));

  auto killed_at = Clock::now();
  p.stp.stop();
  REQUIRE(run_until(p.io, [&] { return !p.msc->link_up() && !p.gw->link_up(); }));
  auto down_seen = Clock::now();
  run_until(p.io, [] { return false; }, 300ms);  // STP away for a while, traffic still offered
  auto restarted_at = Clock::now();
  REQUIRE(p.stp.start());
  int before = answers;
  REQUIRE(run_until(p.io, [&] { return p.msc->link_up() && p.gw->link_up(); }, 15s));
  auto up_at = Clock::now();
  REQUIRE(run_until(p.io, [&] { return answers >= before + 200; }, 15s));
  tick.cancel();
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  auto mc = p.msc->counters();
  MESSAGE("link down detected after " << ms(down_seen - killed_at) << " ms; links up again "
                                      << ms(up_at - restarted_at) << " ms after osmo-stp restarted; outage "
                                      << ms(up_at - killed_at) << " ms (STP was away "
                                      << ms(restarted_at - killed_at) << " ms); dropped while down: "
                                      << mc.tx_dropped_link_down);
  std::printf("MEASURE reconnect: down detected %lld ms, up %lld ms after STP restart, total outage %lld ms\n",
              (long long)ms(down_seen - killed_at), (long long)ms(up_at - restarted_at),
              (long long)ms(up_at - killed_at));
  CHECK(mc.link_down_events >= 1);
  CHECK(mc.link_up_events >= 2);
}

TEST_CASE("stop and start again, repeatedly, with traffic in flight") {
  boost::asio::io_context io;
  StpFixture stp{StpFixture::gateway_and_msc()};
  REQUIRE(stp.start());
  for (int round = 0; round < 3; ++round) {
    Sink ms, gs;
    Endpoint msc(io, client_config(stp, "msc", PointCode{1}, kMscGt, kSsnMsc), ms.handlers());
    Endpoint gw(io, client_config(stp, "gw", PointCode{2}, kGwGt, kSsnGsmScf), gs.handlers());
    REQUIRE(msc.start().ok());
    REQUIRE(gw.start().ok());
    CHECK_FALSE(gw.start().ok());  // already started
    REQUIRE(run_until(io, [&] { return msc.link_up() && gw.link_up(); }));
    for (int i = 0; i < 100; ++i) msc.send(begin_from_network({std::uint8_t(i)}));
    REQUIRE(run_until(io, [&] { return gs.rx.size() >= 50; }));
    gw.stop();  // with messages possibly still queued
    msc.stop();
    gw.stop();  // idempotent
    CHECK_FALSE(msc.send(begin_from_network({1})));
  }
}

TEST_CASE("M3UA client mode is configured even where SCTP is missing: start, no link, clean stop") {
  boost::asio::io_context io;
  Sink s;
  EndpointConfig c;
  c.transport = Transport::kM3uaClient;
  c.name = "gwm3ua";
  c.remote_port = StpFixture::free_port();
  c.routing_context = 7;
  c.own_gt = gt(kGwGt);
  Endpoint e(io, c, s.handlers());
  REQUIRE(e.start().ok());
  run_until(io, [] { return false; }, 200ms);
  CHECK_FALSE(e.link_up());
  CHECK(e.send(begin_from_network({1})));
  REQUIRE(run_until(io, [&] { return e.counters().tx_dropped_link_down == 1; }));
  e.stop();
}

TEST_CASE("IPA server mode: a simulator connects straight to the gateway") {
  boost::asio::io_context io;
  Sink gs, ms;
  EndpointConfig g;
  g.transport = Transport::kIpaServer;
  g.name = "gw";
  g.local_host = "127.0.0.1";
  g.local_port = StpFixture::free_port();
  g.own_pc = PointCode{2};
  g.next_hop_pc = PointCode{1};  // no STP: the peer is the next hop
  g.peer_name = "msc";
  g.peer_pc = PointCode{1};
  g.own_gt = gt(kGwGt);
  EndpointConfig m;
  m.transport = Transport::kIpaClient;
  m.name = "msc";
  m.remote_port = g.local_port;
  m.own_pc = PointCode{1};
  m.next_hop_pc = PointCode{2};
  m.own_gt = gt(kMscGt);
  m.ssns = {kSsnMsc};
  Endpoint gw(io, g, gs.handlers());
  Endpoint msc(io, m, ms.handlers());
  REQUIRE(gw.start().ok());
  REQUIRE(msc.start().ok());
  REQUIRE(run_until(io, [&] { return msc.link_up() && gw.link_up(); }));
  REQUIRE(msc.send(begin_from_network({0x62, 0x42})));
  REQUIRE(run_until(io, [&] { return !gs.rx.empty(); }));
  REQUIRE(gw.send(reply_to(gs.rx.front(), {0x64})));
  REQUIRE(run_until(io, [&] { return !ms.rx.empty(); }));
  CHECK(ms.rx.front().data == std::vector<std::uint8_t>{0x64});
  SUBCASE("server stops first, peer still connected") {
    gw.stop();
    msc.stop();
  }
  SUBCASE("peer goes first") {
    msc.stop();
    REQUIRE(run_until(io, [&] { return !gw.link_up(); }));
    gw.stop();
  }
}

TEST_CASE("an invalid configuration is refused by start() naming the key") {
  boost::asio::io_context io;
  EndpointConfig c;
  c.routing_context = 5;  // IPA has no routing context
  Endpoint e(io, c, {});
  auto st = e.start();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().find("routing_context") == 0);
  CHECK_FALSE(e.link_up());
}
