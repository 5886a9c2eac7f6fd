// Customer channel benchmark: the cost of one relay::CustomerClient call
// (encoding, signing, HTTP framing, pool work) against the demo customer on
// loopback, for docs/customer-api.md ("Client cost") and docs/performance.md.
//
// Baseline measured in the same run: a bare Beast HTTP/1.1 exchange of the
// same request body over one kept-alive connection to the same server (no
// pool, no signature, no deadline), so the ratio is what the channel adds.
// Rounds alternate baseline and client; medians over the rounds are printed.
//
// The demo customer runs on its own io_context and thread, the client on
// this thread, so thread CPU time and the allocation counter measure the
// client alone. The figures only mean something in a Release build.
//
// Usage: build/bench/relay_bench [--rounds N] [--calls N]
#include <malloc.h>
#include <time.h>

#include <utility>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "bench/bench_util.h"
#include "relay/customer_client.h"
#include "relay/signature.h"
#include "tools/customer_demo/demo_customer_server.h"
#include "ussd/service/step_codec.h"
#include "support/run_until.h"  // tests/support
#include "ussdgw/asio_clock.h"

// Counting operator new for this binary: per-thread counters only.
namespace {
thread_local std::uint64_t t_allocs = 0;
thread_local std::int64_t t_live_bytes = 0;
}  // namespace
void* operator new(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (!p) throw std::bad_alloc();
  ++t_allocs;
  t_live_bytes += static_cast<std::int64_t>(malloc_usable_size(p));
  return p;
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept {
  if (!p) return;
  t_live_bytes -= static_cast<std::int64_t>(malloc_usable_size(p));
  std::free(p);
}
void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using namespace ussdgw;
using bench::median;

double thread_cpu_us() { return bench::thread_cpu_seconds() * 1e6; }

constexpr const char* kSecret = "bench-secret";

// The customer on its own thread and event loop.
struct ServerThread {
  asio::io_context ioc;
  std::unique_ptr<customer_demo::DemoCustomerServer> server;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
  ServerThread() {
    customer_demo::DemoServerConfig c;
    c.secret = kSecret;
    auto s = customer_demo::DemoCustomerServer::start(ioc, c);
    if (!s) {
      std::fprintf(stderr, "relay_bench: demo customer: %s\n", s.error().c_str());
      std::exit(1);
    }
    server = std::move(s).value();
    server->set_behaviour(customer_demo::DemoBehaviour::AnswerAtOnce);
    thread = std::thread([this] { ioc.run(); });
  }
  ~ServerThread() {
    asio::post(ioc, [this] {
      server->stop();
      work.reset();
    });
    thread.join();
  }
};

struct Sample {
  double wall_us_per_call = 0, cpu_us_per_call = 0, allocs_per_call = 0;
};

template <class Body>
Sample measure(int calls, Body&& body) {
  const auto a0 = t_allocs;
  const double c0 = thread_cpu_us();
  const auto w0 = std::chrono::steady_clock::now();
  body();
  Sample s;
  s.wall_us_per_call = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - w0).count() / calls;
  s.cpu_us_per_call = (thread_cpu_us() - c0) / calls;
  s.allocs_per_call = static_cast<double>(t_allocs - a0) / calls;
  return s;
}

relay::CustomerRequest bench_request() {
  ussd::StepRequest r;
  r.session = SessionId{1};
  r.step = ussd::StepNumber{1};
  r.imsi = Imsi{Digits("234150000000001")};
  r.msisdn = Msisdn{Digits("447700900001")};
  r.service_code = "*100#";
  r.text = "*100#";
  r.calling_gt = ussd::GlobalTitle{Digits("447700900100")};
  r.called_gt = ussd::GlobalTitle{Digits("447700900999")};
  r.received_at = std::chrono::system_clock::now();
  return ussd::encode_step_request(r, "gw1-bench-");
}

// The baseline: the same POST (signed once, so the server accepts it) with a
// bare Beast request/response over one kept-alive socket, one at a time.
struct BareBeast {
  asio::io_context& ioc;
  asio::ip::tcp::socket sock;
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> req;
  explicit BareBeast(asio::io_context& io, std::uint16_t port, const relay::CustomerRequest& r)
      : ioc(io), sock(io) {
    sock.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    sock.set_option(asio::ip::tcp::no_delay(true));
    const std::string ts = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    req = http::request<http::string_body>(http::verb::post, "/ussd", 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.set("Idempotency-Key", r.idempotency_key);
    req.set("X-Ussdgw-Timestamp", ts);
    req.set("X-Ussdgw-Signature", relay::sign_request(kSecret, ts, r.body));
    req.body() = r.body;
    req.prepare_payload();
  }
  bool one() {
    http::write(sock, req);
    http::response<http::string_body> res;
    http::read(sock, buffer, res);
    return res.result_int() == 200;
  }
};

// A sanity bound for one round, not a timing.
bool run_until(asio::io_context& ioc, const std::function<bool()>& pred) {
  return ussdgw::test::run_until(ioc, pred, 120s);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 7, calls = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--calls") == 0) calls = std::max(1, std::atoi(argv[i + 1]));
  }
  ServerThread customer;
  asio::io_context ioc;
  AsioClock clock(ioc);
  relay::CustomerClientConfig cfg;
  cfg.customer = CustomerId{"bench"};
  cfg.url = customer.server->url();
  cfg.secret = kSecret;
  cfg.max_connections = 8;
  cfg.max_queue = 100'000;
  auto created = relay::CustomerClient::create(ioc, clock, cfg);
  if (!created) {
    std::fprintf(stderr, "relay_bench: %s\n", created.error().c_str());
    return 1;
  }
  auto client = std::move(created).value();
  const relay::CustomerRequest request = bench_request();
  BareBeast bare(ioc, customer.server->port(), request);

  // Warm up: open the pool, fill Asio's recycled-memory caches.
  {
    int done = 0;
    for (int i = 0; i < 64; ++i) client->send(request, 10s, [&done](relay::ReplyResult) { ++done; });
    if (!run_until(ioc, [&] { return done == 64; })) return 1;
    for (int i = 0; i < 64; ++i) bare.one();
  }

  // Sequential: one call at a time, paired rounds of baseline and client.
  std::vector<double> base_wall, base_cpu, base_allocs, cli_wall, cli_cpu, cli_allocs;
  int failed = 0;
  for (int round = 0; round < rounds; ++round) {
    Sample b = measure(calls, [&] {
      for (int i = 0; i < calls; ++i) failed += bare.one() ? 0 : 1;
    });
    int done = 0;
    std::function<void(relay::ReplyResult)> next = [&](relay::ReplyResult r) {
      if (!r) ++failed;
      if (++done < calls) client->send(request, 10s, next);
    };
    Sample c = measure(calls, [&] {
      client->send(request, 10s, next);
      if (!run_until(ioc, [&] { return done == calls; })) std::exit(1);
    });
    base_wall.push_back(b.wall_us_per_call);
    base_cpu.push_back(b.cpu_us_per_call);
    base_allocs.push_back(b.allocs_per_call);
    cli_wall.push_back(c.wall_us_per_call);
    cli_cpu.push_back(c.cpu_us_per_call);
    cli_allocs.push_back(c.allocs_per_call);
  }
  std::printf("relay_bench: %d rounds x %d sequential calls (medians; client thread only)\n", rounds, calls);
  std::printf("  %-30s %9s %12s %12s\n", "", "us/call", "CPU us/call", "allocs/call");
  std::printf("  %-30s %9.1f %12.1f %12.1f\n", "bare Beast exchange (baseline)", median(base_wall), median(base_cpu),
              median(base_allocs));
  std::printf("  %-30s %9.1f %12.1f %12.1f\n", "CustomerClient::send", median(cli_wall), median(cli_cpu),
              median(cli_allocs));
  std::printf("  ratio client/baseline: wall %.2f, CPU %.2f\n", median(cli_wall) / median(base_wall),
              median(cli_cpu) / median(base_cpu));

  // Concurrent: all calls started at once through the pool of 8.
  {
    const int n = calls * 5;
    int done = 0, good = 0;
    std::int64_t held = 0;
    Sample s = measure(n, [&] {
      const auto live0 = t_live_bytes;
      for (int i = 0; i < n; ++i)
        client->send(request, 30s, [&](relay::ReplyResult r) {
          good += r ? 1 : 0;
          ++done;
        });
      held = t_live_bytes - live0;
      if (!run_until(ioc, [&] { return done == n; })) std::exit(1);
    });
    std::printf("  concurrent (%d started at once): %.0f calls/s, %.1f CPU us/call, %.1f allocs/call, "
                "%.0f bytes held per queued call\n",
                n, 1e6 / s.wall_us_per_call, s.cpu_us_per_call, s.allocs_per_call, static_cast<double>(held) / n);
    failed += n - good;
  }

  // The JSON codec's share: the USSD step's encode and parse (nlohmann), not the channel.
  {
    constexpr int kN = 2000;
    ussd::StepRequest r;
    r.session = SessionId{1};
    r.service_code = r.text = "*100#";
    std::size_t sink = 0;
    const auto a0 = t_allocs;
    for (int i = 0; i < kN; ++i) sink += ussd::encode_step_request(r, "gw1-").body.size();
    const auto a1 = t_allocs;
    for (int i = 0; i < kN; ++i) sink += ussd::parse_step_answer(R"({"action":"reply","text":"OK"})").ok() ? 1 : 0;
    const auto a2 = t_allocs;
    std::printf("  JSON codec (ussd/service/step_codec): encode_step_request %.1f allocs, parse_step_answer %.1f "
                "allocs (%zu)\n",
                static_cast<double>(a1 - a0) / kN, static_cast<double>(a2 - a1) / kN, sink % 10);
  }
  if (failed) {
    std::fprintf(stderr, "relay_bench: %d calls failed\n", failed);
    return 1;
  }
  return 0;
}
