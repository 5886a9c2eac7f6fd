// Session store benchmark (docs/storage.md, "Measured"): how fast the
// SqliteSessionStore writes two-step USSD sessions (begin + 2 steps + end =
// 4 records, 3 rows), against a baseline measured in the same run.
//
//  * baseline: the plain way to write the same rows into the same schema:
//    one BEGIN IMMEDIATE ... COMMIT per batch, a prepared single-row INSERT
//    per row (1 session row with its end, 2 step rows), no queue.
//  * flush only: the store's writer alone: queue a batch of sessions (not
//    timed), time flush(). Baseline and store alternate round by round, so
//    both see the same machine load (a shared 2-core machine).
//  * end to end: one thread queues sessions as fast as it can while a
//    BatchFlusher (20 ms interval, notified every 8000 records) commits them:
//    wall time from the first call to the last commit, and the time each
//    session's 4 calls took on the queueing thread.
//
// Figures are medians over rounds; ratio = median µs per session / the
// baseline's, in wall time and in CPU time of the writing thread (the
// steadier figure on a loaded machine). Each variant writes to a fresh file in a temporary directory
// (synchronous=NORMAL, WAL), as the gateway does.
//
// Usage: ussdgw_store_bench [--rounds N] [--sessions N]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "storage/batch_flusher.h"
#include "storage/schema.h"
#include "storage/sqlite_session_store.h"
#include "storage/store_fixture.h"  // tests/storage: samples and TempDir

using namespace ussdgw;
using namespace ussdgw::storage;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

int g_rounds = 5;
int g_sessions = 40'000;          // per round and variant
constexpr int kBatchSessions = 2000;  // sessions per flush / per baseline transaction (8000 records)

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "store bench: %s\n", what.c_str());
  std::exit(1);
}

using bench::median;
constexpr auto thread_cpu = bench::thread_cpu_seconds;

double seconds(steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The sessions written are the storage tests' samples (a prompt and its
// answer, as the gateway records them), and so is the temporary directory.
using storage::test::at;
using storage::test::sample_start;
using storage::test::sample_step;
using storage::test::TempDir;

struct Sample {
  SessionStart start = sample_start(at(0));
  StepRecord step1 = sample_step(1, at(0));
  StepRecord step2 = sample_step(2, at(1000));
};

void two_step_session(SessionStore& store, const Sample& s) {
  SessionId id = store.begin_session(s.start);
  store.record_step(id, s.step1);
  store.record_step(id, s.step2);
  store.end_session(id, SessionOutcome::Completed, at(1100));
}

// ---- baseline: a plain INSERT loop on the same schema

class PlainWriter {
 public:
  explicit PlainWriter(const std::string& path)
      : db_(open(path)),
        session_(db_,
                 "INSERT INTO ussd_session (customer, imsi, msisdn, service_code, calling_gt, called_gt, tcap_otid,"
                 " tcap_dtid, started_at, ended_at, outcome, steps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                 " ?11, ?12)",
                 true),
        step_(db_,
              "INSERT INTO ussd_step (session, step, request_text, dcs, response_text, action, map_error,"
              " customer_latency_ms, outcome, started_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
              " ?11)",
              true) {}

  void write_batch(const Sample& s, int sessions) {
    Transaction tx(db_);
    for (int i = 0; i < sessions; ++i) {
      std::int64_t id;
      {
        StatementUse q(session_);
        q->bind_all(s.start.customer->value, s.start.imsi->digits.view(), s.start.msisdn->digits.view(),
                    s.start.service_code, s.start.calling_gt.view(), s.start.called_gt.view(),
                    Blob(s.start.tcap_otid.bytes()), Blob(s.start.tcap_dtid->bytes()), ms(s.start.started_at),
                    ms(at(1100)), "completed", std::int64_t{2});
        q->run();
        id = sqlite3_last_insert_rowid(db_.handle());
      }
      for (const StepRecord* r : {&s.step1, &s.step2}) {
        StatementUse q(step_);
        q->bind_all(id, r->step, r->request_text, r->dcs, *r->response_text, to_string(*r->action),
                    std::nullopt, static_cast<std::int64_t>(r->customer_latency->count()), to_string(r->outcome),
                    ms(r->started_at), ms(r->ended_at));
        q->run();
      }
    }
    tx.commit();
  }

 private:
  static Db open(const std::string& path) {
    Db db = Db::open(path);
    migrate(db);
    return db;
  }
  static std::int64_t ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }
  Db db_;
  Statement session_;
  Statement step_;
};

SqliteStoreOptions bench_options(const std::string& path) {
  SqliteStoreOptions o;
  o.path = path;
  o.mode = WriteMode::Batched;
  o.max_pending = 10'000'000;
  return o;
}

struct Round {
  double us_per_session = 0;   // wall time of the writing, per session
  double cpu_us_per_session = 0;  // CPU time of the writing thread, per session
};

Round baseline_round(PlainWriter& w, const Sample& s) {
  double wall = 0, cpu = 0;
  for (int done = 0; done < g_sessions; done += kBatchSessions) {
    auto t0 = steady_clock::now();
    double c0 = thread_cpu();
    w.write_batch(s, kBatchSessions);
    cpu += thread_cpu() - c0;
    wall += seconds(steady_clock::now() - t0);
  }
  return {1e6 * wall / g_sessions, 1e6 * cpu / g_sessions};
}

Round flush_round(SqliteSessionStore& store, const Sample& s) {
  double wall = 0, cpu = 0;
  for (int done = 0; done < g_sessions; done += kBatchSessions) {
    for (int i = 0; i < kBatchSessions; ++i) two_step_session(store, s);
    auto t0 = steady_clock::now();
    double c0 = thread_cpu();
    FlushReport r = store.flush();
    cpu += thread_cpu() - c0;
    wall += seconds(steady_clock::now() - t0);
    if (r.written != 4u * kBatchSessions || r.failed) die("flush wrote " + std::to_string(r.written) + ": " + r.first_error);
  }
  return {1e6 * wall / g_sessions, 1e6 * cpu / g_sessions};
}

struct EndToEnd {
  double sessions_per_s = 0;
  double flusher_cpu_us = 0;   // per session
  double producer_cpu_us = 0;  // per session (4 calls)
  double p50_us = 0, p99_us = 0, max_us = 0;  // queueing one session
};

EndToEnd end_to_end_round(const Sample& s) {
  TempDir dir;
  SqliteStoreOptions o = bench_options(dir.file("e2e.db"));
  o.batch_records = 8000;
  SqliteSessionStore store(o);
  std::size_t written = 0;
  double flusher_cpu = 0;  // the flusher thread's CPU time at its last report
  std::vector<double> enqueue_us;
  enqueue_us.reserve(static_cast<std::size_t>(g_sessions));
  auto t0 = steady_clock::now();
  double producer_cpu0 = thread_cpu();
  double producer_cpu = 0;
  {
    BatchFlusher flusher(store, 20ms, [&](const FlushReport& r) {
      written += r.written;
      flusher_cpu = thread_cpu();
    });
    store.set_batch_ready_callback([&] { flusher.notify(); });
    for (int i = 0; i < g_sessions; ++i) {
      auto q0 = steady_clock::now();
      two_step_session(store, s);
      enqueue_us.push_back(std::chrono::duration<double, std::micro>(steady_clock::now() - q0).count());
    }
    producer_cpu = thread_cpu() - producer_cpu0;
  }
  double elapsed = seconds(steady_clock::now() - t0);
  store.set_batch_ready_callback({});
  if (written != 4u * static_cast<std::size_t>(g_sessions)) die("end to end wrote " + std::to_string(written));
  std::sort(enqueue_us.begin(), enqueue_us.end());
  auto pct = [&](double p) { return enqueue_us[static_cast<std::size_t>(p * static_cast<double>(enqueue_us.size() - 1))]; };
  return {g_sessions / elapsed, 1e6 * flusher_cpu / g_sessions, 1e6 * producer_cpu / g_sessions, pct(0.5), pct(0.99),
          enqueue_us.back()};
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      g_rounds = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--sessions") && i + 1 < argc) {
      g_sessions = std::max(kBatchSessions, std::atoi(argv[++i]) / kBatchSessions * kBatchSessions);
    } else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--sessions N]\n", argv[0]);
      return 2;
    }
  }
  const Sample sample;
  try {
    TempDir dir;
    PlainWriter plain(dir.file("baseline.db"));
    SqliteSessionStore store(bench_options(dir.file("store.db")));
    // Warm-up: page cache, statement caches, queue chunks.
    plain.write_batch(sample, kBatchSessions);
    for (int i = 0; i < kBatchSessions; ++i) two_step_session(store, sample);
    store.flush();

    std::vector<double> base_us, base_cpu, store_us, store_cpu;
    for (int r = 0; r < g_rounds; ++r) {
      Round b = baseline_round(plain, sample);
      Round f = flush_round(store, sample);
      base_us.push_back(b.us_per_session);
      base_cpu.push_back(b.cpu_us_per_session);
      store_us.push_back(f.us_per_session);
      store_cpu.push_back(f.cpu_us_per_session);
    }
    std::vector<double> e2e_rate, e2e_flusher, e2e_producer, e2e_p50, e2e_p99, e2e_max;
    for (int r = 0; r < g_rounds; ++r) {
      EndToEnd e = end_to_end_round(sample);
      e2e_rate.push_back(e.sessions_per_s);
      e2e_flusher.push_back(e.flusher_cpu_us);
      e2e_producer.push_back(e.producer_cpu_us);
      e2e_p50.push_back(e.p50_us);
      e2e_p99.push_back(e.p99_us);
      e2e_max.push_back(e.max_us);
    }

    const double base = median(base_us);
    const double base_cpu_us = median(base_cpu);
    std::printf("%-56s %11s %11s %9s %11s %9s\n", "benchmark (two-step sessions, 3 rows each)", "us/session",
                "sessions/s", "ratio", "CPU us/ses", "CPU ratio");
    auto row = [&](const char* name, double us, double cpu) {
      std::printf("%-56s %11.2f %11.0f %9.2f %11.2f %9.2f\n", name, us, 1e6 / us, us / base, cpu, cpu / base_cpu_us);
    };
    row("baseline: plain INSERT loop, 1 transaction per batch", base, base_cpu_us);
    row("store flush() alone (coalesced rows, 32-row INSERTs)", median(store_us), median(store_cpu));
    const double e2e_us = 1e6 / median(e2e_rate);
    row("store end to end (queueing thread + BatchFlusher)", e2e_us, median(e2e_flusher));
    std::printf("\nend to end, queueing thread: %.2f us CPU per session (4 calls); one session queued in"
                " p50 %.2f us, p99 %.2f us, max %.0f us (medians over rounds)\n",
                median(e2e_producer), median(e2e_p50), median(e2e_p99), median(e2e_max));
    std::printf("medians of %d rounds of %d sessions per variant, batches of %d sessions; baseline and flush()"
                " alternate round by round; ratio = wall us/session / the baseline's, CPU ratio = CPU us/session of"
                " the writing thread (the flusher's, end to end) / the baseline's; lower is faster\n",
                g_rounds, g_sessions, kBatchSessions);
  } catch (const std::exception& e) {
    die(e.what());
  }
  return 0;
}
