#include "store/postgres/pg_schema.h"

#include <cstdlib>
#include <string>

#include "common/log.h"

namespace profiled::store::postgres {
namespace {

// An arbitrary constant naming Profiled's migration lock among the database's advisory locks.
constexpr const char* kLockMigrations = "SELECT pg_advisory_xact_lock(7221950212419651185)";

// Migration N is kMigrations[N - 1]. Append only; never edit one that has shipped.
// Every column is bytea: the Store contract keeps keys and bodies byte for byte (NUL and bytes
// that are not UTF-8 included), which text in a UTF8 database cannot, and bytea compares like
// memcmp, which is the bytewise order Scan and IndexLookup promise, whatever the locale.
constexpr const char* kMigrations[] = {
    // 1: documents and index rows, both keyed for point and prefix lookups by (account, domain).
    R"sql(
CREATE TABLE docs (
  account bytea NOT NULL,
  domain  bytea NOT NULL,
  kind    bytea NOT NULL,
  id      bytea NOT NULL,
  body    bytea NOT NULL,
  PRIMARY KEY (account, domain, kind, id)
);
CREATE TABLE idx (
  account bytea NOT NULL,
  domain  bytea NOT NULL,
  name    bytea NOT NULL,
  value   bytea NOT NULL,
  ref     bytea NOT NULL,
  PRIMARY KEY (account, domain, name, value, ref)
);
)sql",
};

constexpr int kLatest = static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

Status Run(PgConnection& conn, const char* sql) {
  ExecOutcome out = conn.Simple(sql);
  if (!out.ok()) return *out.error;
  return OkStatus();
}

Status MigrateInTxn(PgConnection& conn) {
  RETURN_IF_ERROR(Run(conn, kLockMigrations));
  RETURN_IF_ERROR(Run(conn,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version integer PRIMARY KEY,"
                      " applied_at timestamptz NOT NULL DEFAULT now())"));
  ExecOutcome cur = conn.Simple("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!cur.ok()) return *cur.error;
  const int current = std::atoi(PQgetvalue(cur.result.get(), 0, 0));
  if (current > kLatest) {
    // A newer binary may have changed what the rows mean; writing them with this one could
    // corrupt them. Refused, as on SQLite.
    return Error::Internal("postgres: the database has schema version " + std::to_string(current) +
                           ", newer than this build's " + std::to_string(kLatest) +
                           "; run a newer profiled");
  }
  for (int v = current + 1; v <= kLatest; ++v) {
    RETURN_IF_ERROR(Run(conn, kMigrations[v - 1]));
    const std::string record =
        "INSERT INTO schema_migrations(version) VALUES (" + std::to_string(v) + ")";
    RETURN_IF_ERROR(Run(conn, record.c_str()));
    log::Info("postgres: applied schema migration " + std::to_string(v));
  }
  return OkStatus();
}

}  // namespace

int LatestSchemaVersion() { return kLatest; }

Status Migrate(PgConnection& conn) {
  RETURN_IF_ERROR(Run(conn, "BEGIN"));
  Status s = MigrateInTxn(conn);
  if (!s.ok()) {
    (void)conn.Simple("ROLLBACK");
    return s;
  }
  return Run(conn, "COMMIT");
}

}  // namespace profiled::store::postgres
