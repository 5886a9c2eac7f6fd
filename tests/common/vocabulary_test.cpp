// The shared vocabulary: Expected, the manual clock, Lifetime, the logger's
// quoting, masking and rate limit.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ussdgw/expected.h"
#include "ussdgw/ids.h"
#include "ussdgw/lifetime.h"
#include "ussdgw/log.h"
#include "ussdgw/manual_clock.h"

using namespace ussdgw;
using namespace std::chrono_literals;

TEST_CASE("Expected carries a value or an error, never both") {
  Expected<int, std::string> good = 7;
  Expected<int, std::string> bad = std::string("no");
  CHECK(good.ok());
  CHECK(*good == 7);
  CHECK_FALSE(bad.ok());
  CHECK(bad.error() == "no");
  CHECK(bad.value_or(3) == 3);
}

TEST_CASE("ManualClock fires timers in deadline order, each at its deadline") {
  ManualClock clock;
  auto t0 = clock.now();
  std::vector<std::pair<int, Clock::SteadyTime>> fired;
  auto a = clock.make_timer();
  auto b = clock.make_timer();
  auto c = clock.make_timer();
  a->arm(t0 + 30ms, [&] { fired.emplace_back(1, clock.now()); });
  b->arm(t0 + 10ms, [&] { fired.emplace_back(2, clock.now()); });
  c->arm(t0 + 20ms, [&] { fired.emplace_back(3, clock.now()); });
  c->cancel();
  clock.tick(25ms);
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].first == 2);
  CHECK(fired[0].second == t0 + 10ms);
  CHECK(clock.now() == t0 + 25ms);
  CHECK(a->armed());
  a.reset();  // destroyed before its deadline: never fires
  clock.tick(1s);
  CHECK(fired.size() == 1);
}

TEST_CASE("ManualClock: a timer re-armed from its own callback fires again") {
  ManualClock clock;
  auto t = clock.make_timer();
  int n = 0;
  std::function<void()> again = [&] {
    if (++n < 3) t->arm(clock.now() + 5ms, again);
  };
  t->arm(clock.now() + 5ms, again);
  clock.tick(100ms);
  CHECK(n == 3);
}

TEST_CASE("Lifetime: a guarded callback does nothing once its owner is gone") {
  int calls = 0;
  std::function<void(int)> cb;
  {
    Lifetime life;
    cb = life.guard([&](int v) { calls += v; });
    cb(2);
  }
  cb(5);
  CHECK(calls == 2);
}

TEST_CASE("LocalTid leaves the top bits for the instance number") {
  LocalTid t{(3u << LocalTid::kInstanceShift) | 0x12345u};
  CHECK(t.instance() == 3);
  CHECK(t.wire().size() == 4);
  CHECK(t.wire().value() == t.value);
}

TEST_CASE("log::quote keeps a peer from forging lines or writing binary") {
  CHECK(log::quote("hello") == "\"hello\"");
  CHECK(log::quote("a\nussd NOTICE forged") == "\"a\\nussd NOTICE forged\"");
  CHECK(log::quote("q\"\\") == "\"q\\\"\\\\\"");
  CHECK(log::quote(std::string("\x01\x7f", 2)) == "\"\\x01\\x7f\"");
  CHECK(log::quote("caf\xc3\xa9") == "\"caf\xc3\xa9\"");          // valid UTF-8 kept
  CHECK(log::quote("\xff\xc3") == "\"\\xff\\xc3\"");               // invalid and truncated escaped
  CHECK(log::quote("\xed\xa0\x80") == "\"\\xed\\xa0\\x80\"");      // a surrogate is not UTF-8
  CHECK(log::quote("abcdef", 3) == "\"abc\"...");
}

TEST_CASE("log::mask_url hides credentials") {
  CHECK(log::mask_url("http://user:pass@host:8080/p?q=1") == "http://***@host:8080/p?q=1");
  CHECK(log::mask_url("https://host/p@x") == "https://host/p@x");
  CHECK(log::mask_url("not a url") == "not a url");
}

TEST_CASE("log: one line shape, levels, and repeated lines summarised per interval") {
  ManualClock clock;
  std::vector<std::string> lines;
  log::set_clock(&clock);
  log::set_sink([&](log::Level, std::string_view l) { lines.emplace_back(l); });
  log::configure({log::Level::Notice, false, 3, 10s});

  log::info("ussd", "imsi=1", "Not shown");
  log::notice("ussd", "imsi=1 session=gw-2", "Customer call failed", "deadline");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "ussd NOTICE imsi=1 session=gw-2: Customer call failed. Cause: deadline");

  for (int i = 0; i < 10; ++i) log::notice("ussd", "-", "Customer call failed");
  CHECK(lines.size() == 3);  // burst of 3 per interval
  log::error("tcap", "-", "Other event");
  CHECK(lines.size() == 4);  // other keys are not affected
  clock.tick(11s);
  log::notice("ussd", "-", "Customer call failed");
  REQUIRE(lines.size() == 6);
  CHECK(lines[4] == "ussd NOTICE -: Suppressed 8 lines like \"Customer call failed\" in the last 10 s");
  log::flush();
  CHECK(lines.size() == 6);

  log::set_sink(nullptr);
  log::set_clock(nullptr);
  log::configure({});
}
