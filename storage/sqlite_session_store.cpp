// g++ 12 at -O2 reports std::optional<std::string_view> members of
// StartTexts as "may be used uninitialized" when they are appended: the
// long-standing false positive of GCC bug 80635 (optional's payload is only
// read when engaged). Kept local to this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "storage/sqlite_session_store.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "storage/schema.h"
#include "ussdgw/log.h"

namespace ussdgw::storage {

namespace {

// ---------------------------------------------------------------- statements

enum class Stmt : std::size_t {
  InsertSession,
  InsertStep,
  EndSession,
  AddSteps,
  SelectSession,
  SelectSteps,
  CountByOutcome,
  PurgeChunk,
  HighestId,
  CloseInterrupted,
  Count_,
};
constexpr std::size_t kStmtCount = static_cast<std::size_t>(Stmt::Count_);
using Statements = StatementTable<Stmt, kStmtCount>;

constexpr std::array<Statements::Entry, kStmtCount> kSql{{
    // With ended_at, outcome and steps: a session begun and ended within one
    // batch is this one statement.
    {Stmt::InsertSession,
     "INSERT INTO ussd_session (id, customer, imsi, msisdn, service_code, calling_gt, called_gt,"
     " tcap_otid, tcap_dtid, started_at, ended_at, outcome, steps, instance)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"},
    {Stmt::InsertStep,
     "INSERT INTO ussd_step (session, step, request_text, dcs, response_text, action, map_error,"
     " customer_latency_ms, outcome, started_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
    // "outcome IS NULL": a session ends once; a second end is a caller bug.
    // ?4: the steps of the session written in the same batch.
    {Stmt::EndSession,
     "UPDATE ussd_session SET ended_at = ?2, outcome = ?3, steps = steps + ?4 WHERE id = ?1 AND outcome IS NULL"},
    {Stmt::AddSteps, "UPDATE ussd_session SET steps = steps + ?2 WHERE id = ?1"},
    {Stmt::SelectSession,
     "SELECT id, customer, imsi, msisdn, service_code, calling_gt, called_gt, tcap_otid, tcap_dtid,"
     " started_at, ended_at, outcome, steps FROM ussd_session WHERE id = ?1"},
    {Stmt::SelectSteps,
     "SELECT step, request_text, dcs, response_text, action, map_error, customer_latency_ms, outcome,"
     " started_at, ended_at FROM ussd_step WHERE session = ?1 ORDER BY step"},
    {Stmt::CountByOutcome,
     "SELECT outcome, count(*) FROM ussd_session WHERE started_at >= ?1 AND started_at < ?2 GROUP BY outcome"},
    // No DELETE ... LIMIT in stock SQLite builds; the subquery walks the
    // started_at index.
    {Stmt::PurgeChunk,
     "DELETE FROM ussd_session WHERE id IN (SELECT id FROM ussd_session WHERE started_at < ?1 LIMIT ?2)"},
    // sqlite_sequence remembers numbers of purged sessions too.
    {Stmt::HighestId,
     "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'ussd_session'), 0),"
     " coalesce((SELECT max(id) FROM ussd_session), 0))"},
    // At open, before this run has queued anything: every open session of
    // this instance was left by an earlier run (walks idx_ussd_session_open).
    {Stmt::CloseInterrupted,
     "UPDATE ussd_session SET ended_at = ?2, outcome = 'interrupted' WHERE instance = ?1 AND outcome IS NULL"},
}};
static_assert(Statements::in_order(kSql), "kSql must list the statements in Stmt order");

constexpr int kSessionColumns = 14;  // parameters of InsertSession
constexpr int kStepColumns = 11;     // parameters of InsertStep
// Rows per multi-row INSERT: each execution of an INSERT into these tables
// has a fixed cost (among others, SQLite builds a lookup table for each IN
// list of the CHECK constraints), shared by the rows of one statement.
constexpr std::size_t kRowsPerInsert = 32;

// The single-row INSERT `sql` ("... VALUES (?1, ..., ?N)") for
// kRowsPerInsert rows: VALUES (?1..?N), (?N+1..?2N), ...
std::string multi_row(std::string_view sql, int columns) {
  std::string s(sql.substr(0, sql.find("VALUES")));
  s += "VALUES ";
  for (std::size_t row = 0; row < kRowsPerInsert; ++row) {
    s += row ? ", (" : "(";
    for (int c = 1; c <= columns; ++c) {
      if (c > 1) s += ", ";
      s += "?" + std::to_string(static_cast<int>(row) * columns + c);
    }
    s += ")";
  }
  return s;
}

// ---------------------------------------------------------------- conversions

std::int64_t to_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

Blob blob(const TransactionId& t) { return t.bytes(); }

std::optional<std::string_view> digits(const std::optional<Imsi>& v) {
  if (!v) return std::nullopt;
  return v->digits.view();
}
std::optional<std::string_view> digits(const std::optional<Msisdn>& v) {
  if (!v) return std::nullopt;
  return v->digits.view();
}

TransactionId read_tid(const Statement& s, int column) {
  auto t = TransactionId::from_bytes(s.column_blob(column));
  // The schema's CHECK keeps lengths at 1..4; anything else is a foreign write.
  if (!t) throw StorageError("ussd_session: TCAP transaction id of bad length");
  return *t;
}

template <class E>
E read_enum(std::optional<E> v, std::string_view column, std::string_view text) {
  if (!v) throw StorageError(std::string(column) + ": unknown value '" + std::string(text) + "'");
  return *v;
}

// ---------------------------------------------------------------- queue
//
// Queued records hold no std::string: their texts are copied into the text
// arena of the chunk they sit in and referred to by offset, so queueing a
// record allocates nothing once chunks are recycled (the flusher hands its
// chunks back, emptied but with their capacity, after each flush).

struct TextRef {
  static constexpr std::uint32_t kAbsent = 0xffff'ffff;
  std::uint32_t offset = 0;
  std::uint32_t size = kAbsent;
  [[nodiscard]] bool present() const { return size != kAbsent; }
};

struct QueuedBegin {
  std::int64_t id;
  TextRef customer, imsi, msisdn, service_code, calling_gt, called_gt;
  TransactionId otid;
  std::optional<TransactionId> dtid;
  std::int64_t started_ms;
};
struct QueuedStep {
  std::int64_t id;
  std::uint32_t step;
  TextRef request_text, response_text;
  std::uint8_t dcs;
  std::optional<StepAction> action;
  std::optional<std::uint8_t> map_error;
  std::optional<std::int64_t> latency_ms;
  StepOutcome outcome;
  std::int64_t started_ms, ended_ms;
};
struct QueuedEnd {
  std::int64_t id;
  SessionOutcome outcome;
  std::int64_t ended_ms;
};
using Record = std::variant<QueuedBegin, QueuedStep, QueuedEnd>;
static_assert(std::is_trivially_destructible_v<Record>);

constexpr std::size_t kChunkRecords = 512;
constexpr std::size_t kChunkText = 32 * 1024;
// Emptied chunks kept for reuse: enough for 8k records per flush without
// allocating; a larger burst allocates and the extra chunks are freed.
constexpr std::size_t kSpareChunks = 16;

struct Chunk {
  std::vector<Record> records;  // never beyond kChunkRecords: never reallocates
  std::string text;             // beyond kChunkText only for one huge record

  Chunk() {
    records.reserve(kChunkRecords);
    text.reserve(kChunkText);
  }
  [[nodiscard]] bool fits(std::size_t text_bytes) const {
    if (records.size() >= kChunkRecords) return false;
    return records.empty() || text.size() + text_bytes <= text.capacity();
  }
  TextRef add(std::string_view s) {
    TextRef r{static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(s.size())};
    text.append(s);
    return r;
  }
  TextRef add(const std::optional<std::string_view>& s) { return s ? add(*s) : TextRef{}; }
  [[nodiscard]] std::optional<std::string_view> get(TextRef r) const {
    if (!r.present()) return std::nullopt;
    return std::string_view(text.data() + r.offset, r.size);
  }
  [[nodiscard]] std::string_view get_text(TextRef r) const { return get(r).value_or(std::string_view()); }
};

struct Queue {
  std::vector<std::unique_ptr<Chunk>> chunks;
  std::size_t size = 0;
};

std::optional<std::string_view> text_of(const std::optional<CustomerId>& c) {
  if (!c) return std::nullopt;
  return c->value;
}
std::optional<std::string_view> text_of(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return *s;
}
std::size_t length_of(const std::optional<std::string_view>& s) { return s ? s->size() : 0; }

// The texts of a session start and a step, in one place for sizing and copying.
struct StartTexts {
  std::optional<std::string_view> customer, imsi, msisdn;
  std::string_view service_code, calling_gt, called_gt;
  explicit StartTexts(const SessionStart& s)
      : customer(text_of(s.customer)),
        imsi(digits(s.imsi)),
        msisdn(digits(s.msisdn)),
        service_code(s.service_code),
        calling_gt(s.calling_gt.view()),
        called_gt(s.called_gt.view()) {}
  [[nodiscard]] std::size_t bytes() const {
    return length_of(customer) + length_of(imsi) + length_of(msisdn) + service_code.size() + calling_gt.size() +
           called_gt.size();
  }
};

// A text this long cannot be a USSD record; refused rather than wrapping the
// 32-bit offsets.
constexpr std::size_t kMaxRecordText = 64u * 1024 * 1024;

}  // namespace

struct SqliteSessionStore::Impl {
  SqliteStoreOptions options;
  const Clock& clock;
  std::string log_context;  // "db=PATH" (and " instance=NAME")
  // Lock order: db_mutex before queue_mutex. The event loop only ever takes
  // queue_mutex, and only to copy one record into the queue.
  std::mutex db_mutex;
  Db db;
  Statements stmt;
  Statement insert_sessions;  // InsertSession for kRowsPerInsert rows
  Statement insert_steps;     // InsertStep for kRowsPerInsert rows
  std::atomic<std::int64_t> last_id{0};

  mutable std::mutex queue_mutex;
  // Chunks, not one vector: when the writer falls behind and the queue grows
  // large, queueing never moves the queued records (a vector's reallocation
  // would, while holding the lock the event loop needs).
  Queue queue;
  std::vector<std::unique_ptr<Chunk>> spare;  // emptied chunks for reuse
  bool batch_signalled = false;
  std::function<void()> on_batch_ready;
  StoreStats stats;

  Impl(SqliteStoreOptions o, const Clock& c)
      : options(std::move(o)),
        clock(c),
        log_context("db=" + options.path + (options.instance.empty() ? "" : " instance=" + options.instance)),
        db(open_migrated(options)),
        stmt(db, kSql),
        insert_sessions(db, multi_row(kSql[static_cast<std::size_t>(Stmt::InsertSession)].sql, kSessionColumns), true),
        insert_steps(db, multi_row(kSql[static_cast<std::size_t>(Stmt::InsertStep)].sql, kStepColumns), true) {
    {
      StatementUse s(stmt[Stmt::HighestId]);
      s->step();
      last_id = s->column_int64(0);
    }
    close_interrupted();
  }

  // Sessions an earlier run of this instance left open are closed, so that
  // `outcome IS NULL` only ever means "running now" (issue 7 item 12).
  void close_interrupted() {
    Transaction tx(db);
    StatementUse q(stmt[Stmt::CloseInterrupted]);
    q->bind_all(std::string_view(options.instance), to_ms(clock.wall_now()));
    q->run();
    stats.interrupted_at_open = static_cast<std::uint64_t>(db.changes());
    tx.commit();
    if (stats.interrupted_at_open)
      log::notice("store", log_context,
                  "Closed " + std::to_string(stats.interrupted_at_open) + " sessions as interrupted",
                  "an earlier run stopped before recording their end");
  }

  static Db open_migrated(const SqliteStoreOptions& o) {
    Db db = Db::open(o.path, o.db);
    migrate(db);
    return db;
  }

  // ------------------------------------------------ queue (caller's thread)

  // The chunk the next record of `text_bytes` bytes of text goes to
  // (queue_mutex held).
  Chunk& chunk_for(Queue& q, std::size_t text_bytes) {
    if (q.chunks.empty() || !q.chunks.back()->fits(text_bytes)) {
      if (!spare.empty()) {
        q.chunks.push_back(std::move(spare.back()));
        spare.pop_back();
      } else {
        q.chunks.push_back(std::make_unique<Chunk>());
      }
    }
    return *q.chunks.back();
  }

  static void put(Chunk& c, std::int64_t id, const SessionStart& s, const StartTexts& t) {
    QueuedBegin r{};
    r.id = id;
    r.customer = c.add(t.customer);
    r.imsi = c.add(t.imsi);
    r.msisdn = c.add(t.msisdn);
    r.service_code = c.add(t.service_code);
    r.calling_gt = c.add(t.calling_gt);
    r.called_gt = c.add(t.called_gt);
    r.otid = s.tcap_otid;
    r.dtid = s.tcap_dtid;
    r.started_ms = to_ms(s.started_at);
    c.records.emplace_back(r);
  }

  static void put(Chunk& c, std::int64_t id, const StepRecord& s) {
    QueuedStep r{};
    r.id = id;
    r.step = s.step;
    r.request_text = c.add(std::string_view(s.request_text));
    r.response_text = c.add(text_of(s.response_text));
    r.dcs = s.dcs;
    r.action = s.action;
    r.map_error = s.map_error;
    if (s.customer_latency) r.latency_ms = s.customer_latency->count();
    r.outcome = s.outcome;
    r.started_ms = to_ms(s.started_at);
    r.ended_ms = to_ms(s.ended_at);
    c.records.emplace_back(r);
  }

  static void put(Chunk& c, const QueuedEnd& e) { c.records.emplace_back(e); }

  // Queues one record; `fill(chunk)` appends it to the chunk it is given.
  template <class Fill>
  void submit(std::size_t text_bytes, Fill&& fill) {
    if (text_bytes > kMaxRecordText) {
      dropped("a record's texts exceed " + std::to_string(kMaxRecordText) + " octets");
      return;
    }
    if (options.mode == WriteMode::Immediate) {
      Queue one;
      one.chunks.push_back(std::make_unique<Chunk>());
      fill(*one.chunks.back());
      one.size = 1;
      std::lock_guard lock(db_mutex);
      FlushReport report;
      write_batch(one, report);
      account(report);
      return;
    }
    std::function<void()> signal;
    {
      std::unique_lock lock(queue_mutex);
      if (queue.size >= options.max_pending) {
        lock.unlock();
        dropped("the queue holds max_pending (" + std::to_string(options.max_pending) +
                ") records: the writer is behind");
        return;
      }
      fill(chunk_for(queue, text_bytes));
      ++queue.size;
      if (!batch_signalled && queue.size >= options.batch_records && on_batch_ready) {
        batch_signalled = true;
        signal = on_batch_ready;
      }
    }
    // Outside the lock: the callback may take its own locks.
    if (signal) signal();
  }

  // A record refused before it was queued. The logger's rate limit keeps a
  // stalled disk from flooding the log.
  void dropped(const std::string& cause) {
    {
      std::lock_guard lock(queue_mutex);
      ++stats.dropped;
    }
    log::error("store", log_context, "Session record dropped", cause);
  }

  // Counts what a write did and logs its failures (db_mutex held).
  void account(const FlushReport& report) {
    {
      std::lock_guard lock(queue_mutex);
      stats.written += report.written;
      stats.failed += report.failed;
      if (report.written) ++stats.flushes;
    }
    // A fixed sentence, so the logger's rate limit applies to all of them.
    if (report.failed)
      log::error("store", log_context, "Session records not written",
                 std::to_string(report.failed) + " failed, the first with " + report.first_error);
  }

  FlushReport flush() {
    std::lock_guard db_lock(db_mutex);  // also keeps concurrent flushes in order
    Queue batch;
    {
      std::lock_guard lock(queue_mutex);
      std::swap(batch, queue);
      batch_signalled = false;
    }
    FlushReport report;
    std::uint64_t statements_before = statements;
    if (batch.size) write_batch(batch, report);
    // Hand the chunks back for reuse; free the ones beyond the spare pool
    // outside the lock.
    for (auto& c : batch.chunks) {
      c->records.clear();
      c->text.clear();
    }
    {
      std::lock_guard lock(queue_mutex);
      while (!batch.chunks.empty() && spare.size() < kSpareChunks) {
        spare.push_back(std::move(batch.chunks.back()));
        batch.chunks.pop_back();
      }
      stats.statements += statements - statements_before;
    }
    account(report);
    return report;
  }

  // ------------------------------------------------ writes (db_mutex held)
  //
  // A batch is written with one statement per row and session, not per
  // record, and rows go in multi-row INSERTs:
  //  1. sessions begun in this batch: one row each, carrying the number of
  //     its steps in the batch and, when its end is queued in the same batch,
  //     ended_at and outcome (no UPDATE later);
  //  2. every step row;
  //  3. ends of sessions begun in earlier batches: one UPDATE each, which also
  //     adds the session's steps written in step 2; then one UPDATE of the
  //     step count for each earlier session still open that got steps.
  // ussd_session.steps is kept here, not by a trigger (migration 002).
  // Sessions begin before their steps and end records in the queue, so
  // writing by kind keeps every row's parent ahead of it.
  //
  // A multi-row INSERT that fails (one bad record) is undone as a whole and
  // its rows are written again one by one, so the bad record fails alone
  // with its own error, as with single-row statements.

  std::uint64_t statements = 0;  // statements run by writes, for stats()

  // What the batch holds about a session begun in it.
  struct Begun {
    std::size_t begin_pos = 0;
    const QueuedEnd* end = nullptr;  // the end record merged into the INSERT
    std::size_t end_pos = 0;
    std::int64_t steps = 0;  // step records queued after the begin
    bool inserted = false;
  };
  struct SessionRow {
    const Chunk* chunk;
    const QueuedBegin* begin;
    Begun* owner;  // null for a second begin of one id (written as is: fails)
  };
  struct StepRow {
    const Chunk* chunk;
    const QueuedStep* step;
    std::size_t pos;
  };

  void run(Statement& s) {
    ++statements;
    s.run();
  }

  // Binds session row `r` to parameters base+1..base+kSessionColumns.
  void bind_session(Statement& q, int base, const SessionRow& r) const {
    const Chunk& c = *r.chunk;
    const QueuedBegin& b = *r.begin;
    q.bind(base + 1, b.id);
    bind_text(q, base + 2, c.get(b.customer));
    bind_text(q, base + 3, c.get(b.imsi));
    bind_text(q, base + 4, c.get(b.msisdn));
    q.bind_static(base + 5, c.get_text(b.service_code));
    q.bind_static(base + 6, c.get_text(b.calling_gt));
    q.bind_static(base + 7, c.get_text(b.called_gt));
    q.bind_static(base + 8, blob(b.otid));
    if (b.dtid) q.bind_static(base + 9, blob(*b.dtid));
    q.bind(base + 10, b.started_ms);
    if (r.owner && r.owner->end) {
      q.bind(base + 11, r.owner->end->ended_ms);
      q.bind_static(base + 12, to_string(r.owner->end->outcome));
    }
    q.bind(base + 13, r.owner ? r.owner->steps : std::int64_t{0});
    q.bind_static(base + 14, std::string_view(options.instance));
  }

  static void bind_step(Statement& q, int base, const StepRow& r) {
    const Chunk& c = *r.chunk;
    const QueuedStep& s = *r.step;
    q.bind(base + 1, s.id);
    q.bind(base + 2, s.step);
    q.bind_static(base + 3, c.get_text(s.request_text));
    q.bind(base + 4, s.dcs);
    bind_text(q, base + 5, c.get(s.response_text));
    if (s.action) q.bind_static(base + 6, to_string(*s.action));
    if (s.map_error) q.bind(base + 7, *s.map_error);
    if (s.latency_ms) q.bind(base + 8, *s.latency_ms);
    q.bind_static(base + 9, to_string(s.outcome));
    q.bind(base + 10, s.started_ms);
    q.bind(base + 11, s.ended_ms);
  }

  // Unbound parameters are NULL. Texts live in the batch's chunks (or are
  // static enum spellings) until the statement is reset: no copy.
  static void bind_text(Statement& q, int index, std::optional<std::string_view> v) {
    if (v) q.bind_static(index, *v);
  }

  // Writes `rows` with kRowsPerInsert-row INSERTs and single-row ones for
  // the rest; on_row(row, ok, error) is told the fate of each row.
  template <class Row, class Bind, class OnRow>
  void insert_rows(const std::vector<Row>& rows, Statement& many, Statement& one, Bind bind, int columns,
                   OnRow on_row) {
    std::size_t i = 0;
    for (; i + kRowsPerInsert <= rows.size(); i += kRowsPerInsert) {
      try {
        StatementUse q(many);
        for (std::size_t k = 0; k < kRowsPerInsert; ++k) bind(*q, static_cast<int>(k) * columns, rows[i + k]);
        run(*q);
        for (std::size_t k = 0; k < kRowsPerInsert; ++k) on_row(rows[i + k], nullptr);
        continue;
      } catch (const StorageError&) {
        if (db.autocommit()) throw;  // the whole transaction is gone
      }
      // Undone as a whole: find the bad row(s) one by one.
      for (std::size_t k = 0; k < kRowsPerInsert; ++k) insert_one(rows[i + k], one, bind, on_row);
    }
    for (; i < rows.size(); ++i) insert_one(rows[i], one, bind, on_row);
  }

  template <class Row, class Bind, class OnRow>
  void insert_one(const Row& row, Statement& one, Bind bind, OnRow on_row) {
    try {
      StatementUse q(one);
      bind(*q, 0, row);
      run(*q);
    } catch (const StorageError& e) {
      if (db.autocommit()) throw;
      on_row(row, &e);
      return;
    }
    on_row(row, nullptr);
  }

  void end_session(const QueuedEnd& e, std::int64_t add_steps) {
    StatementUse q(stmt[Stmt::EndSession]);
    q->bind_all(e.id, e.ended_ms, to_string(e.outcome), add_steps);
    run(*q);
    if (db.changes() == 0)
      throw StorageError("end_session: no open session " + std::to_string(e.id) + " in " + db.path());
  }

  void add_steps(std::int64_t id, std::int64_t n) {
    StatementUse q(stmt[Stmt::AddSteps]);
    q->bind_all(id, n);
    run(*q);
  }

  // SQLite reports through exceptions (storage/sqlite.h); this is where
  // they become counts and the first error text of the report.
  void write_batch(const Queue& batch, FlushReport& report) {
    auto note = [&](const std::exception& e) {
      if (report.first_error.empty()) report.first_error = e.what();
    };

    // Sort the records by kind, and find sessions begun in this batch with
    // their steps and their end.
    std::unordered_map<std::int64_t, Begun> begun;
    begun.reserve(batch.size / 2 + 1);
    std::vector<SessionRow> sessions;
    std::vector<StepRow> steps;
    std::vector<const QueuedEnd*> ends;  // not merged into an INSERT
    sessions.reserve(batch.size / 3 + 1);
    steps.reserve(batch.size / 2 + 1);
    std::size_t pos = 0;
    for (const auto& c : batch.chunks) {
      for (const Record& rec : c->records) {
        if (const auto* b = std::get_if<QueuedBegin>(&rec)) {
          auto [it, fresh] = begun.try_emplace(b->id, Begun{pos});
          sessions.push_back({c.get(), b, fresh ? &it->second : nullptr});
        } else if (const auto* s = std::get_if<QueuedStep>(&rec)) {
          if (auto it = begun.find(s->id); it != begun.end()) ++it->second.steps;
          steps.push_back({c.get(), s, pos});
        } else {
          const auto& e = std::get<QueuedEnd>(rec);
          if (auto it = begun.find(e.id); it != begun.end() && !it->second.end) {
            it->second.end = &e;
            it->second.end_pos = pos;
          } else {
            ends.push_back(&e);
          }
        }
        ++pos;
      }
    }

    // Net change of ussd_session.steps still to write, per session: steps
    // written for sessions whose INSERT did not count them, minus steps an
    // INSERT counted that then failed.
    std::unordered_map<std::int64_t, std::int64_t> adjust;

    try {
      Transaction tx(db);
      insert_rows(sessions, insert_sessions, stmt[Stmt::InsertSession],
                  [this](Statement& q, int base, const SessionRow& r) { bind_session(q, base, r); }, kSessionColumns,
                  [&](const SessionRow& r, const std::exception* e) {
                    std::size_t records = r.owner && r.owner->end ? 2 : 1;  // the merged end shares the row's fate
                    if (e) {
                      report.failed += records;
                      note(*e);
                      return;
                    }
                    report.written += records;
                    if (r.owner) r.owner->inserted = true;
                  });
      insert_rows(steps, insert_steps, stmt[Stmt::InsertStep], bind_step, kStepColumns,
                  [&](const StepRow& r, const std::exception* e) {
                    auto it = begun.find(r.step->id);
                    bool counted = it != begun.end() && it->second.inserted && it->second.begin_pos < r.pos;
                    if (e) {
                      report.failed += 1;
                      note(*e);
                      if (counted) --adjust[r.step->id];
                      return;
                    }
                    report.written += 1;
                    if (!counted) ++adjust[r.step->id];
                  });
      for (const QueuedEnd* e : ends) {
        try {
          auto a = adjust.find(e->id);
          end_session(*e, a == adjust.end() ? 0 : a->second);
          if (a != adjust.end()) adjust.erase(a);
          report.written += 1;
        } catch (const StorageError& x) {
          if (db.autocommit()) throw;
          report.failed += 1;
          note(x);
        }
      }
      for (const auto& [id, n] : adjust) {
        if (n == 0) continue;
        try {
          add_steps(id, n);
        } catch (const StorageError& x) {
          if (db.autocommit()) throw;
          note(x);
        }
      }
      tx.commit();
    } catch (const StorageError& e) {
      note(e);
      report.failed = batch.size;
      report.written = 0;
    }
  }

  // ------------------------------------------------ reads (db_mutex held)

  std::optional<SessionRecord> get_session(SessionId id) {
    StatementUse q(stmt[Stmt::SelectSession]);
    q->bind(1, id.value);
    if (!q->step()) return std::nullopt;
    SessionRecord r;
    r.id = SessionId{q->column_int64(0)};
    SessionStart& s = r.start;
    if (auto c = q->column_optional_text(1)) s.customer = CustomerId{std::move(*c)};
    if (!q->is_null(2)) s.imsi = Imsi{Digits(q->column_text(2))};
    if (!q->is_null(3)) s.msisdn = Msisdn{Digits(q->column_text(3))};
    s.service_code = std::string(q->column_text(4));
    s.calling_gt.assign(q->column_text(5));
    s.called_gt.assign(q->column_text(6));
    s.tcap_otid = read_tid(*q, 7);
    if (!q->is_null(8)) s.tcap_dtid = read_tid(*q, 8);
    s.started_at = from_ms(q->column_int64(9));
    if (auto t = q->column_optional_int64(10)) r.ended_at = from_ms(*t);
    if (!q->is_null(11))
      r.outcome = read_enum(session_outcome_from_string(q->column_text(11)), "ussd_session.outcome", q->column_text(11));
    r.steps = static_cast<std::uint32_t>(q->column_int64(12));
    return r;
  }

  std::vector<StepRecord> list_steps(SessionId id) {
    StatementUse q(stmt[Stmt::SelectSteps]);
    q->bind(1, id.value);
    std::vector<StepRecord> steps;
    while (q->step()) {
      StepRecord r;
      r.step = static_cast<std::uint32_t>(q->column_int64(0));
      r.request_text = std::string(q->column_text(1));
      r.dcs = static_cast<std::uint8_t>(q->column_int64(2));
      r.response_text = q->column_optional_text(3);
      if (!q->is_null(4))
        r.action = read_enum(step_action_from_string(q->column_text(4)), "ussd_step.action", q->column_text(4));
      if (auto e = q->column_optional_int64(5)) r.map_error = static_cast<std::uint8_t>(*e);
      if (auto l = q->column_optional_int64(6)) r.customer_latency = std::chrono::milliseconds(*l);
      r.outcome = read_enum(step_outcome_from_string(q->column_text(7)), "ussd_step.outcome", q->column_text(7));
      r.started_at = from_ms(q->column_int64(8));
      r.ended_at = from_ms(q->column_int64(9));
      steps.push_back(std::move(r));
    }
    return steps;
  }

  OutcomeCounts count(TimeWindow w) {
    StatementUse q(stmt[Stmt::CountByOutcome]);
    q->bind_all(to_ms(w.from), to_ms(w.to));
    OutcomeCounts counts;
    while (q->step()) {
      auto n = static_cast<std::uint64_t>(q->column_int64(1));
      if (q->is_null(0)) {
        counts.open += n;
        continue;
      }
      auto o = read_enum(session_outcome_from_string(q->column_text(0)), "ussd_session.outcome", q->column_text(0));
      counts.ended[static_cast<std::size_t>(o)] += n;
    }
    return counts;
  }

  // One chunk per transaction; the lock is released between chunks so
  // flushes are not held up behind a long purge.
  Expected<std::uint64_t, StoreError> purge(TimePoint cutoff) {
    std::uint64_t total = 0;
    try {
      for (;;) {
        std::lock_guard lock(db_mutex);
        Transaction tx(db);
        StatementUse q(stmt[Stmt::PurgeChunk]);
        q->bind_all(to_ms(cutoff), static_cast<std::int64_t>(options.purge_chunk));
        q->run();
        // changes() counts the sessions only, not rows deleted by the cascade.
        auto n = static_cast<std::uint64_t>(db.changes());
        tx.commit();
        total += n;
        if (n < options.purge_chunk) break;
      }
    } catch (const StorageError& e) {
      // Chunks already committed stay deleted; the next purge goes on.
      log::error("store", log_context, "Retention purge failed",
                 std::to_string(total) + " sessions purged before " + e.what());
      return StoreError{e.what()};
    }
    if (total) log::info("store", log_context, "Purged " + std::to_string(total) + " sessions past retention");
    return total;
  }
};

SqliteSessionStore::SqliteSessionStore(SqliteStoreOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}

SqliteSessionStore::~SqliteSessionStore() {
  // A destructor cannot report; whatever fails here is lost audit data,
  // the same as a crash.
  try {
    impl_->flush();
  } catch (...) {
  }
}

SessionId SqliteSessionStore::begin_session(const SessionStart& start) {
  SessionId id{++impl_->last_id};
  StartTexts texts(start);
  impl_->submit(texts.bytes(), [&](Chunk& c) { Impl::put(c, id.value, start, texts); });
  return id;
}

void SqliteSessionStore::record_step(SessionId session, const StepRecord& step) {
  std::size_t bytes = step.request_text.size() + (step.response_text ? step.response_text->size() : 0);
  impl_->submit(bytes, [&](Chunk& c) { Impl::put(c, session.value, step); });
}

void SqliteSessionStore::end_session(SessionId session, SessionOutcome outcome, TimePoint ended_at) {
  QueuedEnd e{session.value, outcome, to_ms(ended_at)};
  impl_->submit(0, [&](Chunk& c) { Impl::put(c, e); });
}

FlushReport SqliteSessionStore::flush() { return impl_->flush(); }

std::size_t SqliteSessionStore::pending() const {
  std::lock_guard lock(impl_->queue_mutex);
  return impl_->queue.size;
}

Expected<std::uint64_t, StoreError> SqliteSessionStore::purge_older_than(TimePoint cutoff) {
  return impl_->purge(cutoff);
}

Expected<std::uint64_t, StoreError> SqliteSessionStore::purge_expired() {
  return impl_->purge(impl_->clock.wall_now() - impl_->options.retention);
}

std::optional<SessionRecord> SqliteSessionStore::get_session(SessionId id) {
  std::lock_guard lock(impl_->db_mutex);
  return impl_->get_session(id);
}

std::vector<StepRecord> SqliteSessionStore::list_steps(SessionId id) {
  std::lock_guard lock(impl_->db_mutex);
  return impl_->list_steps(id);
}

OutcomeCounts SqliteSessionStore::count_sessions_by_outcome(TimeWindow window) {
  std::lock_guard lock(impl_->db_mutex);
  return impl_->count(window);
}

void SqliteSessionStore::set_batch_ready_callback(std::function<void()> callback) {
  std::lock_guard lock(impl_->queue_mutex);
  impl_->on_batch_ready = std::move(callback);
}

StoreStats SqliteSessionStore::stats() const {
  std::lock_guard lock(impl_->queue_mutex);
  return impl_->stats;
}

}  // namespace ussdgw::storage
