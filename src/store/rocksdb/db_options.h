// File: db_options.h
// RocksDB's tuning for this store, in one place (the reasons are in docs/store.md).
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/options.h>

#include <cstddef>
#include <cstdint>

#include "store/rocksdb/rocksdb_store.h"

namespace profiled::store::rocks {

rocksdb::Options MakeDbOptions(const RocksdbOptions& options);

// Runs `env`'s flush and compaction threads at the lowest priority (nice 19) from now on, for
// every database that uses it.
void LowerBackgroundPriority(rocksdb::Env& env);

// The memtables (each of `buffer_bytes`, at most `buffers` of them), the WAL size past which the
// oldest is flushed, and the L0 file counts that start a compaction into the base level, slow
// the writer down and stop it.
struct BufferSizing {
  size_t buffer_bytes = 0;
  int buffers = 0;
  uint64_t max_wal_bytes = 0;
  int l0_compaction_trigger = 0;
  int l0_slowdown_trigger = 0;
  int l0_stop_trigger = 0;
};
size_t WriteBufferBytes(const RocksdbOptions& options);  // the configured memtable size
BufferSizing NormalBufferSizing(size_t buffer_bytes);
// While an upload job runs (write_burst.h): at least 128 MiB each, and twice as many L0 files
// merged into the base level at once.
BufferSizing BurstBufferSizing(size_t buffer_bytes);

}  // namespace profiled::store::rocks
