// File: db_options.cc
#include "store/rocksdb/db_options.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <memory>

#include "store/rocksdb/compaction_priority.h"
#include "store/rocksdb/index_prefix.h"
#include "store/rocksdb/insert_hint_prefix.h"

namespace profiled::store::rocks {

namespace {
constexpr size_t kMiB = size_t{1} << 20;
}  // namespace

size_t WriteBufferBytes(const RocksdbOptions& options) {
  return std::max<size_t>(1, options.write_buffer_mib) * kMiB;
}

BufferSizing NormalBufferSizing(size_t buffer_bytes) {
  // The WAL bound limits recovery time and the WAL on disk: memtables holding the oldest WAL are
  // flushed past it. The L0 triggers are RocksDB's defaults.
  return {.buffer_bytes = buffer_bytes,
          .buffers = 3,
          .max_wal_bytes = 4 * buffer_bytes,
          .l0_compaction_trigger = 4,
          .l0_slowdown_trigger = 20,
          .l0_stop_trigger = 36};
}

BufferSizing BurstBufferSizing(size_t buffer_bytes) {
  // The memtables `profiled import`'s bulk load takes (MakeDbOptions). Each compaction of L0
  // into the base level rewrites most of that level (the job's search-key rows land
  // everywhere): eight L0 files at once instead of four halve how often, and the slowdown and
  // stop triggers move up with it.
  BufferSizing burst = NormalBufferSizing(std::max<size_t>(buffer_bytes, 128 * kMiB));
  burst.buffers = 4;
  burst.l0_compaction_trigger = 8;
  burst.l0_slowdown_trigger = 24;
  burst.l0_stop_trigger = 40;
  return burst;
}

void LowerBackgroundPriority(rocksdb::Env& env) {
  // On two cores a flush or compaction that the scheduler treats as the request threads' equal
  // takes a core from them while it runs: at nice 19 it runs in the time they leave. Interleaved
  // A/B at 64 connections (bench/ab.py, 4 rounds, 2026-12-04): CreateProfile 1.15x (4 of 4
  // rounds faster), UpdateProfile 1.16x (4/4), PutProfileObject 1.08x (3/4), p99 9.38 -> 8.56,
  // 8.24 -> 7.38 and 13.01 -> 11.14 ms. Upload jobs, which saturate both cores, within the
  // box's noise: 4M rows 57,632 / 56,201 -> 58,820 / 48,998 rows/s, the 1 GB file 39,197 ->
  // 42,411 in one sitting. A backlog cannot grow without bound: the L0 slowdown and stop
  // triggers hold the writer back, and a writer held back leaves the CPU to the compaction.
  // (Session 19's 3-round A/B of the compaction thread alone was within noise: 0.98-1.05x.)
  // A compaction that falls behind is raised back to nice 0 (compaction_priority.h).
  // An Env that cannot (NotSupported) leaves its threads as they are.
  for (auto pool : {rocksdb::Env::Priority::LOW, rocksdb::Env::Priority::HIGH}) {
    (void)env.LowerThreadPoolCPUPriority(pool, rocksdb::CpuPriority::kLow);
  }
}

rocksdb::Options MakeDbOptions(const RocksdbOptions& options) {
  rocksdb::Options db;
  db.create_if_missing = true;
  // Two cores: one flush and one compaction at a time, beside the writer and the request threads.
  db.max_background_jobs = 2;
  db.bytes_per_sync = 1 * kMiB;  // write SST files back in steps, not in one burst at close
  const BufferSizing buffers = NormalBufferSizing(WriteBufferBytes(options));
  db.write_buffer_size = buffers.buffer_bytes;
  db.max_write_buffer_number = buffers.buffers;
  db.level0_file_num_compaction_trigger = buffers.l0_compaction_trigger;
  db.level0_slowdown_writes_trigger = buffers.l0_slowdown_trigger;
  db.level0_stop_writes_trigger = buffers.l0_stop_trigger;
  db.level_compaction_dynamic_level_bytes = true;
  // 8 MiB files, not RocksDB's 64: most of what the writes add is appended at the end of a run
  // of keys (history records and expiry rows by time, an upload's or a bench's ordered ids), and
  // a compaction rewrites every file of the level below that the picked file overlaps. With
  // 64 MiB files the file holding the newest history records also held objects, profiles and
  // index rows, and every compaction rewrote it and its neighbours (~135 MiB for 74 MiB moved
  // down, 10k profiles after a minute of updates and orders); with 8 MiB files the end of each run
  // is a file of its own. Interleaved A/B at 64 connections, 15 s cells after the bench's update
  // cells (2 rounds): PutProfileObject 1.05x (CPU 94.7 -> 82.2 us/req), CreateProfile 1.07x,
  // UpdateProfile 1.06x; 2 MiB files were no better than 8.
  db.target_file_size_base = 8 * kMiB;
  // LZ4 for L0 and the level that L0 is compacted into; ZSTD below it. With dynamic level sizes
  // a database whose last level holds less than max_bytes_for_level_base (256 MiB) compacts L0
  // straight into the last level, so while it is that small every compaction rewrites most of
  // it: LZ4 there. Past that size the last level (about 90% of the data) is a level of its own
  // below the base level, and ZSTD stores it in ~40% less space (1M imported profiles: 582 MiB
  // against 942 MiB in LZ4). Under CreateProfile at 64 connections on a small database, ZSTD in
  // the last level was 10% of the process's CPU (`perf`); LZ4 there cut the CPU per create,
  // put and update by 10-25% (interleaved A/Bs; req/s 1.01-1.09x, searches unchanged) for ~24%
  // more bytes (100k API-created profiles: 98 MiB against 79).
  db.compression = rocksdb::kLZ4Compression;
  db.compression_per_level = {rocksdb::kLZ4Compression, rocksdb::kLZ4Compression, rocksdb::kZSTD};
  // ZSTD's level 1, not its default 3: level 3 took 13% of the process's CPU under
  // CreateProfile; level 1 stored 631 bytes per profile instead of 614. Level -1 (ZSTD's fast
  // mode) was no faster and stored 902. LZ4 ignores the level (its acceleration stays 1).
  db.compression_opts.level = 1;
  // The info LOG is written by the same process: keep it to warnings, without periodic stats.
  db.info_log_level = rocksdb::WARN_LEVEL;
  db.stats_dump_period_sec = 0;
  db.stats_persist_period_sec = 0;
  db.keep_log_file_num = 2;
  db.max_total_wal_size = buffers.max_wal_bytes;
  // Compactions at nice 19 unless they fall behind (compaction_priority.h).
  db.listeners.push_back(std::make_shared<CompactionPriority>());

  // Index rows' (scope, name, value) prefixes go into the filters of the memtable and of every
  // file (index_prefix.h); iterators read in total order unless they ask for one prefix
  // (rocksdb_txn.cc, ReadOptions).
  db.prefix_extractor = NewIndexValuePrefixTransform();
  db.memtable_prefix_bloom_size_ratio = 0.02;
  db.memtable_whole_key_filtering = true;
  // Each (scope, kind) and (scope, index name) keeps its own insert position
  // (insert_hint_prefix.h).
  db.memtable_insert_with_hint_prefix_extractor = NewInsertHintPrefixTransform();

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(std::max<size_t>(1, options.block_cache_mib) * kMiB);
  // A point lookup (Get of a document) skips every file whose filter says no: ~1 % false
  // positives at 10 bits per key.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  // 4 KiB, the default: a point read (a search, a document) reads, decompresses and caches one
  // block, and at 1M profiles the rows of 10k hot profiles then fit the block cache (16 KiB
  // blocks compressed 434 bytes per profile to 607 here, but SearchProfiles at 1M profiles ran at
  // 8.7k/17.7k/20.2k req/s at 1/16/64 connections against 13.1k/25.7k/25.4k with these blocks and
  // a 128 MiB cache, docs/store.md).
  table.block_size = 4 * 1024;
  table.format_version = 5;
  db.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  if (options.bulk_load) {
    // The load's close compaction writes everything into the last level at once (from an empty
    // tree, so the rule above would pick LZ4): ZSTD, as the level will be once the load is done.
    db.bottommost_compression = rocksdb::kZSTD;
    db.bottommost_compression_opts.level = 1;
    db.bottommost_compression_opts.enabled = true;  // else the last level takes compression_opts
    db.disable_auto_compactions = true;
    db.write_buffer_size = std::max<size_t>(db.write_buffer_size, 128 * kMiB);
    db.max_write_buffer_number = 4;
    db.max_total_wal_size = 0;  // the default: 4x the memtables
    // The close compaction merges every ingested file into the last level in one compaction:
    // split into subcompactions, it runs on both cores (1M profiles: 22.0 s -> 16.5 s). Three,
    // not two: RocksDB 7.8 runs a compaction whole unless it found at least two split keys.
    db.max_subcompactions = 3;
  }
  return db;
}

}  // namespace profiled::store::rocks
