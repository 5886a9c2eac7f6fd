// A thin C++ owner for SQLite handles: one class owns a sqlite3*, one owns a
// sqlite3_stmt*, one owns an open transaction. Errors are exceptions carrying
// SQLite's own message, its result code and the SQL that failed, so a log
// line is enough to reproduce the problem with the sqlite3 shell.
//
// Threading: a Db is used by one thread at a time (the connection is opened
// in SQLite's multi-thread mode, without SQLite's own per-call mutex); the
// owner of the Db serialises access. Several Db objects on the same file are
// fine: WAL mode lets readers run while one writer commits.
#pragma once

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace ussdgw::storage {

// Any failure of the storage layer (base of the more precise errors below).
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A SQLite call failed. what() reads "sqlite: MESSAGE (code N) in: SQL".
class SqliteError : public StorageError {
 public:
  SqliteError(int code, std::string message, std::string sql);
  // Primary or extended result code (SQLITE_BUSY, SQLITE_CONSTRAINT_FOREIGNKEY, ...).
  [[nodiscard]] int code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] const std::string& sql() const { return sql_; }

 private:
  int code_;
  std::string message_;
  std::string sql_;
};

// PRAGMA synchronous in WAL mode. Normal: a commit is durable against a
// process crash, not against power loss (the WAL is fsynced at checkpoints).
// Full: one fsync per commit. See docs/storage.md, "Durability".
enum class Synchronous { Normal, Full };

struct DbOptions {
  // How long a statement waits for another connection's lock before failing
  // with SQLITE_BUSY. In WAL mode only writers wait for each other.
  std::chrono::milliseconds busy_timeout{5000};
  Synchronous synchronous = Synchronous::Normal;
  bool read_only = false;  // ops tools and second readers: never create, never write
  // Permissions of the database file and of its -wal and -shm (which SQLite
  // creates with the database file's mode, whatever the umask). 0600: the
  // file holds IMSIs and MSISDNs, and a WAL reader needs write access to
  // -shm anyway, so group read access (0640) would not let a group read a
  // live file (docs/storage.md, "File permissions"). A new file is created
  // with exactly this mode; an existing file, -wal or -shm with more bits is
  // narrowed to it at open. Ignored for read_only and ":memory:".
  std::uint32_t file_mode = 0600;
};

class Statement;

class Db {
 public:
  // Opens (creating unless read_only) the database at `path` and sets WAL,
  // busy_timeout, foreign_keys=ON and synchronous. ":memory:" works but has no
  // WAL (tests of the wrapper only).
  static Db open(const std::string& path, const DbOptions& options = {});

  Db(Db&&) noexcept = default;
  Db& operator=(Db&&) noexcept = default;

  // Runs one or more ';'-separated statements without results (schema
  // scripts, pragmas, BEGIN/COMMIT).
  void exec(std::string_view sql);
  // PRAGMA user_version: the schema version stored in the file header.
  [[nodiscard]] int user_version();
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  [[nodiscard]] std::int64_t changes() const;
  // True outside an explicit transaction; after an error inside one, true
  // means SQLite rolled the whole transaction back (e.g. SQLITE_FULL).
  [[nodiscard]] bool autocommit() const;
  [[nodiscard]] std::string journal_mode();
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] sqlite3* handle() const { return db_.get(); }

  // Throws SqliteError for rc unless it is one of the success codes.
  void check(int rc, std::string_view sql) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

// Raw octets for BLOB columns.
using Blob = std::span<const std::uint8_t>;

class Statement {
 public:
  // Prepares `sql` (one statement). `persistent` hints SQLite that the
  // statement lives long (prepared once, stepped many times).
  Statement(Db& db, std::string_view sql, bool persistent = false);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Parameters are 1-based, as in SQLite.
  void bind(int index, std::int64_t v);
  void bind(int index, std::int32_t v) { bind(index, static_cast<std::int64_t>(v)); }
  void bind(int index, std::uint32_t v) { bind(index, static_cast<std::int64_t>(v)); }
  void bind(int index, std::uint8_t v) { bind(index, static_cast<std::int64_t>(v)); }
  void bind(int index, double v);
  void bind(int index, std::string_view v);  // TEXT (UTF-8), copied by SQLite
  void bind(int index, const std::string& v) { bind(index, std::string_view(v)); }
  void bind(int index, const char* v) { bind(index, std::string_view(v)); }
  void bind(int index, Blob v);  // BLOB, copied by SQLite
  // TEXT / BLOB not copied: the bytes must stay valid and unchanged until
  // the statement is reset (StatementUse's scope) or the parameter rebound.
  void bind_static(int index, std::string_view v);
  void bind_static(int index, Blob v);
  void bind(int index, std::nullopt_t);
  template <class T>
  void bind(int index, const std::optional<T>& v) {
    if (v)
      bind(index, *v);
    else
      bind(index, std::nullopt);
  }
  // Binds args to parameters 1..N in order.
  template <class... Args>
  void bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
  }

  // Runs one step: true when a row is available, false when done.
  bool step();
  // Steps to completion of a statement that returns no rows.
  void run() {
    while (step()) {
    }
  }
  // Ready for the next use: resets and clears every binding.
  void reset() noexcept;

  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] std::int64_t column_int64(int column) const;
  [[nodiscard]] double column_double(int column) const;
  // Views into SQLite's buffer: valid until the next step/reset.
  [[nodiscard]] std::string_view column_text(int column) const;
  [[nodiscard]] Blob column_blob(int column) const;
  [[nodiscard]] std::optional<std::int64_t> column_optional_int64(int column) const;
  [[nodiscard]] std::optional<std::string> column_optional_text(int column) const;

  [[nodiscard]] std::string_view sql() const;
  [[nodiscard]] sqlite3_stmt* handle() const { return stmt_.get(); }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  void check_bind(int rc);

  sqlite3* db_ = nullptr;  // not owned: errors read its message
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// Resets a statement when the scope ends, whatever path leaves it, so a
// statement from a table is never left half-stepped (which would hold a read
// snapshot open and block WAL checkpoints).
class StatementUse {
 public:
  explicit StatementUse(Statement& s) : s_(s) {}
  ~StatementUse() { s_.reset(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  Statement& operator*() { return s_; }
  Statement* operator->() { return &s_; }

 private:
  Statement& s_;
};

// An open transaction; rolls back in the destructor unless commit() ran.
class Transaction {
 public:
  // Immediate takes the write lock at BEGIN, so a writer never fails later
  // trying to upgrade a read lock (SQLITE_BUSY_SNAPSHOT in WAL mode).
  enum class Kind { Deferred, Immediate };
  explicit Transaction(Db& db, Kind kind = Kind::Immediate);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();
  void rollback() noexcept;

 private:
  Db& db_;
  bool open_ = true;
};

// Prepared statements in a table indexed by an enum (osmo-hlr src/db.h): each
// statement is prepared once at start, so a typo in SQL fails at open, not on
// the first rare code path. Key must be an enum whose values are 0..N-1;
// the SQL list gives each key with its text and must be in enum order.
template <class Key, std::size_t N>
class StatementTable {
 public:
  struct Entry {
    Key key;
    std::string_view sql;
  };
  // True when entries[i].key == Key(i) for every i: use in a static_assert.
  static constexpr bool in_order(const std::array<Entry, N>& entries) {
    for (std::size_t i = 0; i < N; ++i)
      if (static_cast<std::size_t>(entries[i].key) != i) return false;
    return true;
  }

  StatementTable(Db& db, const std::array<Entry, N>& entries)
      : statements_(prepare(db, entries, std::make_index_sequence<N>{})) {}

  Statement& operator[](Key k) { return statements_[static_cast<std::size_t>(k)]; }

 private:
  template <std::size_t... I>
  static std::array<Statement, N> prepare(Db& db, const std::array<Entry, N>& e, std::index_sequence<I...>) {
    return {Statement(db, e[I].sql, true)...};
  }
  std::array<Statement, N> statements_;
};

}  // namespace ussdgw::storage
