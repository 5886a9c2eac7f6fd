// SessionStore on an embedded SQLite file in WAL mode (docs/storage.md).
//
// Two write modes:
//  * Batched (the gateway's): begin_session/record_step/end_session only
//    append to an in-memory queue under a short mutex; no SQLite call, no I/O
//    on the caller's thread. flush() writes the whole queue in one
//    transaction and is meant to run on another thread (BatchFlusher, or a
//    worker the event loop posts to) every few tens of ms, or early when
//    `batch_records` are queued. Up to one flush interval of records is lost
//    if the process dies; that is the accepted price for audit data.
//  * Immediate (tools, tests): every call writes at once, in its own
//    transaction.
// In both modes a write that fails is counted (stats().failed) and logged
// (module "store"), never thrown (common/ussdgw/expected.h): exceptions only
// come from the constructor, i.e. at start-up.
//
// One writer process per file: session numbers are allocated in memory
// (seeded from the file at open), so two gateways must not share a file.
// Readers in other processes (ops tools) are fine.
//
// At open, after migrating, the store closes the sessions an earlier run of
// the same instance left open (a crash, kill -9) with outcome `interrupted`
// (docs/storage.md, "Sessions left open by an earlier run").
//
// The file (and its -wal and -shm) is created with mode DbOptions::file_mode,
// 0600 by default: it holds IMSIs and MSISDNs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "storage/session_store.h"
#include "storage/sqlite.h"

namespace ussdgw::storage {

enum class WriteMode { Immediate, Batched };

struct SqliteStoreOptions {
  std::string path = "ussdgw.db";  // config Storage::path
  WriteMode mode = WriteMode::Batched;
  DbOptions db;
  // The batch-ready callback fires once when this many records are queued.
  std::size_t batch_records = 1000;
  // Queue bound for when the disk stalls: records beyond it are dropped and
  // counted (stats().dropped) instead of growing memory or blocking the
  // event loop.
  std::size_t max_pending = 200'000;
  // Sessions deleted per transaction by purge_older_than(), so a large purge
  // never holds the write lock for long.
  std::size_t purge_chunk = 5000;
  // purge_expired() deletes sessions started more than this long ago
  // (config storage.retention).
  std::chrono::hours retention{24 * 30};
  // The name of this gateway instance, written into every session row
  // (ussd_session.instance). At open, only sessions of this instance are
  // closed as interrupted, so gateways sharing one database never close each
  // other's live sessions. Empty: the one gateway writing this file.
  std::string instance;
};

struct StoreStats {
  std::uint64_t written = 0;  // records committed by flushes
  std::uint64_t failed = 0;   // records a flush could not write
  std::uint64_t dropped = 0;  // records refused because the queue was full
  std::uint64_t flushes = 0;  // flushes that wrote at least one record
  // SQL statements flushes ran (INSERT/UPDATE, not BEGIN/COMMIT): one per
  // row and session, not per record, e.g. 3 for a two-step session begun
  // and ended within one batch (docs/storage.md).
  std::uint64_t statements = 0;
  // Sessions of earlier runs closed as `interrupted` when this store opened.
  std::uint64_t interrupted_at_open = 0;
};

class SqliteSessionStore final : public SessionStore {
 public:
  // Opens or creates the file, migrates it to the latest schema and closes
  // the sessions earlier runs of options.instance left open. Throws
  // SchemaTooNewError for a file written by a newer build, StorageError
  // (SqliteError) when the file cannot be opened or migrated: start-up only.
  // `clock` gives the time of those closes and the retention cutoff; it
  // must outlive the store.
  explicit SqliteSessionStore(SqliteStoreOptions options, const Clock& clock = SystemClock::instance());
  // Flushes what is still queued.
  ~SqliteSessionStore() override;
  SqliteSessionStore(const SqliteSessionStore&) = delete;
  SqliteSessionStore& operator=(const SqliteSessionStore&) = delete;

  SessionId begin_session(const SessionStart& start) override;
  void record_step(SessionId session, const StepRecord& step) override;
  void end_session(SessionId session, SessionOutcome outcome, TimePoint ended_at) override;
  FlushReport flush() override;
  [[nodiscard]] std::size_t pending() const override;
  Expected<std::uint64_t, StoreError> purge_older_than(TimePoint cutoff) override;
  Expected<std::uint64_t, StoreError> purge_expired() override;
  std::optional<SessionRecord> get_session(SessionId id) override;
  std::vector<StepRecord> list_steps(SessionId id) override;
  OutcomeCounts count_sessions_by_outcome(TimeWindow window = {}) override;

  // Called (on the thread that queued the record) once each time the queue
  // reaches batch_records; it must not block: wake a flusher, post flush().
  void set_batch_ready_callback(std::function<void()> callback);
  [[nodiscard]] StoreStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ussdgw::storage
