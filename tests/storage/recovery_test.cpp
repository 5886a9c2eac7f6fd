// Records after faults (issue 7 items 11 and 12): the file and its -wal/-shm
// are private to the gateway's user, and sessions an earlier run left open
// are closed as `interrupted` when the store opens, for this instance only.
// Times come from a ManualClock; nothing sleeps.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <fstream>

#include "storage/sqlite_session_store.h"
#include "store_fixture.h"
#include "ussdgw/manual_clock.h"

using namespace ussdgw::storage;
using namespace std::chrono_literals;
using ussdgw::ManualClock;
using ussdgw::SessionId;
using test::at;
using test::sample_start;
using test::sample_step;
using test::TempDir;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  const bool found = ::stat(path.c_str(), &st) == 0;
  REQUIRE_MESSAGE(found, path << " does not exist");
  return st.st_mode & 07777;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Sets the process umask for one scope (tests run on one thread).
class Umask {
 public:
  explicit Umask(mode_t m) : old_(::umask(m)) {}
  ~Umask() { ::umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

SqliteStoreOptions instance_options(const std::string& path, const std::string& instance) {
  SqliteStoreOptions o = test::batched(path);
  o.instance = instance;
  return o;
}

std::int64_t scalar(const std::string& path, const std::string& sql) {
  Db db = Db::open(path, test::read_only());
  return test::scalar(db, sql);
}

}  // namespace

// ---------------------------------------------------------------- file modes

TEST_CASE("a new database file and its -wal and -shm are created 0600, whatever the umask") {
  TempDir dir;
  const std::string path = dir.file("private.db");
  Umask open_umask(0);  // the worst case: nothing masked
  {
    SqliteSessionStore store(test::batched(path));
    store.begin_session(sample_start(at(0)));
    store.flush();
    // While the store is open, WAL mode keeps all three files.
    REQUIRE(exists(path + "-wal"));
    REQUIRE(exists(path + "-shm"));
    CHECK(mode_of(path) == 0600);
    CHECK(mode_of(path + "-wal") == 0600);
    CHECK(mode_of(path + "-shm") == 0600);
  }
  CHECK(mode_of(path) == 0600);
}

TEST_CASE("an existing world-readable file, -wal and -shm are narrowed to 0600 at open") {
  TempDir dir;
  const std::string path = dir.file("old.db");
  Umask open_umask(0);
  {
    // As an older build left it: 0644, and a -wal/-shm pair from a crash.
    SqliteStoreOptions o = test::batched(path);
    o.db.file_mode = 0644;
    SqliteSessionStore store(o);
    store.begin_session(sample_start(at(0)));
    store.flush();
    REQUIRE(mode_of(path) == 0644);
  }
  std::ofstream(path + "-stale") << "";
  for (const char* suffix : {"-wal", "-shm", "-stale"}) {
    if (!exists(path + suffix)) std::ofstream(path + suffix) << "";  // left by a crash
    REQUIRE(::chmod((path + suffix).c_str(), 0644) == 0);
  }
  SqliteSessionStore store(test::batched(path));
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(path + "-wal") == 0600);
  CHECK(mode_of(path + "-shm") == 0600);
  CHECK(mode_of(path + "-stale") == 0644);  // only the database's own files
}

TEST_CASE("the mode is configurable (0640 for a group of operators) and never widened") {
  TempDir dir;
  Umask open_umask(0);
  const std::string path = dir.file("group.db");
  {
    SqliteStoreOptions o = test::batched(path);
    o.db.file_mode = 0640;
    SqliteSessionStore store(o);
    store.begin_session(sample_start(at(0)));
    store.flush();
    CHECK(mode_of(path) == 0640);
    CHECK(mode_of(path + "-wal") == 0640);
    CHECK(mode_of(path + "-shm") == 0640);
  }
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  SqliteStoreOptions o = test::batched(path);
  o.db.file_mode = 0640;
  SqliteSessionStore store(o);
  CHECK(mode_of(path) == 0600);  // narrowing only: an operator's stricter choice stays
}

TEST_CASE("a read-only open never creates the file") {
  TempDir dir;
  const std::string path = dir.file("absent.db");
  CHECK_THROWS_AS(Db::open(path, test::read_only()), SqliteError);
  CHECK_FALSE(exists(path));
}

// ---------------------------------------------------------------- interrupted sessions

TEST_CASE("sessions an earlier run left open are closed as interrupted at open, at the clock's time") {
  TempDir dir;
  const std::string path = dir.file("crash.db");
  ManualClock clock;
  SessionId done, open1, open2;
  {
    SqliteSessionStore store(test::batched(path), clock);
    done = store.begin_session(sample_start(at(0)));
    store.end_session(done, SessionOutcome::Completed, at(10));
    open1 = store.begin_session(sample_start(at(20)));
    store.record_step(open1, sample_step(1, at(20)));
    open2 = store.begin_session(sample_start(at(30)));
    store.flush();
    // A crash: the ends of open1 and open2 are never written. (The
    // destructor's flush has nothing left to write.)
  }
  clock.tick(5min);
  test::LogCapture logs;
  SqliteSessionStore store(test::batched(path), clock);
  CHECK(store.stats().interrupted_at_open == 2);
  for (SessionId id : {open1, open2}) {
    auto s = store.get_session(id);
    REQUIRE(s.has_value());
    CHECK(s->outcome == SessionOutcome::Interrupted);
    CHECK(s->ended_at == clock.wall_now() - (clock.wall_now().time_since_epoch() % 1ms));
  }
  CHECK(store.get_session(open1)->steps == 1);
  CHECK(store.get_session(done)->outcome == SessionOutcome::Completed);
  auto counts = store.count_sessions_by_outcome();
  CHECK(counts.open == 0);
  CHECK(counts[SessionOutcome::Interrupted] == 2);
  CHECK(logs.count("store NOTICE db=" + path + ": Closed 2 sessions as interrupted") == 1);

  // Sessions of this run stay open until they end; a clean reopen finds
  // nothing to close.
  SessionId now_open = store.begin_session(sample_start(at(40)));
  store.flush();
  CHECK(store.count_sessions_by_outcome().open == 1);
  store.end_session(now_open, SessionOutcome::Completed, at(50));
  store.flush();
  SqliteSessionStore again(test::batched(path), clock);
  CHECK(again.stats().interrupted_at_open == 0);
}

TEST_CASE("at open an instance closes only its own open sessions, never another instance's") {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  SessionId a_open, b_open;
  {
    SqliteSessionStore a(instance_options(path, "gw1"));
    a_open = a.begin_session(sample_start(at(0)));
    a.flush();
  }
  {
    // Another instance on the same database (PostgreSQL later; here one
    // after the other, as SQLite allows one writer process per file).
    SqliteSessionStore b(instance_options(path, "gw2"));
    CHECK(b.stats().interrupted_at_open == 0);  // gw1's session may be live
    b_open = b.begin_session(sample_start(at(1)));
    b.flush();
    CHECK_FALSE(b.get_session(a_open)->outcome.has_value());
  }
  CHECK(scalar(path, "SELECT count(*) FROM ussd_session WHERE instance = 'gw1'") == 1);
  CHECK(scalar(path, "SELECT count(*) FROM ussd_session WHERE instance = 'gw2'") == 1);
  SqliteSessionStore a(instance_options(path, "gw1"));
  CHECK(a.stats().interrupted_at_open == 1);
  CHECK(a.get_session(a_open)->outcome == SessionOutcome::Interrupted);
  CHECK_FALSE(a.get_session(b_open)->outcome.has_value());
}

TEST_CASE("the new outcomes round trip: not_sent and interrupted") {
  TempDir dir;
  SqliteSessionStore store(test::immediate(dir.file("outcomes.db")));
  for (SessionOutcome o : {SessionOutcome::NotSent, SessionOutcome::Interrupted}) {
    CAPTURE(to_string(o));
    SessionId id = store.begin_session(sample_start(at(0)));
    store.end_session(id, o, at(1));
    CHECK(store.get_session(id)->outcome == o);
    CHECK(session_outcome_from_string(to_string(o)) == o);
  }
  CHECK(to_string(SessionOutcome::NotSent) == "not_sent");
  CHECK(to_string(SessionOutcome::Interrupted) == "interrupted");
  CHECK(store.stats().failed == 0);
}

// ---------------------------------------------------------------- retention on the store's clock

TEST_CASE("purge_expired deletes what the clock and the retention say is past, and nothing else") {
  TempDir dir;
  ManualClock clock;
  clock.set_wall(at(0));
  SqliteStoreOptions o = test::batched(dir.file("retention.db"));
  o.retention = std::chrono::hours(24);
  SqliteSessionStore store(o, clock);
  SessionId old_one = store.begin_session(sample_start(at(0)));
  store.end_session(old_one, SessionOutcome::Completed, at(1));
  clock.tick(12h);
  SessionId young = store.begin_session(sample_start(clock.wall_now()));
  store.end_session(young, SessionOutcome::Completed, clock.wall_now());
  store.flush();

  CHECK(store.purge_expired().value() == 0);  // 12 h old: kept
  clock.tick(12h + 1ms);
  CHECK(store.purge_expired().value() == 1);  // 24 h + 1 ms old: gone
  CHECK_FALSE(store.get_session(old_one).has_value());
  CHECK(store.get_session(young).has_value());
}
