#include "storage/sqlite_session_store.h"

#include <atomic>
#include <deque>
#include <mutex>
#include <utility>
#include <variant>

#include "storage/schema.h"

namespace ussdgw::storage {

namespace {

// ---------------------------------------------------------------- statements

enum class Stmt : std::size_t {
  InsertSession,
  InsertStep,
  EndSession,
  SelectSession,
  SelectSteps,
  CountByOutcome,
  PurgeChunk,
  HighestId,
  Count_,
};
constexpr std::size_t kStmtCount = static_cast<std::size_t>(Stmt::Count_);
using Statements = StatementTable<Stmt, kStmtCount>;

constexpr std::array<Statements::Entry, kStmtCount> kSql{{
    {Stmt::InsertSession,
     "INSERT INTO ussd_session (id, customer, imsi, msisdn, service_code, calling_gt, called_gt,"
     " tcap_otid, tcap_dtid, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
    {Stmt::InsertStep,
     "INSERT INTO ussd_step (session, step, request_text, dcs, response_text, action, map_error,"
     " customer_latency_ms, outcome, started_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
    // "outcome IS NULL": a session ends once; a second end is a caller bug.
    {Stmt::EndSession, "UPDATE ussd_session SET ended_at = ?2, outcome = ?3 WHERE id = ?1 AND outcome IS NULL"},
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
}};
static_assert(Statements::in_order(kSql), "kSql must list the statements in Stmt order");

// ---------------------------------------------------------------- conversions

std::int64_t to_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms)));
}

Blob blob(const TcapTid& t) { return t.bytes(); }

std::optional<std::string_view> digits(const std::optional<Imsi>& v) {
  if (!v) return std::nullopt;
  return v->digits.view();
}
std::optional<std::string_view> digits(const std::optional<Msisdn>& v) {
  if (!v) return std::nullopt;
  return v->digits.view();
}

TcapTid read_tid(const Statement& s, int column) {
  auto t = TcapTid::from_octets(s.column_blob(column));
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

struct PendingBegin {
  SessionId id;
  SessionStart start;
};
struct PendingStep {
  SessionId id;
  StepRecord step;
};
struct PendingEnd {
  SessionId id;
  SessionOutcome outcome;
  TimePoint ended_at;
};
using Pending = std::variant<PendingBegin, PendingStep, PendingEnd>;

}  // namespace

struct SqliteSessionStore::Impl {
  SqliteStoreOptions options;
  // Lock order: db_mutex before queue_mutex. The event loop only ever takes
  // queue_mutex, and only for a push_back.
  std::mutex db_mutex;
  Db db;
  Statements stmt;
  std::atomic<std::int64_t> last_id{0};

  mutable std::mutex queue_mutex;
  // A deque, not a vector: when the writer falls behind and the queue grows
  // large, push_back never moves the queued records (a vector's
  // reallocation would, while holding the lock the event loop needs).
  std::deque<Pending> queue;
  bool batch_signalled = false;
  std::function<void()> on_batch_ready;
  StoreStats stats;

  explicit Impl(SqliteStoreOptions o)
      : options(std::move(o)), db(open_migrated(options)), stmt(db, kSql) {
    StatementUse s(stmt[Stmt::HighestId]);
    s->step();
    last_id = s->column_int64(0);
  }

  static Db open_migrated(const SqliteStoreOptions& o) {
    Db db = Db::open(o.path, o.db);
    migrate(db);
    return db;
  }

  // ------------------------------------------------ writes (db_mutex held)

  void write(const PendingBegin& p) {
    const SessionStart& s = p.start;
    StatementUse q(stmt[Stmt::InsertSession]);
    std::optional<std::string_view> customer;
    if (s.customer) customer = s.customer->value;
    std::optional<Blob> dtid;
    if (s.tcap_dtid) dtid = blob(*s.tcap_dtid);
    q->bind_all(p.id.value, customer, digits(s.imsi), digits(s.msisdn), s.service_code, s.calling_gt.view(),
                s.called_gt.view(), blob(s.tcap_otid), dtid, to_ms(s.started_at));
    q->run();
  }

  void write(const PendingStep& p) {
    const StepRecord& r = p.step;
    StatementUse q(stmt[Stmt::InsertStep]);
    std::optional<std::string_view> action;
    if (r.action) action = to_string(*r.action);
    std::optional<std::int64_t> latency;
    if (r.customer_latency) latency = r.customer_latency->count();
    q->bind_all(p.id.value, r.step, r.request_text, r.dcs, r.response_text, action, r.map_error, latency,
                to_string(r.outcome), to_ms(r.started_at), to_ms(r.ended_at));
    q->run();
  }

  void write(const PendingEnd& p) {
    StatementUse q(stmt[Stmt::EndSession]);
    q->bind_all(p.id.value, to_ms(p.ended_at), to_string(p.outcome));
    q->run();
    if (db.changes() == 0)
      throw StorageError("end_session: no open session " + std::to_string(p.id.value) + " in " + db.path());
  }

  void write(const Pending& p) {
    std::visit([this](const auto& v) { write(v); }, p);
  }

  // ------------------------------------------------ queue

  void submit(Pending&& p) {
    if (options.mode == WriteMode::Immediate) {
      std::lock_guard lock(db_mutex);
      write(p);
      return;
    }
    std::function<void()> signal;
    {
      std::lock_guard lock(queue_mutex);
      if (queue.size() >= options.max_pending) {
        ++stats.dropped;
        return;
      }
      queue.push_back(std::move(p));
      if (!batch_signalled && queue.size() >= options.batch_records && on_batch_ready) {
        batch_signalled = true;
        signal = on_batch_ready;
      }
    }
    // Outside the lock: the callback may take its own locks.
    if (signal) signal();
  }

  FlushReport flush() {
    std::lock_guard db_lock(db_mutex);  // also keeps concurrent flushes in order
    std::deque<Pending> batch;
    {
      std::lock_guard lock(queue_mutex);
      batch.swap(queue);
      batch_signalled = false;
    }
    FlushReport report;
    if (!batch.empty()) write_batch(batch, report);
    std::lock_guard lock(queue_mutex);
    stats.written += report.written;
    stats.failed += report.failed;
    if (report.written) ++stats.flushes;
    return report;
  }

  void write_batch(const std::deque<Pending>& batch, FlushReport& report) {
    auto fail_all = [&](const std::exception& e) {
      if (report.first_error.empty()) report.first_error = e.what();
      report.failed = batch.size();
      report.written = 0;
    };
    try {
      Transaction tx(db);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        try {
          write(batch[i]);
          ++report.written;
        } catch (const StorageError& e) {
          // A failed statement is undone on its own and the transaction goes
          // on, unless SQLite had to roll all of it back (disk full, I/O).
          if (db.autocommit()) throw;
          ++report.failed;
          if (report.first_error.empty()) report.first_error = e.what();
        }
      }
      tx.commit();
    } catch (const StorageError& e) {
      fail_all(e);
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
  std::uint64_t purge(TimePoint cutoff) {
    std::uint64_t total = 0;
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
      if (n < options.purge_chunk) return total;
    }
  }
};

SqliteSessionStore::SqliteSessionStore(SqliteStoreOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

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
  impl_->submit(PendingBegin{id, start});
  return id;
}

void SqliteSessionStore::record_step(SessionId session, const StepRecord& step) {
  impl_->submit(PendingStep{session, step});
}

void SqliteSessionStore::end_session(SessionId session, SessionOutcome outcome, TimePoint ended_at) {
  impl_->submit(PendingEnd{session, outcome, ended_at});
}

FlushReport SqliteSessionStore::flush() { return impl_->flush(); }

std::size_t SqliteSessionStore::pending() const {
  std::lock_guard lock(impl_->queue_mutex);
  return impl_->queue.size();
}

std::uint64_t SqliteSessionStore::purge_older_than(TimePoint cutoff) { return impl_->purge(cutoff); }

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
