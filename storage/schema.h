// The database schema as numbered migrations (storage/schema/NNN_*.sql),
// compiled into the binary at build time so a running gateway never reads
// the source tree. Migration N moves a database from user_version N-1 to N;
// each file ends with its own `PRAGMA user_version = N;` so it can also be
// run by hand in the sqlite3 shell.
#pragma once

#include <span>
#include <string_view>

#include "storage/sqlite.h"

namespace ussdgw::storage {

struct Migration {
  int version;             // N, from the file name prefix
  std::string_view file;   // e.g. "001_ussd_sessions.sql"
  std::string_view sql;    // the file's text
};

// Every migration, in order: migrations()[i].version == i + 1.
std::span<const Migration> migrations();
// The version a database has once every migration ran.
int latest_schema_version();

// The file's schema version is newer than this build knows (a newer gateway
// wrote it). Never opened: an older binary must not write into a schema it
// does not understand.
class SchemaTooNewError : public StorageError {
 public:
  SchemaTooNewError(const std::string& path, int found, int known);
  [[nodiscard]] int found() const { return found_; }
  [[nodiscard]] int known() const { return known_; }

 private:
  int found_;
  int known_;
};

// Brings `db` to latest_schema_version(): runs each missing migration in its
// own IMMEDIATE transaction (so two processes opening the same new file do
// not both migrate it) and checks it left user_version at its number.
// Returns the version found before migrating. Throws SchemaTooNewError when
// the file is newer than this build.
int migrate(Db& db);

}  // namespace ussdgw::storage
