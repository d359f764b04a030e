// File: rocksdb_store.h
// The LSM store: one RocksDB database (a directory). As the SQLite store, one writer thread runs
// the pending transactions of many requests together (group commit, each inside its own save
// point of one WriteBatchWithIndex so one request's failure rolls back only its own writes) and
// commits them with one DB::Write; reads run on snapshots from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace profiled::store::rocks {

struct RocksdbOptions {
  std::string path;     // the database directory; created with its schema version if missing
  int max_batch = 256;  // most transactions committed together
  // false: the WAL is written (not fsynced) before Write returns: an acknowledged write survives
  // kill -9 but not power loss, as the SQLite store's synchronous=NORMAL.
  // true: one fsync of the WAL per committed group, survives power loss too.
  bool sync = false;
  // Uncompressed data blocks shared by every reader; it fills as data is read (idle RSS stays
  // low), up to this.
  size_t block_cache_mib = 128;
  // A serving store reads up to this many MiB of its files once at open, in the background, so
  // that the page cache holds them when requests come (page_cache_warmer.h); 0: not at all.
  // Never more than a quarter of the memory available. Ignored in memory, for bulk loads and for
  // secondary instances.
  size_t warm_page_cache_mib = 0;
  // The documents and index-value lookups Read transactions made recently, kept exactly
  // (read_cache.h), up to this; 0: none. Ignored for bulk loads and secondary instances.
  size_t read_cache_mib = 32;
  size_t write_buffer_mib = 32;  // one memtable; flushed to an L0 file when full
  // For `profiled import`: each commit group is written as an SST file and ingested (no WAL, no
  // memtable), no compactions while loading; the whole database is compacted once when the
  // store closes. The files wait in `path` + ".ingest" until they are ingested.
  bool bulk_load = false;
  // Bulk load: a group of at least twice this many writes is cut into runs of adjacent keys,
  // each written as its own file by its own thread, up to ingest_threads at once (0: one per
  // core). 0: one file per group, written by the writer thread.
  size_t ingest_split_writes = 8192;
  size_t ingest_threads = 0;
  // `--store memory`: the same store on RocksDB's in-memory Env (NewMemEnv): no file is written,
  // and everything is gone when the store closes. `path` only names the database inside it.
  bool in_memory = false;
  // `profiled snapshot save` beside a running server: a read-only secondary instance
  // (DB::OpenAsSecondary), caught up with the primary once at open; it keeps its own info log in
  // `secondary_path`. Its Writes fail.
  std::string secondary_path = {};
  // The RowLoader (store/row_loader.h): bytes of rows per SST file (two runs are in memory at
  // once); its files wait in the directory `path` + ".load" until they are ingested.
  size_t load_run_bytes = size_t{64} << 20;
  // Document kinds whose committed bodies the writer thread keeps in memory (committed_docs.h):
  // those that nearly every Write reads. "*": every kind.
  std::vector<std::string> kept_kinds = {};
  // Whether the writer thread also keeps the refs under the index values Writes look up (an
  // object's `_email` key: committed_docs.h).
  bool kept_index_refs = false;
  // The writer's filters of the index values the database has rows under (value_filters.h),
  // up to this many MiB; 0: none. Ignored for bulk loads and secondary instances.
  size_t value_filter_mib = 64;
};

// Refuses (kInternal) a database whose schema version is newer than this binary's.
Result<std::unique_ptr<Store>> OpenRocksdbStore(const RocksdbOptions& options);

}  // namespace profiled::store::rocks
