#include "storage/sqlite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

namespace ussdgw::storage {

namespace {

std::string describe(int code, const std::string& message, const std::string& sql) {
  std::string s = "sqlite: " + message + " (code " + std::to_string(code) + ")";
  if (!sql.empty()) s += " in: " + sql;
  return s;
}

// SQLite takes lengths as int; a longer value is a bug upstream, not data.
int checked_length(std::size_t n, std::string_view sql) {
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw SqliteError(SQLITE_TOOBIG, "value too long to bind", std::string(sql));
  return static_cast<int>(n);
}

std::string os_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Narrows the permissions of `path`, if it exists, to `mode`.
void narrow_mode(const std::string& path, mode_t mode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw StorageError(os_error("cannot stat", path));
  }
  const mode_t current = st.st_mode & 07777;
  if ((current & ~mode) == 0) return;
  if (::chmod(path.c_str(), current & mode) != 0) throw StorageError(os_error("cannot restrict permissions of", path));
}

// Before SQLite opens `path` for writing: creates the file with exactly
// `mode` (an empty file is an empty database), or narrows an existing one
// and the -wal/-shm a crash may have left. SQLite then creates -wal and -shm
// with the database file's mode (its unix VFS copies it and fchmod()s,
// whatever the umask), so all three stay private.
void prepare_file(const std::string& path, std::uint32_t file_mode) {
  if (path.empty() || path == ":memory:") return;
  const auto mode = static_cast<mode_t>(file_mode & 0777);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd >= 0) {
    // open() applied the umask; the mode asked for is the mode wanted.
    int rc = ::fchmod(fd, mode);
    ::close(fd);
    if (rc != 0) throw StorageError(os_error("cannot set permissions of", path));
    return;
  }
  if (errno != EEXIST) throw StorageError(os_error("cannot create", path));
  for (const char* suffix : {"", "-wal", "-shm"}) narrow_mode(path + suffix, mode);
}

}  // namespace

SqliteError::SqliteError(int code, std::string message, std::string sql)
    : StorageError(describe(code, message, sql)), code_(code), message_(std::move(message)), sql_(std::move(sql)) {}

// ---------------------------------------------------------------- Db

Db Db::open(const std::string& path, const DbOptions& options) {
  if (!options.read_only) prepare_file(path, options.file_mode);
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  // sqlite3_open_v2 hands out a handle even on failure (to read the message);
  // wrap it first so it is closed on every path.
  Db db(raw, path);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw SqliteError(rc, msg + ": " + path, "sqlite3_open_v2");
  }
  db.check(sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count())), "sqlite3_busy_timeout");
  if (!options.read_only) {
    // journal_mode answers with the mode in force; a file system without
    // shared memory support would silently stay in rollback mode.
    db.exec("PRAGMA journal_mode=WAL");
    std::string mode = db.journal_mode();
    if (mode != "wal" && mode != "memory")
      throw SqliteError(SQLITE_ERROR, "WAL mode refused, journal_mode is " + mode + ": " + path,
                        "PRAGMA journal_mode=WAL");
  }
  db.exec("PRAGMA foreign_keys=ON");
  db.exec(options.synchronous == Synchronous::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  return db;
}

void Db::check(int rc, std::string_view sql) const {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  // The connection's message matches rc only right after the failing call;
  // callers check immediately.
  throw SqliteError(rc, db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc), std::string(sql));
}

void Db::exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec needs a terminated string
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(rc, msg, text);
  }
}

int Db::user_version() {
  Statement s(*this, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.column_int64(0));
}

std::string Db::journal_mode() {
  Statement s(*this, "PRAGMA journal_mode");
  s.step();
  return std::string(s.column_text(0));
}

std::int64_t Db::changes() const { return sqlite3_changes64(db_.get()); }

bool Db::autocommit() const { return sqlite3_get_autocommit(db_.get()) != 0; }

// ---------------------------------------------------------------- Statement

Statement::Statement(Db& db, std::string_view sql, bool persistent) : db_(db.handle()) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), checked_length(sql.size(), sql),
                              persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, &tail);
  stmt_.reset(raw);
  db.check(rc, sql);
  if (!raw) throw SqliteError(SQLITE_MISUSE, "no statement in SQL text", std::string(sql));
  // Trailing statements would be silently ignored: refuse them.
  std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos)
    throw SqliteError(SQLITE_MISUSE, "more than one statement in SQL text", std::string(sql));
}

void Statement::check_bind(int rc) {
  if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db_), std::string(sql()));
}

void Statement::bind(int index, std::int64_t v) { check_bind(sqlite3_bind_int64(stmt_.get(), index, v)); }

void Statement::bind(int index, double v) { check_bind(sqlite3_bind_double(stmt_.get(), index, v)); }

void Statement::bind(int index, std::string_view v) {
  check_bind(sqlite3_bind_text(stmt_.get(), index, v.data(), checked_length(v.size(), sql()), SQLITE_TRANSIENT));
}

void Statement::bind(int index, Blob v) {
  check_bind(sqlite3_bind_blob(stmt_.get(), index, v.data(), checked_length(v.size(), sql()), SQLITE_TRANSIENT));
}

void Statement::bind_static(int index, std::string_view v) {
  check_bind(sqlite3_bind_text(stmt_.get(), index, v.data(), checked_length(v.size(), sql()), SQLITE_STATIC));
}

void Statement::bind_static(int index, Blob v) {
  check_bind(sqlite3_bind_blob(stmt_.get(), index, v.data(), checked_length(v.size(), sql()), SQLITE_STATIC));
}

void Statement::bind(int index, std::nullopt_t) { check_bind(sqlite3_bind_null(stmt_.get(), index)); }

bool Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw SqliteError(rc, sqlite3_errmsg(db_), std::string(sql()));
}

void Statement::reset() noexcept {
  // sqlite3_reset repeats the last step's error code; it was reported by step().
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

std::int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

double Statement::column_double(int column) const { return sqlite3_column_double(stmt_.get(), column); }

std::string_view Statement::column_text(int column) const {
  // text first, then bytes: the documented order that avoids a conversion
  // invalidating the pointer.
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column));
  return p ? std::string_view(p, n) : std::string_view();
}

Blob Statement::column_blob(int column) const {
  auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), column));
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column));
  return p ? Blob(p, n) : Blob();
}

std::optional<std::int64_t> Statement::column_optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_int64(column);
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return std::string(column_text(column));
}

std::string_view Statement::sql() const {
  const char* s = sqlite3_sql(stmt_.get());
  return s ? std::string_view(s) : std::string_view();
}

// ---------------------------------------------------------------- Transaction

Transaction::Transaction(Db& db, Kind kind) : db_(db) {
  db_.exec(kind == Kind::Immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() { rollback(); }

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

void Transaction::rollback() noexcept {
  if (!open_) return;
  open_ = false;
  // SQLite may already have rolled back on its own (SQLITE_FULL, IOERR);
  // a ROLLBACK then fails harmlessly, so its result is ignored.
  if (!db_.autocommit()) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace ussdgw::storage
