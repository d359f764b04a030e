// File: postgres_store.h
// The PostgreSQL store (libpq): a connection pool, prepared statements, and transactions whose
// conflicts (serialization failures, deadlocks) are retried. A lost connection is re-established
// on the next use; while the database is down calls fail with kUnavailable.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "store/store.h"

namespace profiled::store::postgres {

struct PostgresOptions {
  std::string conninfo;  // a postgresql:// URL or a libpq key=value string
  int pool_size = 16;
  // libpq's connect_timeout, used unless `conninfo` sets one, so that calls fail with
  // kUnavailable instead of hanging while the server is unreachable. 2 s was too short for a
  // loaded machine: three processes opening their pools at once waited longer for backends.
  int connect_timeout_seconds = 5;
  // How many times Write runs its function when it keeps losing races (kConflict).
  int max_write_attempts = 20;
  // How long a call waits for a free pooled connection before failing with kUnavailable.
  int pool_wait_milliseconds = 30000;
  // The server-side statement_timeout of the store's sessions (0: none), so that a statement
  // blocked on a stuck lock holder or a saturated server fails with kUnavailable, not hangs.
  int statement_timeout_milliseconds = 60000;
  // Open the whole pool in the background after the store opens (`profiled serve`), instead of
  // one connection each time a request finds none idle: a new connection starts a backend and
  // prepares every statement before its first query, and the first burst wider than the pool had
  // been waited for that (SearchProfiles p99 250 ms at 16 connections, 10 ms once open).
  bool open_pool_ahead = false;
};

// Connects, creates or migrates the schema (safe when several processes start at once).
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options);

}  // namespace profiled::store::postgres
