// How a batched flush writes: a session begun and ended within one batch is
// one INSERT (no UPDATE), sessions spanning flushes are completed by later
// flushes, ussd_session.steps always equals the number of step rows, and the
// rows are the same as writing each record at once would give. Plus the
// migration of a version-1 file (step count kept by a trigger) to version 2.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/schema.h"
#include "storage/sqlite_session_store.h"
#include "store_fixture.h"

using namespace ussdgw::storage;
using ussdgw::CustomerId;
using ussdgw::SessionId;
using test::at;
using test::batched;
using test::scalar;
using test::immediate;
using test::sample_start;
using test::sample_step;
using test::TempDir;

namespace {


// Creates `path` at schema version 2 with a log of every UPDATE of a session
// row, written by the database itself (a trigger the store does not know).
void with_update_log(const std::string& path) {
  Db db = Db::open(path);
  migrate(db);
  db.exec(
      "CREATE TABLE test_update_log (session INTEGER);"
      "CREATE TRIGGER test_log_update AFTER UPDATE ON ussd_session"
      " BEGIN INSERT INTO test_update_log VALUES (NEW.id); END;");
}

std::int64_t updates(const std::string& path) {
  Db db = Db::open(path, test::read_only());
  return scalar(db, "SELECT count(*) FROM test_update_log");
}

// Sessions whose steps column disagrees with their step rows.
std::int64_t miscounted(Db& db) {
  return scalar(db,
                "SELECT count(*) FROM ussd_session s"
                " WHERE s.steps != (SELECT count(*) FROM ussd_step t WHERE t.session = s.id)");
}

// Every row of both tables, as text, in key order.
std::string dump(const std::string& path) {
  Db db = Db::open(path, test::read_only());
  std::string out;
  for (const char* sql : {"SELECT id, customer, imsi, msisdn, service_code, calling_gt, called_gt, hex(tcap_otid),"
                          " hex(tcap_dtid), started_at, ended_at, outcome, steps FROM ussd_session ORDER BY id",
                          "SELECT session, step, request_text, dcs, response_text, action, map_error,"
                          " customer_latency_ms, outcome, started_at, ended_at FROM ussd_step ORDER BY session, step"}) {
    Statement s(db, sql);
    const int columns = sqlite3_column_count(s.handle());
    while (s.step()) {
      for (int c = 0; c < columns; ++c) {
        out += s.is_null(c) ? std::string("NULL") : std::string(s.column_text(c));
        out += '|';
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a session begun and ended in one batch is one INSERT of its final row, without UPDATE") {
  TempDir dir;
  const std::string path = dir.file("one.db");
  with_update_log(path);
  SqliteSessionStore store(batched(path));
  SessionId id = store.begin_session(sample_start(at(0)));
  store.record_step(id, sample_step(1, at(0)));
  store.record_step(id, sample_step(2, at(1000)));
  store.end_session(id, SessionOutcome::Fallback, at(1100));

  FlushReport r = store.flush();
  CHECK(r.written == 4);
  CHECK(r.failed == 0);
  // One INSERT for the session, one per step row.
  CHECK(store.stats().statements == 3);
  CHECK(updates(path) == 0);
  auto s = store.get_session(id);
  REQUIRE(s.has_value());
  CHECK(s->outcome == SessionOutcome::Fallback);
  CHECK(s->ended_at == at(1100));
  CHECK(s->steps == 2);
  CHECK(store.list_steps(id).size() == 2);
}

TEST_CASE("a batch of many short sessions writes rows in multi-row INSERTs and never UPDATEs") {
  TempDir dir;
  const std::string path = dir.file("many.db");
  with_update_log(path);
  SqliteSessionStore store(batched(path));
  constexpr int kSessions = 100;
  for (int i = 0; i < kSessions; ++i) {
    SessionId id = store.begin_session(sample_start(at(i)));
    store.record_step(id, sample_step(1, at(i)));
    store.record_step(id, sample_step(2, at(i + 1)));
    store.end_session(id, SessionOutcome::Completed, at(i + 2));
  }
  FlushReport r = store.flush();
  CHECK(r.written == 4 * kSessions);
  CHECK(r.failed == 0);
  // 300 rows; far fewer statements than the 400 records (or 300 rows).
  CHECK(store.stats().statements < 30);
  CHECK(updates(path) == 0);
  CHECK(store.count_sessions_by_outcome()[SessionOutcome::Completed] == kSessions);
  Db db = Db::open(path, test::read_only());
  CHECK(scalar(db, "SELECT count(*) FROM ussd_step") == 2 * kSessions);
  CHECK(miscounted(db) == 0);
}

TEST_CASE("a session spanning flushes is written open, then completed by one UPDATE per later flush") {
  TempDir dir;
  const std::string path = dir.file("span.db");
  with_update_log(path);
  SqliteSessionStore store(batched(path));

  // Flush 1: begin and the prompt step.
  SessionId id = store.begin_session(sample_start(at(0)));
  store.record_step(id, sample_step(1, at(0)));
  store.flush();
  auto s = store.get_session(id);
  REQUIRE(s.has_value());
  CHECK_FALSE(s->outcome.has_value());
  CHECK_FALSE(s->ended_at.has_value());
  CHECK(s->steps == 1);
  CHECK(updates(path) == 0);
  CHECK(store.stats().statements == 2);

  // Flush 2: the answer to the prompt, no end yet: the step row and one
  // UPDATE of the count.
  store.record_step(id, sample_step(2, at(1000)));
  store.flush();
  CHECK(store.get_session(id)->steps == 2);
  CHECK(updates(path) == 1);
  CHECK(store.stats().statements == 4);

  // Flush 3: a last step and the end: the step row and one UPDATE for both
  // the count and the end.
  store.record_step(id, sample_step(3, at(2000)));
  store.end_session(id, SessionOutcome::Completed, at(2100));
  FlushReport r = store.flush();
  CHECK(r.written == 2);
  CHECK(r.failed == 0);
  CHECK(updates(path) == 2);
  CHECK(store.stats().statements == 6);
  s = store.get_session(id);
  REQUIRE(s.has_value());
  CHECK(s->outcome == SessionOutcome::Completed);
  CHECK(s->ended_at == at(2100));
  CHECK(s->steps == 3);
  CHECK(store.list_steps(id).size() == 3);

  // An end alone, for a session begun in an earlier flush.
  SessionId other = store.begin_session(sample_start(at(3000)));
  store.flush();
  store.end_session(other, SessionOutcome::Timeout, at(4000));
  CHECK(store.flush().written == 1);
  CHECK(store.get_session(other)->outcome == SessionOutcome::Timeout);
  CHECK(store.get_session(other)->steps == 0);
}

TEST_CASE("batched flushes at any point leave the same rows as immediate writes") {
  TempDir dir;
  const std::string imm_path = dir.file("imm.db");
  const std::string bat_path = dir.file("bat.db");
  SqliteSessionStore imm(immediate(imm_path));
  SqliteSessionStore bat(batched(bat_path));

  // A fixed pseudo-random mix of sessions of 0..3 steps, some left open,
  // interleaved, with flushes in between.
  std::uint32_t seed = 12345;
  auto next = [&](std::uint32_t n) {
    seed = seed * 1664525u + 1013904223u;
    return (seed >> 8) % n;
  };
  struct Open {
    SessionId imm, bat;
    std::uint32_t steps = 0, planned = 0;
  };
  std::vector<Open> open;
  std::int64_t t = 0;
  for (int round = 0; round < 3000; ++round) {
    ++t;
    std::uint32_t what = next(10);
    if (what < 3 || open.empty()) {
      SessionStart start = sample_start(at(t));
      if (next(4) == 0) start.customer.reset();
      if (next(5) == 0) start.tcap_dtid.reset();
      open.push_back({imm.begin_session(start), bat.begin_session(start), 0, next(4)});
      REQUIRE(open.back().imm == open.back().bat);
    } else if (what < 8) {
      auto i = next(static_cast<std::uint32_t>(open.size()));
      Open& o = open[i];
      if (o.steps < o.planned) {
        StepRecord r = sample_step(++o.steps, at(t));
        if (next(3) == 0) r.response_text.reset();
        imm.record_step(o.imm, r);
        bat.record_step(o.bat, r);
      } else {
        auto outcome = static_cast<SessionOutcome>(next(kSessionOutcomeCount));
        imm.end_session(o.imm, outcome, at(t));
        bat.end_session(o.bat, outcome, at(t));
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
      }
    } else if (what == 8 && next(20) == 0) {
      CHECK(bat.flush().failed == 0);
    }
  }
  CHECK(bat.flush().failed == 0);
  std::string a = dump(imm_path), b = dump(bat_path);
  CHECK(a.size() > 1000);
  CHECK(a == b);
  Db db = Db::open(bat_path, test::read_only());
  CHECK(miscounted(db) == 0);
}

TEST_CASE("a bad record inside a multi-row INSERT fails alone, and step counts stay exact") {
  TempDir dir;
  const std::string path = dir.file("bad-many.db");
  SqliteSessionStore store(batched(path));
  std::vector<SessionId> ids;
  for (int i = 0; i < 80; ++i) {
    SessionId id = store.begin_session(sample_start(at(i)));
    ids.push_back(id);
    store.record_step(id, sample_step(1, at(i)));
    if (i == 40) store.record_step(id, sample_step(1, at(i)));  // same step number twice
    store.record_step(id, sample_step(2, at(i)));
    if (i != 50) store.end_session(id, SessionOutcome::Completed, at(i + 1));
  }
  SessionStart bad = sample_start(at(100));
  bad.tcap_otid = ussdgw::TransactionId{};  // zero octets: breaks the schema's CHECK
  SessionId bad_id = store.begin_session(bad);
  store.record_step(bad_id, sample_step(1, at(100)));
  store.end_session(bad_id, SessionOutcome::Refused, at(101));

  FlushReport r = store.flush();
  // 80 sessions: 80 begins + 160 steps + 79 ends; one duplicate step; the
  // bad session's three records.
  CHECK(r.written == 80 + 160 + 79);
  CHECK(r.failed == 1 + 3);
  CHECK_FALSE(r.first_error.empty());
  CHECK_FALSE(store.get_session(bad_id).has_value());
  CHECK(store.get_session(ids[40])->steps == 2);
  CHECK(store.get_session(ids[40])->outcome == SessionOutcome::Completed);
  CHECK_FALSE(store.get_session(ids[50])->outcome.has_value());
  Db db = Db::open(path, test::read_only());
  CHECK(miscounted(db) == 0);
  CHECK(scalar(db, "SELECT count(*) FROM ussd_step") == 160);

  // A step that fails for a session begun in an earlier flush leaves its count alone.
  store.record_step(ids[50], sample_step(2, at(200)));  // exists already
  store.record_step(ids[50], sample_step(3, at(200)));
  store.end_session(ids[50], SessionOutcome::Released, at(201));
  r = store.flush();
  CHECK(r.written == 2);
  CHECK(r.failed == 1);
  CHECK(store.get_session(ids[50])->steps == 3);
  CHECK(store.get_session(ids[50])->outcome == SessionOutcome::Released);
  CHECK(miscounted(db) == 0);
}

TEST_CASE("long texts and large batches cross queue chunks and round trip") {
  TempDir dir;
  SqliteSessionStore store(batched(dir.file("chunks.db")));
  std::vector<SessionId> ids;
  for (int i = 0; i < 700; ++i) {  // > 512 records per chunk, > 32 KiB of text per chunk
    SessionId id = store.begin_session(sample_start(at(i)));
    ids.push_back(id);
    StepRecord r = sample_step(1, at(i));
    r.request_text = std::string(100 + static_cast<std::size_t>(i % 7), static_cast<char>('a' + i % 26));
    r.response_text = std::to_string(i) + std::string(180, 'x');
    store.record_step(id, r);
  }
  CHECK(store.flush().failed == 0);
  // A second batch, in the chunks the first one used.
  StepRecord huge = sample_step(2, at(0));
  huge.response_text = std::string(100'000, 'h');  // larger than a chunk's text buffer
  store.record_step(ids[3], huge);
  for (int i = 0; i < 700; ++i) store.end_session(ids[static_cast<std::size_t>(i)], SessionOutcome::Completed, at(i));
  FlushReport r = store.flush();
  CHECK(r.failed == 0);
  CHECK(r.written == 701);
  for (int i = 0; i < 700; i += 69) {
    auto steps = store.list_steps(ids[static_cast<std::size_t>(i)]);
    REQUIRE(steps.size() >= 1);
    CHECK(steps[0].request_text == std::string(100 + static_cast<std::size_t>(i % 7), static_cast<char>('a' + i % 26)));
    CHECK(*steps[0].response_text == std::to_string(i) + std::string(180, 'x'));
  }
  auto steps = store.list_steps(ids[3]);
  REQUIRE(steps.size() == 2);
  CHECK(steps[1] == huge);
  CHECK(store.get_session(ids[3])->steps == 2);
}

TEST_CASE("a version-1 file is migrated: the step trigger goes, data and counts stay, writes go on") {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  {
    // A file as released builds left it: migration 001 only, with a session
    // (counted by the version-1 trigger) still open.
    Db db = Db::open(path);
    Transaction tx(db);
    db.exec(migrations()[0].sql);
    db.exec(
        "INSERT INTO ussd_session (id, customer, service_code, calling_gt, called_gt, tcap_otid, started_at)"
        " VALUES (7, 'acme', '*100#', '27831000011', '447700900000', x'03b5d7', 1709294400000);"
        "INSERT INTO ussd_step (session, step, request_text, dcs, outcome, started_at, ended_at)"
        " VALUES (7, 1, '*100#', 15, 'answered', 1709294400000, 1709294400050);");
    tx.commit();
    REQUIRE(db.user_version() == 1);
    REQUIRE(scalar(db, "SELECT steps FROM ussd_session WHERE id = 7") == 1);
  }
  SqliteSessionStore store(batched(path));
  {
    Db db = Db::open(path, test::read_only());
    CHECK(db.user_version() == latest_schema_version());
    CHECK(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'") == 0);
  }
  auto old = store.get_session(SessionId{7});
  REQUIRE(old.has_value());
  CHECK(old->steps == 1);
  CHECK(old->start.customer == CustomerId{"acme"});
  // The session the old build left open is closed as interrupted at open
  // (migration 003), so only sessions of this run are ever open.
  CHECK(old->outcome == SessionOutcome::Interrupted);
  CHECK(store.stats().interrupted_at_open == 1);

  // New sessions continue the numbering.
  SessionId next = store.begin_session(sample_start(at(2000)));
  CHECK(next.value == 8);
  store.record_step(next, sample_step(1, at(2000)));
  store.end_session(next, SessionOutcome::Completed, at(2100));
  FlushReport r = store.flush();
  CHECK(r.failed == 0);
  CHECK(r.written == 3);
  CHECK(store.get_session(next)->steps == 1);
  Db db = Db::open(path, test::read_only());
  CHECK(miscounted(db) == 0);
}
