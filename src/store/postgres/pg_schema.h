// File: pg_schema.h
// The PostgreSQL schema and its versioned migrations.
#pragma once

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace profiled::store::postgres {

// The newest schema version this build knows.
int LatestSchemaVersion();

// Brings the database to LatestSchemaVersion() in one transaction under a transaction-scoped
// advisory lock, so that processes starting at once apply each migration exactly once; a
// database already current is left alone, and a newer one (written by a newer build) is accepted
// as long as migrations only ever add.
Status Migrate(PgConnection& conn);

}  // namespace profiled::store::postgres
