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
using ussdgw::storage::test::TempDir;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::int64_t count(Db& db, const std::string& sql) {
  Statement s(db, sql);
  REQUIRE(s.step());
  return s.column_int64(0);
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
  CHECK(count(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('ussd_session', 'ussd_step')") == 2);
  CHECK(count(db, "PRAGMA foreign_keys") == 1);
  CHECK(count(db, "PRAGMA synchronous") == 1);  // NORMAL
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
  CHECK(count(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'ussd_session'") == 0);
}
