// Shared pieces of the relay tests: one io_context that runs both the demo
// customer server and the client (as in the gateway, one event loop), helpers
// to run a test story as a coroutine, and the leak probes (/proc/self/fd,
// /proc/net/tcp). The client's deadlines and idle timeouts run on a
// ManualClock: a story moves time with tick(), so no assertion depends on how
// fast the machine is. The payload is the USSD step (the demo customer
// speaks it), coded with ussd/service/step_codec.h.
#pragma once

#include <utility>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <doctest/doctest.h>

#include "relay/customer_client.h"
#include "tools/customer_demo/demo_customer_server.h"
#include "ussd/service/step_codec.h"
#include "support/run_until.h"
#include "ussdgw/manual_clock.h"

namespace relay_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace ussdgw::relay;
using namespace ussdgw::customer_demo;
using ussdgw::CustomerId;
using ussdgw::ussd::GlobalTitle;
using ussdgw::ussd::MapErrorName;
using ussdgw::ussd::StepAction;
using ussdgw::ussd::StepAnswer;
using ussdgw::ussd::StepNumber;
using ussdgw::ussd::StepRequest;

inline constexpr const char* kSecret = "s3cret-shared-with-customer";

// The clock of every client made here (one test runs at a time).
inline ussdgw::ManualClock& test_clock() {
  static ussdgw::ManualClock clock;
  return clock;
}

// A call's outcome as a USSD step: the channel's reply parsed by the step
// codec (a schema error is a BadResponse, as the service treats it).
struct CallResult : ussdgw::Expected<StepAnswer, RelayFailure> {
  CallResult(ReplyResult r)  // NOLINT: implicit, so callbacks and co_await results convert
      : Expected(to_step(std::move(r))) {}

 private:
  static Expected<StepAnswer, RelayFailure> to_step(ReplyResult r) {
    if (!r) return std::move(r).error();
    auto a = ussdgw::ussd::parse_step_answer(r->body);
    if (!a) return RelayFailure{FailureKind::BadResponse, r->http_status, a.error()};
    return std::move(a).value();
  }
};

// One USSD step as a channel request; `session` is the label the customer
// sees ("gw1-7": prefix "gw1-", session 7).
inline CustomerRequest sample_step(const std::string& session, std::uint32_t step, std::string text) {
  const auto dash = session.rfind('-');
  std::string prefix = dash == std::string::npos ? "" : session.substr(0, dash + 1);
  std::string number = session.substr(prefix.size());
  if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) {
    prefix = session;  // not prefix-number: the label itself, session 0 ("s1" -> "s10")
    number = "0";
  }
  StepRequest r;
  r.session = ussdgw::SessionId{std::stoll(number)};
  r.step = StepNumber{step};
  r.imsi = ussdgw::Imsi{ussdgw::Digits("234150000000001")};
  r.msisdn = ussdgw::Msisdn{ussdgw::Digits("447700900001")};
  r.service_code = "*100#";
  r.text = std::move(text);
  r.dcs = 0x0f;
  r.calling_gt = GlobalTitle{ussdgw::Digits("447700900100")};
  r.called_gt = GlobalTitle{ussdgw::Digits("447700900999")};
  r.received_at = std::chrono::system_clock::now();
  return ussdgw::ussd::encode_step_request(r, prefix);
}

using ussdgw::test::run_until;  // support/run_until.h

// Runs one test story written as a coroutine to its end.
inline void run_story(asio::io_context& ioc, std::function<asio::awaitable<void>()> story) {
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(ioc, story(), [&](std::exception_ptr e) {
    done = true;
    failure = e;
  });
  REQUIRE_MESSAGE(run_until(ioc, [&] { return done; }, 60s), "story did not finish within the sanity bound");
  if (failure) std::rethrow_exception(failure);
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

inline std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// TCP sockets in CLOSE_WAIT (state 08) with `port` at either end, IPv4 and IPv6.
inline int close_wait_count(std::uint16_t port) {
  int n = 0;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state;
      fields >> sl >> local >> remote >> state;
      auto port_of = [](const std::string& addr) {
        return static_cast<std::uint16_t>(std::stoul(addr.substr(addr.rfind(':') + 1), nullptr, 16));
      };
      if (state == "08" && (port_of(local) == port || port_of(remote) == port)) ++n;
    }
  }
  return n;
}

// A loopback port nobody listens on: bind an ephemeral port, then release it.
inline std::uint16_t unused_port(asio::io_context& ioc) {
  asio::ip::tcp::acceptor a(ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

inline std::unique_ptr<DemoCustomerServer> start_server(asio::io_context& ioc, DemoServerConfig cfg = {}) {
  if (cfg.secret.empty()) cfg.secret = kSecret;
  auto s = DemoCustomerServer::start(ioc, std::move(cfg));
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error()));
  return std::move(s).value();
}

inline std::unique_ptr<CustomerClient> make_client(asio::io_context& ioc, std::string url,
                                                   std::function<void(CustomerClientConfig&)> tweak = {}) {
  CustomerClientConfig cfg;
  cfg.customer = CustomerId{"demo"};
  cfg.url = std::move(url);
  cfg.secret = kSecret;
  cfg.max_connections = 2;
  cfg.max_queue = 16;
  if (tweak) tweak(cfg);
  // The customer checks the signature's timestamp against its real clock.
  test_clock().set_wall(std::chrono::system_clock::now());
  auto c = CustomerClient::create(ioc, test_clock(), std::move(cfg));
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
  return std::move(c).value();
}

}  // namespace relay_test
