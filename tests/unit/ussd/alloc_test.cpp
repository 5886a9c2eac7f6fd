// Decoding a USSD Begin's USSD-Arg and its text must not touch the heap
// (docs/performance.md). Global operator new is replaced in this test binary
// to count allocations around the decode.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "ussd/codec/ussd_ops.h"
#include "ussd_vectors.h"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

TEST_CASE("decoding the U01 USSD Begin parameter and text makes no heap allocation") {
  using namespace ussdgw;
  const auto dir = shared_dir();
  if (!dir) {
    MESSAGE("skipped: ../shared not present");
    return;
  }
  const auto ws = ussd_test::load_hex(*dir, "wireshark_sample_ussd.hex");
  const auto& tcap = ws.at("tcap_pycrate");
  const auto ucs2 = ussd_test::hex("002a003800380023");

  const long before = g_allocations.load();
  auto param = ussd_test::tcap_first_param(ussd_test::span(tcap));
  auto arg = param ? ussd::decode_ussd_arg(*param) : Result<ussd::UssdArg>(Error{"no param", nullptr});
  bool ok = arg.ok();
  std::size_t text_len = 0;
  if (ok) {
    auto text = ussd::decode_text(arg->dcs, arg->string);
    ok = text.ok();
    if (ok) text_len = text->text.size();
  }
  auto u = ussd::decode_text(ussd::kDcsUcs2, ussd_test::span(ucs2));
  const long after = g_allocations.load();

  CHECK(ok);
  CHECK(u.ok());
  CHECK(text_len == 16);  // "*140*0761241377#"
  CHECK(after - before == 0);

  // The counter does see allocations (guards against a silently unused hook).
  const long b2 = g_allocations.load();
  std::string heap(100, 'x');
  CHECK(g_allocations.load() - b2 >= 1);
  CHECK(heap.size() == 100);
}
