// Shared by the fuzz targets: decoded values are touched so the optimiser
// cannot drop the work, and every successful decode is re-encoded, so the
// encoders are exercised on whatever the decoders accept.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

template <class T>
inline void touch(const T& v) {
  asm volatile("" : : "r,m"(v) : "memory");
}

// A property the target checks (a round trip): when it does not hold, abort,
// so libFuzzer keeps the input as a crash.
inline void must(bool holds) {
  if (!holds) std::abort();
}
