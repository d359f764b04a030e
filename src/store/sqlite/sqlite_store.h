// File: sqlite_store.h
// The embedded store: one SQLite file in WAL mode. One writer thread commits the pending
// transactions of many requests together (group commit, each in its own savepoint so one
// request's failure rolls back only its own writes); readers use their own connections.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "store/store.h"

namespace profiled::store::sqlite {

struct SqliteOptions {
  std::string path;  // the database file; created with its schema if missing
  int reader_connections = 4;
  int max_batch = 256;  // most transactions committed together
  // How long a connection waits for a lock held by another process (a tool); past it a Write
  // fails with kUnavailable.
  int busy_timeout_ms = 5000;
  // false: synchronous=NORMAL, an acknowledged write survives kill -9 but not power loss.
  // true: synchronous=FULL, one fsync per committed batch, survives power loss too.
  bool synchronous_full = false;
  // A checkpointer thread copies the WAL into the database each time this many frames (pages)
  // have been appended; the writer never checkpoints itself.
  int checkpoint_pages = 1000;
  // Past this many frames (4000: ~16 MiB) the writer waits for one checkpoint that covers its
  // last commit, so that the next commit restarts the WAL from the beginning: the WAL file's
  // size stays below about this. Larger: fewer such pauses, more repeated pages copied once.
  int wal_restart_pages = 4000;
  // The writer connection's page cache, in KiB; 0 keeps SQLite's default (2 MiB). A bulk load's
  // large transactions touch more pages than that, and a cache that overflows writes dirty pages
  // to the WAL before COMMIT and reads them back.
  int writer_cache_kib = 0;
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace profiled::store::sqlite
