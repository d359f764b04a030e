// File: read_cache.h
// The rows read transactions looked up recently (documents by key, and the refs of one index
// value), so that reading one of them again is a hash lookup instead of RocksDB's walk of every
// memtable (a skip-list descent each) and of the files (filter, index and data block searches).
// A SearchProfiles by `_email` is one of each: with both kept it took 37% less CPU (14.9 against
// 23.8 us per request at 16 connections, 1.42x the requests/s; docs/performance.md). RocksDB's
// own row cache keeps rows of its files only, and no iterator's.
//
// Exact, never a cache that may lag. A kept row carries the sequence number of the snapshot it
// was read at (r); the writer thread, the only one that changes the database, stamps each of
// 2^16 buckets with the last sequence number at which it wrote a row hashed there (a document by
// its key, an index row by its value prefix: the unit a lookup keeps). A reader on snapshot s
// uses a kept row only if its bucket's stamp is <= min(r, s): no write of the row happened
// between the two snapshots, so the row as read at r is the row as it is at s. A commit stamps
// its buckets "in flight" (the largest sequence number) before DB::Write makes its rows visible
// and with the committed sequence number after: a reader whose snapshot sees the commit also
// sees the stamp (the database publishes its sequence number after the stamp was stored, and the
// reader acquires it), and a row kept by such a reader is seen, through the cache's lock, only
// with that stamp visible too. A stamp shared by other rows of a bucket costs them a miss, never
// a wrong answer.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace profiled::store::rocks {

class ReadCache {
 public:
  // Up to `capacity_bytes` of rows (keys, bodies and bookkeeping), least recently used out first.
  explicit ReadCache(size_t capacity_bytes);

  // Reader side, any thread. `snapshot`: the sequence number of the reader's snapshot.
  // The document at `key` (keys::DocKey) as the snapshot has it (nullopt inside: absent), if kept.
  std::optional<std::optional<std::string>> FindDocument(std::string_view key, uint64_t snapshot);
  // Keeps what a read at `read_at` found at `key` (null: absent).
  void KeepDocument(std::string_view key, uint64_t read_at, const std::string* body);
  // The first `limit` refs under the value prefix (keys::IndexValuePrefix) as the snapshot has
  // them, if their whole list is kept.
  std::optional<std::vector<std::string>> FindRefs(std::string_view value_prefix, uint64_t snapshot,
                                                   size_t limit);
  // Keeps the whole list of refs under the value prefix as a read at `read_at` found it (lists
  // longer than kMaxKeptRefs are not kept).
  void KeepRefs(std::string_view value_prefix, uint64_t read_at,
                const std::vector<std::string>& refs);
  static constexpr size_t kMaxKeptRefs = 16;

  // Writer side, the writer thread only. Before `batch` is written: its rows are no longer served.
  void BeginCommit(const rocksdb::WriteBatch& batch);
  // After: the database's last sequence number, which covers the batch. A failed write leaves
  // the database in an unknown state: `written` false turns the cache off.
  void EndCommit(bool written, uint64_t last_sequence);
  // Rows changed behind the writer's back (a RowLoader's files): nothing is served from now on.
  void Disable();

  int64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  int64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  static constexpr uint64_t kInFlight = UINT64_MAX;
  static constexpr size_t kBuckets = size_t{1} << 16;
  struct Kept;
  class BatchRows;

  static void DeleteKept(const rocksdb::Slice& key, void* value);  // the cache's deleter
  static size_t BucketOf(std::string_view unit);
  // The bucket of a written key: its document's, or its index value prefix's.
  static size_t BucketOfRow(std::string_view key);
  // Whether a row of `bucket` read at `read_at` is the row as of `snapshot`.
  bool Unchanged(size_t bucket, uint64_t read_at, uint64_t snapshot) const;
  // The kept entry of `unit` if a reader on `snapshot` may use it (Release it), else null.
  rocksdb::Cache::Handle* Lookup(std::string_view unit, uint64_t snapshot);
  void Keep(std::string_view unit, std::unique_ptr<Kept> kept, size_t charge);
  void StampInFlight(size_t bucket);
  // The commit under way writes rows it cannot name: every bucket is in flight until it ends.
  void StampAllInFlight();

  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<std::atomic<uint64_t>[]> stamps_;
  // Every bucket's stamp is at least this (a commit of rows it could not name raises it; only
  // such a commit sets it in flight).
  std::atomic<uint64_t> floor_{0};
  std::atomic<bool> off_{false};     // Disable()d, or a commit failed
  std::vector<uint32_t> in_flight_;  // the writer's buckets of the commit under way
  std::atomic<int64_t> hits_{0};
  std::atomic<int64_t> misses_{0};
};

}  // namespace profiled::store::rocks
