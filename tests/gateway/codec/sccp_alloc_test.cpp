// Decoding a UDT/XUDT must not touch the heap: this binary counts calls to
// the global operator new while a decode runs.
#include <doctest/doctest.h>

#include "gateway/codec/sccp.h"
#include "sccp_vectors.h"
#include "support/alloc_counter.h"


// Not a missing prerequisite but a build flavour: under ASan, which brings
// its own allocator, nothing counts, and doctest reports the case as skipped.
TEST_CASE("decode of UDT and segmented XUDT allocates nothing" *
          doctest::skip(!ussdgw::test::counting_allocations())) {
  using namespace ussdgw;
  // UDT with GT addresses; XUDT with segmentation and importance.
  auto udt = sccp_test::hex("0981030e19" "0b12060011047228000000" "01" "0b12080011047228000000" "03" "05" "6203480101");
  auto xudt = sccp_test::hex("1181" "0f" "04061114" "024208" "0b1206001104" "214365870900" "03aabbcc" "1004c1123456" "120103" "00");
  REQUIRE(!udt.empty());
  const long before = test::allocations();
  auto a = sccp::decode(udt);
  auto b = sccp::decode(xudt);
  const long after = test::allocations();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(b->segmentation.has_value());
  CHECK(after - before == 0);
}
