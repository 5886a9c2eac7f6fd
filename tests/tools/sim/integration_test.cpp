// Load mode against --respond mode through a real osmo-stp over IPA, both
// with the default (realistic) addressing, in one process and one Asio
// thread (the CLI runs them as two processes; the wiring is the same).
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "tools/sim/cli.h"
#include "tools/sim/responder.h"
#include "gateway/ss7/endpoint.h"
#include "gateway/ss7/stp_fixture.h"

using namespace ussdgw;
using namespace ussdgw::sim;
using namespace std::chrono_literals;

namespace {

struct Sender final : TcapSender {
  ss7::Endpoint* ep = nullptr;
  OutboundAddresses to;
  bool send_tcap(Bytes b) override {
    ss7::Unitdata u{to.called, to.calling, {b.begin(), b.end()}};
    return ep->send(std::move(u));
  }
};

bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    io.restart();
    io.run_for(5ms);
  }
  return true;
}

}  // namespace

TEST_CASE("load mode against respond mode through osmo-stp completes every dialogue") {
  test::StpFixture stp(test::StpFixture::gateway_and_msc());
  REQUIRE(stp.start());
  boost::asio::io_context io;

  char a0[] = "sim";
  char* argv[] = {a0};
  SimOptions sim = *parse_args(1, argv).options;
  sim.port = stp.ipa_port();
  sim.mode = Mode::kLoad;
  sim.load.rate = 1000;
  sim.load.duration = 2s;
  sim.load.concurrency = 500;
  sim.load.spec.timeout = 3s;
  SimOptions gw = sim;
  gw.mode = Mode::kRespond;

  Sender sender;
  std::optional<LoadGenerator> load;
  CannedResponder responder("Your balance is 42");
  ss7::Endpoint* gw_ep_ptr = nullptr;

  ss7::Endpoint msc_ep(io, endpoint_config(sim),
                       {[&](ss7::Unitdata&& u) {
                          if (load) load->on_tcap(u.data);
                        },
                        [&](ss7::Notice&& n) {
                          if (load) load->on_returned(n.data, n.cause);
                        },
                        {}});
  ss7::Endpoint gw_ep(io, endpoint_config(gw),
                      {[&](ss7::Unitdata&& u) {
                         auto out = responder.answer(u.data);
                         if (!out) return;
                         ss7::Unitdata r;
                         r.called = u.calling;
                         r.data.assign(out->begin(), out->end());
                         gw_ep_ptr->send(std::move(r));
                       },
                       {},
                       {}});
  gw_ep_ptr = &gw_ep;
  sender.ep = &msc_ep;
  sender.to = outbound_addresses(sim);
  REQUIRE(msc_ep.start().ok());
  REQUIRE(gw_ep.start().ok());
  REQUIRE(run_until(io, [&] { return msc_ep.link_up() && gw_ep.link_up(); }, 10s));

  load.emplace(io, sender, sim.load);
  bool done = false;
  REQUIRE(load->start([&] { done = true; }).ok());
  REQUIRE(run_until(io, [&] { return done; }, 20s));

  const LoadReport& r = load->report();
  MESSAGE(r.to_text());
  CHECK(r.started >= 1900);
  CHECK(r.started <= 2100);
  CHECK(r.completed == r.started);
  CHECK(r.failed() == 0);
  CHECK(r.unmatched == 0);
  CHECK(responder.answered() == r.started);
  CHECK(r.dialogue_us.count() == r.completed);
  CHECK(r.achieved_rate > 800);
  CHECK(msc_ep.counters().tx_dropped == 0);
  CHECK(gw_ep.counters().tx_dropped == 0);
}
