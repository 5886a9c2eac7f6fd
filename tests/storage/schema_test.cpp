// The schema files are the source of truth: what is compiled in is what is
// in storage/schema/, it applies to a new file, re-applies as a no-op, and a
// file from a newer build is refused.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "storage/schema.h"
#include "storage/sqlite_session_store.h"
#include "store_fixture.h"

using namespace ussdgw::storage;
using ussdgw::CustomerId;
using ussdgw::SessionId;
using ussdgw::storage::test::scalar;
using ussdgw::storage::test::TempDir;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}


}  // namespace

TEST_CASE("embedded migrations are the files in storage/schema, numbered without gaps") {
  auto list = migrations();
  REQUIRE(!list.empty());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Migration& m = list[i];
    CAPTURE(m.file);
    CHECK(m.version == static_cast<int>(i + 1));
    CHECK(m.sql == read_file(std::string(USSDGW_SOURCE_DIR) + "/storage/schema/" + std::string(m.file)));
    // Each file sets its own version, so it also works run by hand.
    CHECK(m.sql.find("PRAGMA user_version = " + std::to_string(m.version) + ";") != std::string_view::npos);
  }
  CHECK(latest_schema_version() == static_cast<int>(list.size()));
}

TEST_CASE("when a new file is opened then the whole schema is applied in WAL mode") {
  TempDir dir;
  Db db = Db::open(dir.file("new.db"));
  CHECK(migrate(db) == 0);
  CHECK(db.user_version() == latest_schema_version());
  CHECK(db.journal_mode() == "wal");
  CHECK(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('ussd_session', 'ussd_step')") == 2);
  CHECK(scalar(db, "PRAGMA foreign_keys") == 1);
  CHECK(scalar(db, "PRAGMA synchronous") == 1);  // NORMAL
}

TEST_CASE("when a migrated file is reopened then nothing is re-applied and data stays") {
  TempDir dir;
  const std::string path = dir.file("twice.db");
  SessionId id;
  {
    SqliteSessionStore store(test::immediate(path));
    id = store.begin_session(test::sample_start(test::at(0)));
  }
  Db db = Db::open(path);
  CHECK(migrate(db) == latest_schema_version());
  CHECK(db.user_version() == latest_schema_version());
  SqliteSessionStore again(test::immediate(path));
  CHECK(again.get_session(id).has_value());
}

TEST_CASE("when the file comes from a newer build then opening it is refused, naming both versions") {
  TempDir dir;
  const std::string path = dir.file("future.db");
  const int future = latest_schema_version() + 1;
  {
    Db db = Db::open(path);
    db.exec("PRAGMA user_version = " + std::to_string(future));
  }
  try {
    SqliteSessionStore store(test::batched(path));
    FAIL("opened a database from the future");
  } catch (const SchemaTooNewError& e) {
    CHECK(e.found() == future);
    CHECK(e.known() == latest_schema_version());
    std::string what = e.what();
    CHECK(what.find("version " + std::to_string(future)) != std::string::npos);
    CHECK(what.find("latest version " + std::to_string(latest_schema_version())) != std::string::npos);
    CHECK(what.find(path) != std::string::npos);
  }
  // Refusing must not have touched the file.
  Db db = Db::open(path);
  CHECK(db.user_version() == future);
  CHECK(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'ussd_session'") == 0);
}

namespace {

// Runs migrations 1..version by hand, as older builds left files.
void migrate_to(Db& db, int version) {
  for (const Migration& m : migrations()) {
    if (m.version > version) break;
    Transaction tx(db);
    db.exec(m.sql);
    tx.commit();
  }
  REQUIRE(db.user_version() == version);
}

bool accepts_outcome(Db& db, const std::string& outcome) {
  try {
    Transaction tx(db);
    db.exec("INSERT INTO ussd_session (service_code, calling_gt, called_gt, tcap_otid, started_at, ended_at, outcome)"
            " VALUES ('*1#', '1', '2', x'01', 0, 1, '" + outcome + "')");
    // Rolled back: only the constraint is of interest.
    return true;
  } catch (const SqliteError& e) {
    CHECK(e.code() == SQLITE_CONSTRAINT_CHECK);
    return false;
  }
}

}  // namespace

TEST_CASE("migration 003 on an empty file: new outcomes, the instance column, the open-sessions index") {
  TempDir dir;
  Db db = Db::open(dir.file("empty.db"));
  migrate(db);
  REQUIRE(db.user_version() >= 3);
  for (const char* o : {"completed", "released", "aborted_by_network", "timeout", "fallback", "refused", "busy",
                        "interrupted", "not_sent"})
    CHECK_MESSAGE(accepts_outcome(db, o), o);
  CHECK_FALSE(accepts_outcome(db, "lost"));
  CHECK(scalar(db, "SELECT count(*) FROM pragma_table_info('ussd_session') WHERE name = 'instance'") == 1);
  CHECK(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN"
                  " ('idx_ussd_session_started_at', 'idx_ussd_session_open')") == 2);
  // The start-up query walks the partial index rather than the table.
  Statement plan(db,
                 "EXPLAIN QUERY PLAN UPDATE ussd_session SET ended_at = 1, outcome = 'interrupted'"
                 " WHERE instance = '' AND outcome IS NULL");
  REQUIRE(plan.step());
  CHECK(std::string(plan.column_text(3)).find("idx_ussd_session_open") != std::string::npos);
  CHECK(scalar(db, "PRAGMA foreign_keys") == 1);  // back on after migrating
}

TEST_CASE("migration 003 on a version-2 file keeps every row, step and session number") {
  TempDir dir;
  const std::string path = dir.file("v2.db");
  {
    Db db = Db::open(path);
    migrate_to(db, 2);
    Transaction tx(db);
    db.exec(
        // 1: ended, with two steps; 2: open, with one step; 3: ended, then
        // purged, so the highest number ever used (3) is only in
        // sqlite_sequence.
        "INSERT INTO ussd_session (id, customer, imsi, msisdn, service_code, calling_gt, called_gt, tcap_otid,"
        " tcap_dtid, started_at, ended_at, outcome, steps) VALUES"
        " (1, 'acme', '655011420096316', '447700900123', '*100#', '27831000011', '447700900000', x'03b5d7',"
        "  x'00001001', 1709294400000, 1709294401100, 'completed', 2),"
        " (2, NULL, NULL, NULL, '*555#', '27831000011', '447700900000', x'0a0b0c01', NULL, 1709294402000,"
        "  NULL, NULL, 1),"
        " (3, 'acme', NULL, NULL, '*100#', '1', '2', x'01', NULL, 1709294403000, 1709294403001, 'busy', 0);"
        "INSERT INTO ussd_step (session, step, request_text, dcs, response_text, action, map_error,"
        " customer_latency_ms, outcome, started_at, ended_at) VALUES"
        " (1, 1, '*100#', 15, 'Choose', 'prompt', NULL, 42, 'answered', 1709294400000, 1709294400050),"
        " (1, 2, '1', 15, 'Done', 'reply', NULL, 40, 'answered', 1709294401000, 1709294401100),"
        " (2, 1, '*555#', 15, NULL, 'release', 34, NULL, 'not_relayed', 1709294402000, 1709294402010);"
        "DELETE FROM ussd_session WHERE id = 3;");
    tx.commit();
    REQUIRE(scalar(db, "SELECT seq FROM sqlite_sequence WHERE name = 'ussd_session'") == 3);
  }
  const std::string before_sessions = [&] {
    Db db = Db::open(path, test::read_only());
    std::string out;
    Statement s(db, "SELECT id, customer, imsi, msisdn, service_code, calling_gt, called_gt, hex(tcap_otid),"
                    " hex(tcap_dtid), started_at, ended_at, outcome, steps FROM ussd_session ORDER BY id");
    while (s.step())
      for (int c = 0; c < 13; ++c) out += (s.is_null(c) ? std::string("NULL") : std::string(s.column_text(c))) + "|";
    return out;
  }();

  Db db = Db::open(path);
  CHECK(migrate(db) == 2);
  CHECK(db.user_version() == latest_schema_version());
  // Not one step lost to ON DELETE CASCADE when the old table was dropped.
  CHECK(scalar(db, "SELECT count(*) FROM ussd_step") == 3);
  CHECK(scalar(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
  std::string after;
  Statement s(db, "SELECT id, customer, imsi, msisdn, service_code, calling_gt, called_gt, hex(tcap_otid),"
                  " hex(tcap_dtid), started_at, ended_at, outcome, steps FROM ussd_session ORDER BY id");
  while (s.step())
    for (int c = 0; c < 13; ++c) after += (s.is_null(c) ? std::string("NULL") : std::string(s.column_text(c))) + "|";
  CHECK(after == before_sessions);
  CHECK(scalar(db, "SELECT count(*) FROM ussd_session WHERE instance = ''") == 2);
  CHECK(scalar(db, "SELECT seq FROM sqlite_sequence WHERE name = 'ussd_session'") == 3);
  CHECK(scalar(db, "SELECT count(*) FROM sqlite_sequence WHERE name = 'ussd_session_new'") == 0);
  CHECK(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'ussd_session_new'") == 0);
  // The foreign key still points at the rebuilt table: deleting a session
  // deletes its steps, and a step for no session is refused.
  CHECK(scalar(db, "PRAGMA foreign_keys") == 1);
  db.exec("DELETE FROM ussd_session WHERE id = 1");
  CHECK(scalar(db, "SELECT count(*) FROM ussd_step") == 1);
  CHECK_THROWS_AS(db.exec("INSERT INTO ussd_step (session, step, request_text, dcs, outcome, started_at, ended_at)"
                          " VALUES (99, 1, 'x', 15, 'answered', 0, 0)"),
                  SqliteError);

  // A store opened on it closes the open session and numbers on from 4.
  SqliteSessionStore store(test::immediate(path));
  CHECK(store.get_session(SessionId{2})->outcome == SessionOutcome::Interrupted);
  CHECK(store.get_session(SessionId{2})->steps == 1);
  CHECK(store.begin_session(test::sample_start(test::at(0))).value == 4);
}
