// What every benchmark here measures with: the median over rounds (one slow
// round, a page-cache miss or a scheduler hiccup, does not move it) and the
// CPU time of the calling thread.
#pragma once

#include <time.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace ussdgw::bench {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// CPU time of the calling thread (user + system), in seconds.
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace ussdgw::bench
