// File: schema.h
// The SQLite schema as data: an ordered list of migrations, applied at open inside one
// transaction and recorded in schema_migrations. Append only: never edit a released migration.
#pragma once

#include <array>

namespace profiled::store::sqlite {

struct Migration {
  int version;
  const char* description;
  const char* sql;  // one or more statements
};

// Keys are BLOBs so that ordering is bytewise (memcmp) and embedded NULs are well defined; text
// with embedded NULs has undefined comparison results in SQLite. STRICT rejects any other type.
inline constexpr std::array kMigrations = {
    Migration{1, "documents and index rows",
              "CREATE TABLE docs ("
              "  account BLOB NOT NULL, domain BLOB NOT NULL, kind BLOB NOT NULL,"
              "  id BLOB NOT NULL, body BLOB NOT NULL,"
              "  PRIMARY KEY (account, domain, kind, id)"
              ") WITHOUT ROWID, STRICT;"
              "CREATE TABLE idx ("
              "  account BLOB NOT NULL, domain BLOB NOT NULL, name BLOB NOT NULL,"
              "  value BLOB NOT NULL, ref BLOB NOT NULL,"
              "  PRIMARY KEY (account, domain, name, value, ref)"
              ") WITHOUT ROWID, STRICT;"},
};

inline constexpr int kSchemaVersion = kMigrations.back().version;

// Versions must increase by one so that a gap (a lost migration) cannot go unnoticed.
constexpr bool MigrationsAreDense() {
  for (size_t i = 0; i < kMigrations.size(); ++i) {
    if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(MigrationsAreDense());

}  // namespace profiled::store::sqlite
