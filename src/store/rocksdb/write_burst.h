// File: write_burst.h
// The LSM tree sized for an upload job while one runs (Store::BeginWriteBurst). A job writes five
// keys per row, two of them (its search-key rows) at random places; each flush of a 32 MiB
// memtable is an ~8 MiB L0 file, and every four of them are merged with the whole base level,
// which past a few million rows is most of the database: 5M rows rewrote 5 GB there for 1.7 GB
// flushed, and the writer stalled on 20 L0 files 30 times. 128 MiB memtables make L0 files four
// times as large, and merging eight of them at once instead of four halves again how often the
// base level is rewritten (docs/store.md). Between jobs the configured sizes come back, and with
// them the memory.
#pragma once

#include <rocksdb/db.h>

#include <memory>

#include "common/mutex.h"
#include "common/thread_annotations.h"
#include "store/rocksdb/rocksdb_store.h"
#include "store/store.h"

namespace profiled::store::rocks {

class WriteBurstSizing {
 public:
  WriteBurstSizing(rocksdb::DB& db, const RocksdbOptions& options);

  // The first hold resizes the memtables and the L0 triggers; the last one released restores
  // them and flushes the large memtable in the background. Resizing that RocksDB refuses is logged
  // and ignored: the burst then runs at the configured size.
  std::unique_ptr<WriteBurst> Begin() EXCLUDES(mu_);

 private:
  class Hold;
  void End() EXCLUDES(mu_);
  void Apply(bool burst) REQUIRES(mu_);

  rocksdb::DB& db_;
  const size_t normal_buffer_bytes_;
  Mutex mu_;
  int holds_ GUARDED_BY(mu_) = 0;
};

}  // namespace profiled::store::rocks
