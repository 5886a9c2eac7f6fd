// SqliteSessionStore as the USSD session layer uses it: sessions and steps
// round trip, batches are written whole, retention removes only old rows,
// and a second connection reads committed data while the writer works.
// Times are injected (test::at); nothing sleeps and nothing asserts on time.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "storage/batch_flusher.h"
#include "storage/sqlite_session_store.h"
#include "store_fixture.h"

using namespace ussdgw::storage;
using ussdgw::CustomerId;
using ussdgw::SessionId;
using namespace std::chrono_literals;
using ussdgw::Digits;
using ussdgw::Imsi;
using ussdgw::Msisdn;
using test::at;
using test::sample_start;
using test::sample_step;
using test::TempDir;

namespace {

using test::batched;
using test::immediate;
using test::scalar;

// One complete two-step session: prompt, answer, final text.
SessionId two_step_session(SessionStore& store, std::int64_t t0, SessionOutcome outcome = SessionOutcome::Completed) {
  SessionId id = store.begin_session(sample_start(at(t0)));
  store.record_step(id, sample_step(1, at(t0)));
  store.record_step(id, sample_step(2, at(t0 + 1000)));
  store.end_session(id, outcome, at(t0 + 1100));
  return id;
}


}  // namespace

TEST_CASE("a session with its steps reads back exactly as written") {
  TempDir dir;
  for (WriteMode mode : {WriteMode::Immediate, WriteMode::Batched}) {
    CAPTURE(static_cast<int>(mode));
    SqliteSessionStore store(test::store_options(dir.file(mode == WriteMode::Immediate ? "i.db" : "b.db"), mode));
    SessionId id = two_step_session(store, 0);
    store.flush();

    auto s = store.get_session(id);
    REQUIRE(s.has_value());
    CHECK(s->id == id);
    CHECK(s->start == sample_start(at(0)));
    REQUIRE(s->ended_at.has_value());
    CHECK(*s->ended_at == at(1100));
    CHECK(s->outcome == SessionOutcome::Completed);
    CHECK(s->steps == 2);

    auto steps = store.list_steps(id);
    REQUIRE(steps.size() == 2);
    CHECK(steps[0] == sample_step(1, at(0)));
    CHECK(steps[1] == sample_step(2, at(1000)));
  }
}

TEST_CASE("absent optional fields are stored as NULL and read back absent") {
  TempDir dir;
  SqliteSessionStore store(immediate(dir.file("nulls.db")));
  SessionStart start = sample_start(at(0));
  start.customer.reset();
  start.imsi.reset();
  start.msisdn.reset();
  start.tcap_dtid.reset();
  SessionId id = store.begin_session(start);
  StepRecord refused;
  refused.step = 1;
  refused.request_text = "*999#";
  refused.map_error = 72;  // ussd-Busy
  refused.outcome = StepOutcome::NotRelayed;
  refused.started_at = refused.ended_at = at(5);
  store.record_step(id, refused);

  auto s = store.get_session(id);
  REQUIRE(s.has_value());
  CHECK(s->start == start);
  CHECK_FALSE(s->outcome.has_value());
  CHECK_FALSE(s->ended_at.has_value());
  auto steps = store.list_steps(id);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0] == refused);
  CHECK_FALSE(store.get_session(SessionId{id.value + 100}).has_value());
}

TEST_CASE("texts in any script round trip unchanged") {
  TempDir dir;
  SqliteSessionStore store(immediate(dir.file("utf8.db")));
  const std::string texts[] = {
      "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ !\"#¤%&'()*+,-./",  // GSM 7-bit default alphabet
      "Баланс: 100 руб. €",                                   // Cyrillic + euro (GSM extension)
      "余额：¥100。请回复1继续",                              // CJK (UCS-2)
      "✅ activé 👍🏽",                                        // outside the BMP
  };
  SessionStart start = sample_start(at(0));
  start.service_code = "*#100*€#";
  SessionId id = store.begin_session(start);
  std::uint32_t n = 0;
  for (const auto& t : texts) {
    ++n;
    StepRecord r = sample_step(n, at(n));
    r.request_text = t;
    r.response_text = t + " ↩";
    r.dcs = 0x48;  // UCS2
    store.record_step(id, r);
  }
  CHECK(store.get_session(id)->start.service_code == "*#100*€#");
  auto steps = store.list_steps(id);
  REQUIRE(steps.size() == std::size(texts));
  for (std::size_t i = 0; i < steps.size(); ++i) {
    CHECK(steps[i].request_text == texts[i]);
    CHECK(*steps[i].response_text == texts[i] + " ↩");
  }
}

TEST_CASE("sessions are counted by outcome, open ones apart, within a time window") {
  TempDir dir;
  SqliteSessionStore store(batched(dir.file("counts.db")));
  two_step_session(store, 0, SessionOutcome::Completed);
  two_step_session(store, 10, SessionOutcome::Completed);
  two_step_session(store, 20, SessionOutcome::Fallback);
  two_step_session(store, 30, SessionOutcome::AbortedByNetwork);
  two_step_session(store, 5000, SessionOutcome::Busy);
  store.begin_session(sample_start(at(40)));  // still running
  store.flush();

  OutcomeCounts all = store.count_sessions_by_outcome();
  CHECK(all[SessionOutcome::Completed] == 2);
  CHECK(all[SessionOutcome::Fallback] == 1);
  CHECK(all[SessionOutcome::AbortedByNetwork] == 1);
  CHECK(all[SessionOutcome::Busy] == 1);
  CHECK(all[SessionOutcome::Timeout] == 0);
  CHECK(all.open == 1);
  CHECK(all.total() == 6);

  OutcomeCounts early = store.count_sessions_by_outcome({at(10), at(40)});  // [10, 40)
  CHECK(early[SessionOutcome::Completed] == 1);
  CHECK(early[SessionOutcome::Fallback] == 1);
  CHECK(early[SessionOutcome::Busy] == 0);
  CHECK(early.open == 0);
  CHECK(early.total() == 3);
}

TEST_CASE("retention purge removes sessions started before the cutoff, with their steps, and nothing else") {
  TempDir dir;
  SqliteStoreOptions o = batched(dir.file("purge.db"));
  o.purge_chunk = 3;  // several chunks for 10 old sessions
  SqliteSessionStore store(o);
  std::vector<SessionId> old_ids, new_ids;
  for (int i = 0; i < 10; ++i) old_ids.push_back(two_step_session(store, i));
  store.begin_session(sample_start(at(500)));  // old and never ended: purged as well
  for (int i = 0; i < 4; ++i) new_ids.push_back(two_step_session(store, 1000 + i));
  store.flush();

  CHECK(store.purge_older_than(at(1000)).value() == 11);
  for (SessionId id : old_ids) {
    CHECK_FALSE(store.get_session(id).has_value());
    CHECK(store.list_steps(id).empty());
  }
  for (SessionId id : new_ids) {
    CHECK(store.get_session(id).has_value());
    CHECK(store.list_steps(id).size() == 2);
  }
  CHECK(store.purge_older_than(at(1000)).value() == 0);
  // No orphan steps left behind by the cascade.
  Db db = Db::open(dir.file("purge.db"), test::read_only());
  CHECK(scalar(db, "SELECT count(*) FROM ussd_step") == 8);
}

TEST_CASE("session numbers are never reused, even after a purge and a restart") {
  TempDir dir;
  const std::string path = dir.file("ids.db");
  SessionId last;
  {
    SqliteSessionStore store(immediate(path));
    two_step_session(store, 0);
    last = two_step_session(store, 1);
    CHECK(store.purge_older_than(at(10)).value() == 2);
  }
  SqliteSessionStore store(immediate(path));
  SessionId next = store.begin_session(sample_start(at(20)));
  CHECK(next.value > last.value);
}

TEST_CASE("batched writes are invisible until flush, then all written in one go") {
  TempDir dir;
  SqliteSessionStore store(batched(dir.file("batch.db")));
  std::vector<SessionId> ids;
  for (int i = 0; i < 500; ++i) ids.push_back(two_step_session(store, i));
  CHECK(store.pending() == 2000);
  CHECK_FALSE(store.get_session(ids.front()).has_value());

  FlushReport r = store.flush();
  CHECK(r.written == 2000);
  CHECK(r.failed == 0);
  CHECK(store.pending() == 0);
  for (SessionId id : ids) {
    auto s = store.get_session(id);
    REQUIRE(s.has_value());
    CHECK(s->steps == 2);
    CHECK(s->outcome == SessionOutcome::Completed);
  }
  CHECK(store.count_sessions_by_outcome()[SessionOutcome::Completed] == 500);
  CHECK(store.stats().written == 2000);
  CHECK(store.stats().flushes == 1);
  CHECK(store.flush().written == 0);
}

TEST_CASE("a bad record in a batch is skipped and counted; the rest of the batch is kept") {
  TempDir dir;
  SqliteSessionStore store(batched(dir.file("bad.db")));
  SessionId good = store.begin_session(sample_start(at(0)));
  store.record_step(SessionId{9999}, sample_step(1, at(0)));  // no such session
  store.record_step(good, sample_step(1, at(0)));
  store.record_step(good, sample_step(1, at(1)));  // same step number twice
  store.end_session(good, SessionOutcome::Completed, at(2));
  store.end_session(good, SessionOutcome::Timeout, at(3));  // ended twice

  FlushReport r = store.flush();
  CHECK(r.written == 3);
  CHECK(r.failed == 3);
  CHECK(r.first_error.find("FOREIGN KEY") != std::string::npos);
  CHECK(r.first_error.find("INSERT INTO ussd_step") != std::string::npos);
  auto s = store.get_session(good);
  REQUIRE(s.has_value());
  CHECK(s->outcome == SessionOutcome::Completed);
  CHECK(s->steps == 1);
}

TEST_CASE("in immediate mode a write that breaks the schema is counted and logged, not thrown") {
  TempDir dir;
  test::LogCapture logs;
  SqliteSessionStore store(immediate(dir.file("imm.db")));
  CHECK_NOTHROW(store.record_step(SessionId{1}, sample_step(1, at(0))));  // no such session
  SessionId id = store.begin_session(sample_start(at(0)));
  store.end_session(id, SessionOutcome::Refused, at(1));
  CHECK_NOTHROW(store.end_session(id, SessionOutcome::Completed, at(2)));  // ended twice
  CHECK(store.stats().failed == 2);
  CHECK(store.stats().written == 2);
  CHECK(store.get_session(id)->outcome == SessionOutcome::Refused);
  CHECK(logs.count("store ERROR db=" + dir.file("imm.db") + ": Session records not written. Cause: 1 failed") == 2);
  CHECK(logs.count("FOREIGN KEY constraint failed") == 1);
  CHECK(logs.count("end_session: no open session") == 1);
}

TEST_CASE("a batch that fails is logged once with its count and the first error") {
  TempDir dir;
  test::LogCapture logs;
  SqliteSessionStore store(batched(dir.file("log.db")));
  store.record_step(SessionId{41}, sample_step(1, at(0)));
  store.record_step(SessionId{42}, sample_step(1, at(0)));
  two_step_session(store, 0);
  CHECK(store.flush().failed == 2);
  REQUIRE(logs.lines.size() == 1);
  CHECK(logs.lines[0].find("store ERROR db=") == 0);
  CHECK(logs.lines[0].find(": Session records not written. Cause: 2 failed, the first with sqlite: FOREIGN KEY") !=
        std::string::npos);
  CHECK(store.flush().failed == 0);
  CHECK(logs.lines.size() == 1);  // a clean flush says nothing
}

TEST_CASE("the batch-ready callback fires once per batch, and a full queue drops instead of growing") {
  TempDir dir;
  test::LogCapture logs;
  SqliteStoreOptions o = batched(dir.file("cb.db"));
  o.batch_records = 8;
  o.max_pending = 20;
  SqliteSessionStore store(o);
  int signals = 0;
  store.set_batch_ready_callback([&] { ++signals; });
  for (int i = 0; i < 2; ++i) two_step_session(store, i);  // 8 records
  CHECK(signals == 1);
  two_step_session(store, 2);
  CHECK(signals == 1);  // not again until a flush
  store.flush();
  for (int i = 0; i < 6; ++i) two_step_session(store, 10 + i);  // 24 records, 20 fit
  CHECK(signals == 2);
  CHECK(store.pending() == 20);
  CHECK(store.stats().dropped == 4);
  CHECK(logs.count("Session record dropped. Cause: the queue holds max_pending (20) records") == 4);
}

TEST_CASE("a second connection reads committed data while a writer holds an open transaction (WAL)") {
  TempDir dir;
  const std::string path = dir.file("wal.db");
  SqliteSessionStore store(batched(path));
  two_step_session(store, 0);
  store.flush();

  Db reader = Db::open(path, test::read_only());
  CHECK(scalar(reader, "SELECT count(*) FROM ussd_session") == 1);
  CHECK(scalar(reader, "SELECT count(*) FROM ussd_step") == 2);

  // A writer mid-transaction blocks neither the reader nor is seen by it.
  Db writer = Db::open(path);
  {
    Transaction tx(writer);
    writer.exec(
        "INSERT INTO ussd_session (id, service_code, calling_gt, called_gt, tcap_otid, started_at)"
        " VALUES (1000, '*1#', '1', '2', x'01', 0)");
    CHECK(scalar(reader, "SELECT count(*) FROM ussd_session") == 1);
    tx.commit();
  }
  CHECK(scalar(reader, "SELECT count(*) FROM ussd_session") == 2);

  // And the store's own later flushes are visible to the same reader.
  two_step_session(store, 10);
  store.flush();
  CHECK(scalar(reader, "SELECT count(*) FROM ussd_session") == 3);
}

TEST_CASE("a batch flusher writes everything queued before it stops") {
  TempDir dir;
  SqliteStoreOptions o = batched(dir.file("flusher.db"));
  o.batch_records = 100;
  SqliteSessionStore store(o);
  std::atomic<std::size_t> reported{0};
  {
    // A long interval: only notify() and the final flush can write.
    BatchFlusher flusher(store, 1h, [&](const FlushReport& r) { reported += r.written; });
    store.set_batch_ready_callback([&] { flusher.notify(); });
    for (int i = 0; i < 1000; ++i) two_step_session(store, i);
  }
  store.set_batch_ready_callback({});
  CHECK(store.pending() == 0);
  CHECK(reported == 4000);
  CHECK(store.count_sessions_by_outcome()[SessionOutcome::Completed] == 1000);
}
