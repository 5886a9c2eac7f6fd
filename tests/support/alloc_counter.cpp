#include "support/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define USSDGW_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define USSDGW_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef USSDGW_COUNT_ALLOCATIONS
#define USSDGW_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<long> g_allocations{0};
}

namespace ussdgw::test {
bool counting_allocations() { return USSDGW_COUNT_ALLOCATIONS != 0; }
long allocations() { return g_allocations.load(std::memory_order_relaxed); }
}  // namespace ussdgw::test

#if USSDGW_COUNT_ALLOCATIONS
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif
