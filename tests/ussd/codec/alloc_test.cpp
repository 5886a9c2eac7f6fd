// Decoding a USSD Begin's USSD-Arg and its text must not touch the heap
// (docs/performance.md). Global operator new is replaced in this test binary
// to count allocations around the decode.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "ussd/codec/ussd_ops.h"
#include "support/alloc_counter.h"
#include "ussd_vectors.h"

// Under ASan nothing counts allocations: doctest reports the case as skipped.
TEST_CASE("decoding the U01 USSD Begin parameter and text makes no heap allocation" *
          doctest::skip(!ussdgw::test::counting_allocations())) {
  using namespace ussdgw;
  const auto dir = shared_dir();
  if (!dir) return;
  const auto ws = ussd_test::load_hex(*dir, "wireshark_sample_ussd.hex");
  const auto& tcap = ws.at("tcap_pycrate");
  const auto ucs2 = ussd_test::hex("002a003800380023");

  const long before = test::allocations();
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
  const long after = test::allocations();

  CHECK(ok);
  CHECK(u.ok());
  CHECK(text_len == 16);  // "*140*0761241377#"
  CHECK(after - before == 0);

  // The counter does see allocations (guards against a silently unused hook).
  const long b2 = test::allocations();
  std::string heap(100, 'x');
  CHECK(test::allocations() - b2 >= 1);
  CHECK(heap.size() == 100);
}
