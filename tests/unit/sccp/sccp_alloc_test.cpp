// Decoding a UDT/XUDT must not touch the heap: this binary counts calls to
// the global operator new while a decode runs.
#include <doctest/doctest.h>

#include <cstdlib>
#include <new>

#include "gateway/codec/sccp.h"
#include "sccp_vectors.h"

// ASan brings its own operator new/delete; replacing them there would
// mismatch its bookkeeping, so the count runs only in plain builds.
#if defined(__SANITIZE_ADDRESS__)
#define SCCP_COUNT_ALLOCATIONS 0
#else
#define SCCP_COUNT_ALLOCATIONS 1
#endif

namespace {
bool g_counting = false;
std::size_t g_allocations = 0;
}  // namespace

#if SCCP_COUNT_ALLOCATIONS
void* operator new(std::size_t n) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

TEST_CASE("decode of UDT and segmented XUDT allocates nothing") {
  using namespace ussdgw;
  if (!SCCP_COUNT_ALLOCATIONS) {
    MESSAGE("skipped: allocation count needs a build without ASan");
    return;
  }
  // UDT with GT addresses; XUDT with segmentation and importance.
  auto udt = sccp_test::hex("0981030e19" "0b12060011047228000000" "01" "0b12080011047228000000" "03" "05" "6203480101");
  auto xudt = sccp_test::hex("1181" "0f" "04061114" "024208" "0b1206001104" "214365870900" "03aabbcc" "1004c1123456" "120103" "00");
  REQUIRE(!udt.empty());
  g_allocations = 0;
  g_counting = true;
  auto a = sccp::decode(udt);
  auto b = sccp::decode(xudt);
  g_counting = false;
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(b->segmentation.has_value());
  CHECK(g_allocations == 0);
}
