// Cost of one CustomerClient call, for docs/customer-api.md ("Client cost").
// Skipped by default (no timed assertions; the numbers only mean something in
// a Release build). Run:
//   test_relay -tc='*micro-benchmark*' --no-skip
//
// The demo customer server runs on its own io_context and thread, the client
// on the test thread, so thread CPU time and the allocation counter below
// measure the client alone (its encoding, signing, HTTP and pool work).
#include <malloc.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>

#include "relay/http/step_codec.h"
#include "relay_fixture.h"

// Counting operator new for this test binary: per-thread counters only, so it
// costs two thread-local increments per allocation and changes no behaviour.
// Left out under ASan, which brings its own allocator.
#if defined(__SANITIZE_ADDRESS__)
#define RELAY_BENCH_COUNT_ALLOCS 0
#else
#define RELAY_BENCH_COUNT_ALLOCS 1
#endif

namespace {
thread_local std::uint64_t t_allocs = 0;
thread_local std::int64_t t_live_bytes = 0;
}  // namespace

#if RELAY_BENCH_COUNT_ALLOCS
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
#endif

using namespace relay_test;

namespace {

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// The customer on its own thread and event loop.
struct ServerThread {
  asio::io_context ioc;
  std::unique_ptr<DemoCustomerServer> server;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
  ServerThread() {
    server = start_server(ioc);
    server->set_behaviour(DemoBehaviour::AnswerAtOnce);
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
  double wall_s = 0, cpu_us = 0;
  std::uint64_t allocs = 0;
};

void report(const char* what, int n, const Sample& s) {
  std::printf("%-34s %6d calls  %8.0f calls/s  %6.1f us CPU/call (client thread)", what, n, n / s.wall_s, s.cpu_us / n);
  if (RELAY_BENCH_COUNT_ALLOCS) std::printf("  %5.1f allocs/call", static_cast<double>(s.allocs) / n);
  std::printf("\n");
}

}  // namespace

TEST_CASE("micro-benchmark: CustomerClient calls against the demo server" * doctest::skip()) {
  constexpr int kCalls = 20'000;
  ServerThread customer;
  asio::io_context ioc;
  auto client = make_client(ioc, customer.server->url(), [](CustomerClientConfig& c) {
    c.max_connections = 8;
    c.max_queue = 100'000;
  });
  const StepRequest step = sample_step("gw1-bench-000001", 1, "*100#");

  auto measure = [&](auto&& body) {
    Sample s;
    const auto a0 = t_allocs;
    const double c0 = thread_cpu_us();
    const auto w0 = std::chrono::steady_clock::now();
    body();
    s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    s.cpu_us = thread_cpu_us() - c0;
    s.allocs = t_allocs - a0;
    return s;
  };

  // Warm up: open the pool, fill Asio's recycled-memory caches.
  {
    std::vector<std::optional<CallResult>> out(64);
    for (std::size_t i = 0; i < out.size(); ++i)
      client->start(step, 10s, [&out, i](CallResult r) { out[i] = std::move(r); });
    REQUIRE(run_until(ioc, [&] {
      for (auto& r : out)
        if (!r) return false;
      return true;
    }));
  }

  SUBCASE("JSON codec share") {
    // The part of a call's allocations that is the JSON codec (nlohmann), not the client.
    constexpr int kN = 2000;
    const std::string answer = R"({"action":"reply","text":"OK"})";
    std::size_t sink = 0;
    const auto a0 = t_allocs;
    for (int i = 0; i < kN; ++i) sink += encode_step_request(step).size();
    const auto a1 = t_allocs;
    for (int i = 0; i < kN; ++i) sink += parse_step_answer("application/json", answer).ok() ? 1 : 0;
    const auto a2 = t_allocs;
    CHECK(sink > 0);
    if (RELAY_BENCH_COUNT_ALLOCS)
      std::printf("JSON codec: encode_step_request %.1f allocs, parse_step_answer %.1f allocs\n",
                  static_cast<double>(a1 - a0) / kN, static_cast<double>(a2 - a1) / kN);
  }

  SUBCASE("sequential") {
    int done = 0, failed = 0;
    std::function<void(CallResult)> next;
    next = [&](CallResult r) {
      if (!r.ok()) ++failed;
      if (++done < kCalls) client->start(step, 10s, next);
    };
    Sample s = measure([&] {
      client->start(step, 10s, next);
      REQUIRE(run_until(ioc, [&] { return done == kCalls; }, 120s));
    });
    CHECK(failed == 0);
    report("sequential (one at a time)", kCalls, s);
  }

  SUBCASE("concurrent") {
    std::vector<char> ok(kCalls, 0);
    int done = 0;
    std::int64_t held = 0;
    Sample s = measure([&] {
      const auto live0 = t_live_bytes;
      for (int i = 0; i < kCalls; ++i)
        client->start(step, 30s, [&ok, &done, i](CallResult r) {
          ok[static_cast<std::size_t>(i)] = r.ok() ? 1 : 0;
          ++done;
        });
      held = t_live_bytes - live0;
      REQUIRE(run_until(ioc, [&] { return done == kCalls; }, 120s));
    });
    int good = 0;
    for (char c : ok) good += c;
    CHECK(good == kCalls);
    report("concurrent (all started at once)", kCalls, s);
    if (RELAY_BENCH_COUNT_ALLOCS)
      std::printf("bytes held per queued call (heap, right after start): %.0f\n", static_cast<double>(held) / kCalls);
  }
}
