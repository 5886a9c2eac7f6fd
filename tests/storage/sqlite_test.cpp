// The SQLite wrapper: typed binds including NULLs, errors that carry SQLite's
// message and the SQL, transactions that roll back unless committed.
#include <doctest/doctest.h>

#include "storage/sqlite.h"
#include "store_fixture.h"

using namespace ussdgw::storage;
using ussdgw::CustomerId;
using ussdgw::SessionId;
using ussdgw::storage::test::TempDir;

TEST_CASE("typed binds and optional values round trip through one row") {
  TempDir dir;
  Db db = Db::open(dir.file("w.db"));
  db.exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n TEXT)");
  Statement ins(db, "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)");
  const std::array<std::uint8_t, 3> octets{0x00, 0xff, 0x10};
  ins.bind_all(std::int64_t{-5}, 2.5, std::string_view("héllo"), Blob(octets), std::optional<std::string>());
  ins.run();

  Statement sel(db, "SELECT i, d, s, b, n FROM t");
  REQUIRE(sel.step());
  CHECK(sel.column_int64(0) == -5);
  CHECK(sel.column_double(1) == 2.5);
  CHECK(sel.column_text(2) == "héllo");
  auto b = sel.column_blob(3);
  CHECK(std::vector<std::uint8_t>(b.begin(), b.end()) == std::vector<std::uint8_t>{0x00, 0xff, 0x10});
  CHECK(sel.is_null(4));
  CHECK_FALSE(sel.column_optional_text(4).has_value());
  CHECK_FALSE(sel.step());
}

TEST_CASE("a failing statement reports SQLite's message, the code and the SQL") {
  TempDir dir;
  Db db = Db::open(dir.file("e.db"));
  db.exec("CREATE TABLE t (x INTEGER NOT NULL)");
  Statement ins(db, "INSERT INTO t (x) VALUES (?1)");
  ins.bind(1, std::nullopt);
  try {
    ins.run();
    FAIL("NULL accepted into a NOT NULL column");
  } catch (const SqliteError& e) {
    CHECK((e.code() & 0xff) == SQLITE_CONSTRAINT);
    CHECK(e.message().find("NOT NULL") != std::string::npos);
    CHECK(e.sql() == "INSERT INTO t (x) VALUES (?1)");
    CHECK(std::string(e.what()).find("in: INSERT INTO t") != std::string::npos);
  }
  CHECK_THROWS_AS(Statement(db, "SELEC 1"), SqliteError);
  CHECK_THROWS_AS(Statement(db, "SELECT 1; SELECT 2"), SqliteError);
}

TEST_CASE("a transaction left without commit is rolled back") {
  TempDir dir;
  Db db = Db::open(dir.file("tx.db"));
  db.exec("CREATE TABLE t (x INTEGER)");
  {
    Transaction tx(db);
    db.exec("INSERT INTO t VALUES (1)");
  }
  {
    Transaction tx(db);
    db.exec("INSERT INTO t VALUES (2)");
    tx.commit();
  }
  Statement sel(db, "SELECT group_concat(x) FROM t");
  REQUIRE(sel.step());
  CHECK(sel.column_text(0) == "2");
  CHECK(db.autocommit());
}

TEST_CASE("a read-only connection cannot write") {
  TempDir dir;
  const std::string path = dir.file("ro.db");
  Db::open(path).exec("CREATE TABLE t (x INTEGER)");
  Db ro = Db::open(path, test::read_only());
  CHECK_THROWS_AS(ro.exec("INSERT INTO t VALUES (1)"), SqliteError);
}
