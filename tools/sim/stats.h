// Load-mode statistics: an HDR-like latency histogram and the report the
// load generator prints (text, or one JSON object for the benchmark scripts).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

namespace ussdgw::sim {

// Log-linear histogram of microsecond values, like HdrHistogram with two
// significant binary digits per power of two: values below 64 are exact,
// above that each power of two is split into 32 equal buckets, so a
// reported value is at most 1/32 (~3 %) above the true one. Fixed size,
// no allocation: record() is a few instructions.
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 5;  // 32 buckets per power of two
  static constexpr std::size_t kBuckets = 64 + 58 * 32;  // covers up to 2^63 us

  void record(std::uint64_t us);
  void record(std::chrono::steady_clock::duration d) {
    record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
  }
  void merge(const LatencyHistogram& o);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::uint64_t max() const { return max_; }
  [[nodiscard]] std::uint64_t min() const { return count_ ? min_ : 0; }
  [[nodiscard]] double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }
  // Nearest-rank percentile (p in 0..100]: the smallest recorded bucket
  // whose cumulative count reaches ceil(p/100 * count), reported as the
  // bucket's highest value, clamped to max(). 0 when empty.
  [[nodiscard]] std::uint64_t percentile(double p) const;

  // Bucket arithmetic, public for the tests.
  static std::size_t bucket_of(std::uint64_t v);
  static std::uint64_t bucket_high(std::size_t b);

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0, max_ = 0, min_ = UINT64_MAX, sum_ = 0;
};

struct LoadReport {
  // What was asked for.
  double target_rate = 0;
  std::uint64_t concurrency = 0;
  double duration_s = 0;
  // What happened.
  std::uint64_t started = 0;
  std::uint64_t completed = 0;  // END with the final result
  std::uint64_t failed_timeout = 0;
  std::uint64_t failed_abort = 0;  // TC-ABORT from the gateway (incl. AC refusal, SCCP return)
  std::uint64_t failed_error = 0;  // MAP returnError
  std::uint64_t failed_other = 0;  // reject, protocol, send failure, local abort
  std::uint64_t not_started_full = 0;  // a token found no free dialogue (concurrency bound)
  std::uint64_t unmatched = 0;        // answers for no known dialogue
  std::uint64_t prompts_answered = 0;
  double elapsed_s = 0;     // first BEGIN -> last outcome
  double achieved_rate = 0; // completed / elapsed_s
  double cpu_process_s = 0; // user+system of the whole process (both threads)
  double cpu_sim_thread_s = 0;  // the simulator's Asio thread alone
  LatencyHistogram dialogue_us;  // BEGIN sent -> END received
  LatencyHistogram step_us;      // each message sent -> the gateway's answer

  [[nodiscard]] std::uint64_t failed() const { return failed_timeout + failed_abort + failed_error + failed_other; }
  [[nodiscard]] std::string to_text() const;
  [[nodiscard]] std::string to_json() const;
};

}  // namespace ussdgw::sim
