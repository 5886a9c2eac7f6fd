// Helpers for the storage tests: a real SQLite file in a fresh temporary
// directory per test, and sample records with fixed, injected times.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "storage/session_store.h"
#include "storage/sqlite_session_store.h"
#include "support/temp_dir.h"
#include "ussdgw/log.h"

namespace ussdgw::storage::test {

using TempDir = ussdgw::test::TempDir;  // support/temp_dir.h

inline SqliteStoreOptions store_options(const std::string& path, WriteMode mode) {
  SqliteStoreOptions o;
  o.path = path;
  o.mode = mode;
  return o;
}
inline SqliteStoreOptions immediate(const std::string& path) { return store_options(path, WriteMode::Immediate); }
inline SqliteStoreOptions batched(const std::string& path) { return store_options(path, WriteMode::Batched); }

// The one value a query returns (a count, a pragma); throws when it
// returns no row, which fails the test that asked.
inline std::int64_t scalar(Db& db, const std::string& sql) {
  Statement s(db, sql);
  if (!s.step()) throw std::runtime_error("no row from: " + sql);
  return s.column_int64(0);
}

inline DbOptions read_only() {
  DbOptions o;
  o.read_only = true;
  return o;
}

// 2024-03-01T12:00:00Z plus `ms`: tests never read the wall clock.
inline TimePoint at(std::int64_t ms) {
  using namespace std::chrono;
  return TimePoint(duration_cast<TimePoint::duration>(milliseconds(1709294400000LL + ms)));
}

inline SessionStart sample_start(TimePoint started) {
  SessionStart s;
  s.customer = CustomerId{"acme"};
  s.imsi = Imsi{Digits("655011420096316")};
  s.msisdn = Msisdn{Digits("447700900123")};
  s.service_code = "*100#";
  s.calling_gt.assign("27831000011");
  s.called_gt.assign("447700900000");
  s.tcap_otid = *TransactionId::from_bytes(std::array<std::uint8_t, 3>{0x03, 0xb5, 0xd7});
  s.tcap_dtid = *TransactionId::from_bytes(std::array<std::uint8_t, 4>{0x00, 0x00, 0x10, 0x01});
  s.started_at = started;
  return s;
}

inline StepRecord sample_step(std::uint32_t n, TimePoint started) {
  StepRecord r;
  r.step = n;
  r.request_text = n == 1 ? "*100#" : "1";
  r.dcs = 0x0f;
  r.response_text = n == 1 ? "Choose: 1 activate, 2 status" : "Activated";
  r.action = n == 1 ? StepAction::Prompt : StepAction::Reply;
  r.customer_latency = std::chrono::milliseconds(42);
  r.outcome = StepOutcome::Answered;
  r.started_at = started;
  r.ended_at = started + std::chrono::milliseconds(50);
  return r;
}

// Captures every log line while it lives (the process's one logger), with
// the rate limit off so that counts are exact.
class LogCapture {
 public:
  LogCapture() {
    log::Options o;
    o.level = log::Level::Debug;
    o.burst = 0;
    log::configure(o);
    log::set_sink([this](log::Level, std::string_view line) { lines.emplace_back(line); });
  }
  ~LogCapture() {
    log::set_sink(nullptr);
    log::configure(log::Options{});
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  [[nodiscard]] std::size_t count(std::string_view needle) const {
    std::size_t n = 0;
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) ++n;
    return n;
  }
  std::vector<std::string> lines;
};

}  // namespace ussdgw::storage::test
