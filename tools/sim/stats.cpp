#include "tools/sim/stats.h"

#include <bit>
#include <cmath>
#include <cstdio>

namespace ussdgw::sim {

std::size_t LatencyHistogram::bucket_of(std::uint64_t v) {
  if (v < 64) return static_cast<std::size_t>(v);
  // msb >= 6; keep the top kSubBits+1 bits: sub in [32, 63].
  int msb = 63 - std::countl_zero(v);
  int shift = msb - kSubBits;
  std::uint64_t sub = v >> shift;
  return 64 + static_cast<std::size_t>(shift - 1) * 32 + static_cast<std::size_t>(sub - 32);
}

std::uint64_t LatencyHistogram::bucket_high(std::size_t b) {
  if (b < 64) return b;
  std::size_t shift = (b - 64) / 32 + 1;
  std::uint64_t sub = (b - 64) % 32 + 32;
  return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t us) {
  std::size_t b = bucket_of(us);
  if (b >= kBuckets) b = kBuckets - 1;
  ++counts_[b];
  ++count_;
  sum_ += us;
  if (us > max_) max_ = us;
  if (us < min_) min_ = us;
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  if (o.max_ > max_) max_ = o.max_;
  if (o.count_ && o.min_ < min_) min_ = o.min_;
}

std::uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  double want = std::ceil(p / 100.0 * static_cast<double>(count_));
  std::uint64_t rank = want < 1 ? 1 : static_cast<std::uint64_t>(want);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) return std::min(bucket_high(b), max_);
  }
  return max_;
}

namespace {

std::string ms(std::uint64_t us) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", static_cast<double>(us) / 1000.0);
  return b;
}

std::string hist_text(const char* name, const LatencyHistogram& h) {
  return std::string(name) + " ms: n=" + std::to_string(h.count()) + " p50=" + ms(h.percentile(50)) +
         " p90=" + ms(h.percentile(90)) + " p99=" + ms(h.percentile(99)) + " p99.9=" + ms(h.percentile(99.9)) +
         " max=" + ms(h.max()) + "\n";
}

std::string hist_json(const LatencyHistogram& h) {
  return "{\"count\":" + std::to_string(h.count()) + ",\"p50_ms\":" + ms(h.percentile(50)) +
         ",\"p90_ms\":" + ms(h.percentile(90)) + ",\"p99_ms\":" + ms(h.percentile(99)) +
         ",\"p999_ms\":" + ms(h.percentile(99.9)) + ",\"max_ms\":" + ms(h.max()) + "}";
}

std::string num(double v) {
  char b[48];
  std::snprintf(b, sizeof b, "%.3f", v);
  return b;
}

}  // namespace

std::string LoadReport::to_text() const {
  std::string s;
  s += "target: " + num(target_rate) + " dialogues/s, concurrency " + std::to_string(concurrency) + ", duration " +
       num(duration_s) + " s\n";
  s += "dialogues: started=" + std::to_string(started) + " completed=" + std::to_string(completed) +
       " failed=" + std::to_string(failed()) + " (timeout=" + std::to_string(failed_timeout) +
       " abort=" + std::to_string(failed_abort) + " error=" + std::to_string(failed_error) +
       " other=" + std::to_string(failed_other) + ")\n";
  s += "prompts answered=" + std::to_string(prompts_answered) + " concurrency-limited=" +
       std::to_string(not_started_full) + " unmatched=" + std::to_string(unmatched) + "\n";
  s += "achieved: " + num(achieved_rate) + " dialogues/s over " + num(elapsed_s) + " s\n";
  s += hist_text("latency dialogue", dialogue_us);
  s += hist_text("latency step", step_us);
  s += "cpu: process " + num(cpu_process_s) + " s, sim thread " + num(cpu_sim_thread_s) + " s\n";
  return s;
}

std::string LoadReport::to_json() const {
  std::string s = "{";
  s += "\"target_rate\":" + num(target_rate);
  s += ",\"concurrency\":" + std::to_string(concurrency);
  s += ",\"duration_s\":" + num(duration_s);
  s += ",\"started\":" + std::to_string(started);
  s += ",\"completed\":" + std::to_string(completed);
  s += ",\"failed\":" + std::to_string(failed());
  s += ",\"failed_timeout\":" + std::to_string(failed_timeout);
  s += ",\"failed_abort\":" + std::to_string(failed_abort);
  s += ",\"failed_error\":" + std::to_string(failed_error);
  s += ",\"failed_other\":" + std::to_string(failed_other);
  s += ",\"not_started_full\":" + std::to_string(not_started_full);
  s += ",\"unmatched\":" + std::to_string(unmatched);
  s += ",\"prompts_answered\":" + std::to_string(prompts_answered);
  s += ",\"elapsed_s\":" + num(elapsed_s);
  s += ",\"achieved_rate\":" + num(achieved_rate);
  s += ",\"cpu_process_s\":" + num(cpu_process_s);
  s += ",\"cpu_sim_thread_s\":" + num(cpu_sim_thread_s);
  s += ",\"latency_dialogue\":" + hist_json(dialogue_us);
  s += ",\"latency_step\":" + hist_json(step_us);
  s += "}";
  return s;
}

}  // namespace ussdgw::sim
