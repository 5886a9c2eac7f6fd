// Load statistics: histogram buckets and nearest-rank percentiles.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "tools/sim/stats.h"

using ussdgw::sim::LatencyHistogram;
using ussdgw::sim::LoadReport;

TEST_CASE("buckets are exact below 64 and within 1/32 above") {
  for (std::uint64_t v = 0; v < 64; ++v) CHECK(LatencyHistogram::bucket_high(LatencyHistogram::bucket_of(v)) == v);
  for (std::uint64_t v : {64ull, 65ull, 100ull, 1000ull, 12345ull, 999999ull, 1ull << 40}) {
    auto b = LatencyHistogram::bucket_of(v);
    auto hi = LatencyHistogram::bucket_high(b);
    CHECK(hi >= v);
    CHECK(static_cast<double>(hi - v) <= static_cast<double>(v) / 32.0);
    CHECK(LatencyHistogram::bucket_of(hi) == b);
    CHECK(LatencyHistogram::bucket_of(hi + 1) == b + 1);
  }
}

TEST_CASE("percentiles follow the nearest-rank definition") {
  LatencyHistogram h;
  CHECK(h.percentile(50) == 0);
  for (std::uint64_t v = 1; v <= 50; ++v) h.record(v);  // all exact buckets
  CHECK(h.count() == 50);
  CHECK(h.percentile(50) == 25);
  CHECK(h.percentile(90) == 45);
  CHECK(h.percentile(99) == 50);
  CHECK(h.percentile(100) == 50);
  CHECK(h.max() == 50);
  CHECK(h.min() == 1);
  CHECK(h.mean() == doctest::Approx(25.5));
}

TEST_CASE("percentiles of a wide distribution agree with a sorted vector within 1/32") {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(7.0, 1.0);  // ~1 ms median in us
  std::vector<std::uint64_t> v;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    auto x = static_cast<std::uint64_t>(dist(rng));
    v.push_back(x);
    h.record(x);
  }
  std::sort(v.begin(), v.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    auto exact = v[rank - 1];
    auto got = h.percentile(p);
    CHECK(got >= exact);
    CHECK(static_cast<double>(got - exact) <= static_cast<double>(exact) / 32.0 + 1);
  }
  CHECK(h.percentile(100) == v.back());
}

TEST_CASE("merge adds counts; the report renders as JSON") {
  LatencyHistogram a, b;
  a.record(10);
  b.record(1000);
  a.merge(b);
  CHECK(a.count() == 2);
  CHECK(a.max() == 1000);
  LoadReport r;
  r.started = 3;
  r.completed = 2;
  r.failed_timeout = 1;
  r.dialogue_us = a;
  auto j = r.to_json();
  CHECK(j.front() == '{');
  CHECK(j.back() == '}');
  CHECK(j.find("\"completed\":2") != std::string::npos);
  CHECK(j.find("\"failed\":1") != std::string::npos);
  CHECK(j.find("\"latency_dialogue\":{\"count\":2") != std::string::npos);
}
