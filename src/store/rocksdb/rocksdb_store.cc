// File: rocksdb_store.cc
// Group commit, as the SQLite store: Write() enqueues the caller's function and blocks; one
// writer thread runs every pending function (up to max_batch) in one GroupWrites, each
// between SetSavePoint and PopSavePoint (RollbackToSavePoint if it fails or throws, so only its
// own writes go), then commits the batch with one DB::Write and wakes the callers. Each function
// reads through the batch, so it sees the committed state plus the writes of the functions
// before it in the group: with one writer, the contract's key locks hold trivially (no two
// Write functions ever run at once) and no update is lost.
//
// A bulk load (`profiled import`) commits each group as an SST file, ingested (IngestGroup).
//
// Durability: WriteOptions::sync = false writes the group to the WAL file (the OS page cache)
// before DB::Write returns, so an acknowledged write survives kill -9 but not power loss, as the
// SQLite store's synchronous=NORMAL; RocksdbOptions::sync fsyncs the WAL once per group.
//
// Reads take a snapshot of the latest commit (a thread reuses its own until the next commit:
// latest_snapshot.h) and run on the caller's thread; RocksDB's reads are thread-safe, so any
// number run at once, beside the writer.
#include "store/rocksdb/rocksdb_store.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/thread_annotations.h"
#include "common/thread_priority.h"
#include "store/queued_write.h"
#include "store/rocksdb/committed_docs.h"
#include "store/rocksdb/db_options.h"
#include "store/rocksdb/group_writes.h"
#include "store/rocksdb/key_sort.h"
#include "store/rocksdb/keys.h"
#include "store/rocksdb/latest_snapshot.h"
#include "store/rocksdb/page_cache_warmer.h"
#include "store/rocksdb/read_cache.h"
#include "store/rocksdb/rocksdb_loader.h"
#include "store/rocksdb/rocksdb_txn.h"
#include "store/rocksdb/value_filters.h"
#include "store/rocksdb/write_burst.h"
#include "store/row_loader.h"
#include "store/store_counters.h"

namespace profiled::store::rocks {

namespace {

// A serving store's read cache; none for a bulk load (nothing reads it) or a secondary instance
// (it has no snapshots, and needs no cache: it is read once, by a snapshot save).
std::unique_ptr<ReadCache> NewReadCache(const RocksdbOptions& options) {
  if (options.read_cache_mib == 0 || options.bulk_load || !options.secondary_path.empty()) {
    return nullptr;
  }
  return std::make_unique<ReadCache>(options.read_cache_mib << 20);
}

// The writer's value filters; none for a bulk load (its groups are ingested as files, and its
// lookups few) or a secondary instance (it does not write).
std::unique_ptr<ValueFilters> NewValueFilters(const RocksdbOptions& options, rocksdb::DB& db) {
  if (options.value_filter_mib == 0 || options.bulk_load || !options.secondary_path.empty()) {
    return nullptr;
  }
  return std::make_unique<ValueFilters>(db, options.value_filter_mib << 20);
}

// The layout of keys.h and the meaning of the metadata rows. A database with a newer version is
// refused; an older one would be migrated forward here (there is none yet).
constexpr int kSchemaVersion = 1;
constexpr std::string_view kSchemaVersionName = "schema_version";
constexpr int kConflictRetries = 5;

class RocksStore final : public Store, public BulkLoadable {
 public:
  RocksStore(RocksdbOptions options, std::unique_ptr<rocksdb::Env> env,
             std::unique_ptr<rocksdb::DB> db)
      : options_(std::move(options)),
        env_(std::move(env)),
        db_(std::move(db)),
        writes_(/*deferred=*/true),
        committed_(options_.kept_kinds, options_.kept_index_refs),
        read_cache_(NewReadCache(options_)),
        filters_(NewValueFilters(options_, *db_)),
        latest_(options_.secondary_path.empty() ? std::make_unique<LatestSnapshot>(*db_) : nullptr),
        burst_sizing_(*db_, options_),
        ingest_options_(db_->GetOptions()) {
    write_options_.sync = options_.sync;
    // SstFileWriter compresses with the bottommost or else the last per-level compression: off
    // for the group files, which take `compression` (LZ4) and are compacted again.
    ingest_options_.bottommost_compression = rocksdb::kDisableCompressionOption;
    ingest_options_.compression_per_level.clear();
    if (options_.bulk_load) {
      // 16 KiB blocks, not the database's 4: a group's files live until the close compaction,
      // read only by a few point reads per group meanwhile, and larger blocks cost less to build
      // and to compact (1M profiles: ~5% less CPU, faster in 5 of 6 interleaved pairs; 64 KiB no
      // better).
      if (const auto* table =
              ingest_options_.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>()) {
        rocksdb::BlockBasedTableOptions larger = *table;
        larger.block_size = 16 * 1024;
        ingest_options_.table_factory.reset(rocksdb::NewBlockBasedTableFactory(larger));
      }
      ClearIngestDir(/*remove=*/false);
      (void)ingest_options_.env->CreateDirIfMissing(IngestDir());  // else IngestGroup fails
    }
    writer_thread_ = std::thread([this] { WriterLoop(); });
    StartWarming();
  }

  ~RocksStore() override {
    warmer_.reset();  // the reads need not finish: nothing waits for them
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    queue_cv_.notify_one();
    writer_thread_.join();
    filters_.reset();  // its scans read the database
    if (latest_ != nullptr) latest_->Clear();
    if (options_.bulk_load) {
      // The load ran without compactions: leave a compacted tree behind, once. Its files go to
      // the last level in this one compaction (kSkip: not compacted there a second time).
      rocksdb::CompactRangeOptions compact;
      compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kSkip;
      (void)db_->CompactRange(compact, nullptr, nullptr);
      ClearIngestDir(/*remove=*/true);
    }
    (void)db_->Close();
  }

  Status Write(const TxnFn& fn) EXCLUDES(mu_) override {
    if (std::this_thread::get_id() == writer_thread_.get_id()) {
      return Error::Internal("Store::Write called from inside a Write function");
    }
    Status status;
    Completion done;
    {
      MutexLock lock(mu_);
      if (stopping_) return Error::Unavailable("rocksdb store is closing");
      queue_.push_back(Request{&fn, &status, &done});
    }
    queue_cv_.notify_one();
    done.Wait();  // a fiber's thread serves others meanwhile (common/fiber.h)
    counters_.CountWrite();
    return status;
  }

  Status Read(const TxnFn& fn) override {
    counters_.CountRead();
    for (int attempt = 0;; ++attempt) {
      // A secondary instance has no snapshots, and needs none: it changes only when told to
      // catch up with the primary, which it is once, at open.
      LatestSnapshot::Ref snapshot = latest_ != nullptr ? latest_->Acquire() : nullptr;
      RocksTxn txn(*db_, snapshot.get(), read_cache_.get());
      Status status = CallTxnFn(fn, txn);
      if (!status.ok() && status.error().code() == ErrorCode::kConflict &&
          attempt < kConflictRetries) {
        continue;
      }
      return status;
    }
  }

  std::string Describe() const override {
    return (options_.in_memory ? "rocksdb-memory:" : "rocksdb:") + options_.path;
  }

  StoreStats Stats() const override {
    StoreStats stats = counters_.Snapshot();
    uint64_t sst = 0;
    if (db_->GetIntProperty("rocksdb.total-sst-files-size", &sst)) {
      stats.data_bytes = static_cast<int64_t>(sst);
    }
    rocksdb::VectorLogPtr wal_files;
    if (db_->GetSortedWalFiles(wal_files).ok()) {
      stats.wal_bytes = 0;
      for (const auto& f : wal_files) stats.wal_bytes += static_cast<int64_t>(f->SizeFileBytes());
    }
    if (warmer_ != nullptr) stats.warmed_bytes = static_cast<int64_t>(warmer_->bytes_read());
    if (read_cache_ != nullptr) {
      stats.read_cache_hits = read_cache_->hits();
      stats.read_cache_misses = read_cache_->misses();
    }
    return stats;
  }

  std::unique_ptr<WriteBurst> BeginWriteBurst() override {
    // A bulk load is sized for one already; a secondary instance does not write.
    if (options_.bulk_load || !options_.secondary_path.empty()) return nullptr;
    return burst_sizing_.Begin();
  }

  std::unique_ptr<RowLoader> NewRowLoader() override {
    if (!options_.secondary_path.empty()) return nullptr;
    forget_committed_ = true;
    disable_filters_ = true;
    if (read_cache_ != nullptr) read_cache_->Disable();
    return NewRocksRowLoader(*db_, options_.path + ".load", options_.load_run_bytes);
  }

 private:
  void StartWarming() {
    if (options_.warm_page_cache_mib == 0 || options_.in_memory || options_.bulk_load ||
        !options_.secondary_path.empty()) {
      return;
    }
    std::vector<rocksdb::LiveFileMetaData> live;
    db_->GetLiveFilesMetaData(&live);
    std::vector<std::pair<int, WarmFile>> files;
    for (const auto& f : live) {
      files.emplace_back(
          f.level, WarmFile{.path = f.directory + "/" + f.relative_filename, .bytes = f.size});
    }
    const uint64_t budget =
        WarmBudgetBytes(uint64_t{options_.warm_page_cache_mib} << 20, MemAvailableBytes());
    warmer_ = std::make_unique<PageCacheWarmer>(PlanWarming(std::move(files), budget));
  }

  using Request = QueuedWrite;

  void WriterLoop() EXCLUDES(mu_) {
    // Where permitted; the thread runs at the default priority otherwise (thread_priority.h).
    (void)SetThisThreadNice(kWriterThreadNice);
    std::vector<Request> batch;
    while (true) {
      {
        MutexLock lock(mu_);
        while (!stopping_ && queue_.empty()) lock.Wait(queue_cv_);
        if (queue_.empty()) return;  // stopping, and every caller has been answered
        size_t n = std::min(queue_.size(), static_cast<size_t>(std::max(1, options_.max_batch)));
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(n);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
      RunGroup(batch);
      for (Request& r : batch) r.done->Signal();
      batch.clear();
    }
  }

  // Sets every request's status. Only this thread touches writes_.
  void RunGroup(std::vector<Request>& group) {
    writes_.Clear();
    if (forget_committed_.exchange(false)) committed_.Clear();
    if (disable_filters_.exchange(false) && filters_ != nullptr) filters_->Disable();
    for (Request& r : group) {
      Status fatal = RunOne(r);
      if (!fatal.ok()) return FailGroup(group, fatal);
    }
    writes_.EndReads();
    if (writes_.Empty()) {  // nothing written: nothing to commit
      committed_.Committed(writes_);
      return;
    }
    Status committed = options_.bulk_load ? IngestGroup() : WriteGroup();
    if (latest_ != nullptr) latest_->DropIfStale();
    if (!committed.ok()) return FailGroup(group, committed);
    committed_.Committed(writes_);
    if (filters_ != nullptr) filters_->Committed(writes_);
    counters_.CountCommit(group.size());
  }

  Status WriteGroup() {
    RETURN_IF_ERROR(writes_.SortedInto(&sorted_));
    if (read_cache_ != nullptr) read_cache_->BeginCommit(sorted_);
    rocksdb::Status s = db_->Write(write_options_, &sorted_);
    if (read_cache_ != nullptr) read_cache_->EndCommit(s.ok(), db_->GetLatestSequenceNumber());
    if (!s.ok()) return RocksError(s, "commit");
    return OkStatus();
  }

  // A bulk load's group becomes SST files, ingested into L0 (IngestExternalFile): its rows skip
  // the WAL, the memtable's skip list and the flush, which were two thirds of an import's store
  // CPU. Ingestion syncs the files and the MANIFEST, so a committed group survives kill -9 and
  // power loss alike. The files overlap (random ProfileIds span the key space); the load runs
  // without compactions (db_options.cc), and the store compacts them once when it closes.
  //
  // A large group is cut into runs of adjacent keys, each sorted and written as its own file by
  // its own thread, one per core: sorting the group and building its file (block encoding,
  // compression, filters) were two thirds of the writer thread's time, which is what an import
  // waits for. The runs' files do not overlap each other, and one IngestExternalFile call adds
  // them all in one version edit: a group is still all or nothing.
  Status IngestGroup() {
    std::optional<KeyRuns> cut = writes_.CutIntoRuns(IngestRuns(writes_.DeferredCount()));
    const size_t runs = cut ? cut->size() : 1;
    std::vector<std::string> paths(runs);
    std::vector<uint8_t> written(runs, 0);  // one byte each: threads set their own
    auto write_run = [&](size_t i) -> Status {
      std::vector<GroupWrites::SortedWrite> sorted;
      if (cut) {
        sorted = writes_.WritesOf(cut->Sorted(i));
      } else {
        ASSIGN_OR_RETURN(sorted, writes_.SortedWrites());
      }
      if (sorted.empty()) return OkStatus();  // the cut left this run nothing
      RETURN_IF_ERROR(WriteSstFile(paths[i], sorted));
      written[i] = 1;
      return OkStatus();
    };
    for (size_t i = 0; i < runs; ++i) {
      paths[i] = IngestDir() + "/" + std::to_string(++ingested_) + ".sst";
    }
    std::vector<std::future<Status>> others;
    for (size_t i = 1; i < runs; ++i) {
      others.push_back(std::async(std::launch::async, write_run, i));
    }
    Status added = write_run(0);
    for (auto& other : others) {
      Status s = other.get();
      if (added.ok()) added = s;
    }
    std::vector<std::string> files;
    for (size_t i = 0; i < runs; ++i) {
      if (written[i]) files.push_back(paths[i]);
    }
    if (added.ok() && !files.empty()) {
      rocksdb::IngestExternalFileOptions ingest;
      ingest.move_files = true;
      ingest.write_global_seqno = false;
      rocksdb::Status s = db_->IngestExternalFile(files, ingest);
      if (!s.ok()) added = RocksError(s, "ingest the group's files");
    }
    for (const std::string& path : paths) {
      (void)ingest_options_.env->DeleteFile(path);  // linked into the database if ingested
    }
    return added;
  }

  // How many runs a group of `writes` writes is cut into: one per core, each of at least
  // ingest_split_writes (the thread and the file cost more than a small run's encoding).
  size_t IngestRuns(size_t writes) const {
    if (options_.ingest_split_writes == 0) return 1;
    const size_t cores = options_.ingest_threads > 0
                             ? options_.ingest_threads
                             : std::max<size_t>(1, std::thread::hardware_concurrency());
    return std::clamp<size_t>(writes / options_.ingest_split_writes, 1, cores);
  }

  // One run of a group, in key order, as an SST file at `path` (deletions as tombstones).
  Status WriteSstFile(const std::string& path,
                      std::span<const GroupWrites::SortedWrite> run) const {
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(ingest_options_), ingest_options_);
    rocksdb::Status s = writer.Open(path);
    if (!s.ok()) return RocksError(s, "open " + path);
    for (const GroupWrites::SortedWrite& w : run) {
      rocksdb::Slice k(w.key.data(), w.key.size());
      s = w.deleted ? writer.Delete(k) : writer.Put(k, {w.value.data(), w.value.size()});
      if (!s.ok()) return RocksError(s, "write " + path);
    }
    s = writer.Finish();
    if (!s.ok()) return RocksError(s, "finish " + path);
    return OkStatus();
  }

  // Beside the database (ingestion links the files in: the same file system), emptied at open
  // of what a killed load left, removed at close.
  std::string IngestDir() const { return options_.path + ".ingest"; }
  void ClearIngestDir(bool remove) {
    rocksdb::Env* env = ingest_options_.env;
    std::vector<std::string> children;
    if (env->GetChildren(IngestDir(), &children).ok()) {
      for (const std::string& child : children) {
        if (child != "." && child != "..") (void)env->DeleteFile(IngestDir() + "/" + child);
      }
    }
    if (remove) (void)env->DeleteDir(IngestDir());
  }

  // Runs one function between a save point and its release. Its own error goes to its caller
  // only; the returned error means the group's batch is lost.
  Status RunOne(Request& r) {
    for (int attempt = 0;; ++attempt) {
      RETURN_IF_ERROR(writes_.SetSavePoint());
      RocksTxn txn(*db_, writes_, &committed_, filters_.get());
      *r.status = CallTxnFn(*r.fn, txn);
      RETURN_IF_ERROR(r.status->ok() ? writes_.PopSavePoint() : writes_.RollbackToSavePoint());
      if (r.status->ok() || r.status->error().code() != ErrorCode::kConflict ||
          attempt >= kConflictRetries) {
        return OkStatus();
      }
    }
  }

  void FailGroup(std::vector<Request>& group, const Status& error) {
    committed_.Abandoned();
    writes_.Clear();
    for (Request& r : group) *r.status = error;
  }

  const RocksdbOptions options_;
  std::unique_ptr<rocksdb::Env> env_;  // the in-memory Env, or null; outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_options_;
  // Deferred: indexed only when a transaction needs more than point reads and index-row lookups.
  GroupWrites writes_;       // writer thread only
  CommittedDocs committed_;  // writer thread only
  // The rows Read transactions looked up recently; the writer stamps what it commits. Null: none.
  std::unique_ptr<ReadCache> read_cache_;
  std::unique_ptr<ValueFilters> filters_;   // writer thread only; null: none
  std::unique_ptr<LatestSnapshot> latest_;  // null for a secondary instance
  // Set by NewRowLoader (its rows bypass the writer): the writer forgets what it kept.
  std::atomic<bool> forget_committed_{false};
  std::atomic<bool> disable_filters_{false};  // and turns its value filters off, for good
  rocksdb::WriteBatch sorted_;                // writer thread only: writes_ in key order, committed
  WriteBurstSizing burst_sizing_;
  // A bulk load's group files: the database's options, LZ4 throughout (they are compacted again).
  rocksdb::Options ingest_options_;
  uint64_t ingested_ = 0;  // writer thread only

  Mutex mu_;
  std::condition_variable queue_cv_;
  std::deque<Request> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread writer_thread_;
  StoreCounters counters_;
  std::unique_ptr<PageCacheWarmer> warmer_;  // null: not warming
};

// Records the schema version in a new database; refuses a newer one.
Status CheckSchemaVersion(rocksdb::DB& db) {
  const std::string key = keys::MetaKey(kSchemaVersionName);
  std::string stored;
  rocksdb::Status s = db.Get(rocksdb::ReadOptions(), key, &stored);
  if (s.IsNotFound()) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    s = db.Put(sync, key, std::to_string(kSchemaVersion));
    if (!s.ok()) return RocksError(s, "record the schema version");
    return OkStatus();
  }
  if (!s.ok()) return RocksError(s, "read the schema version");
  int version = 0;
  try {
    version = std::stoi(stored);
  } catch (const std::exception&) {
    return Error::Internal("rocksdb: unreadable schema version '" + stored + "'");
  }
  if (version > kSchemaVersion) {
    return Error::Internal("rocksdb: the database has schema version " + std::to_string(version) +
                           ", newer than this server's " + std::to_string(kSchemaVersion));
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenRocksdbStore(const RocksdbOptions& options) {
  if (options.path.empty()) return Error::Internal("rocksdb: no database path");
  rocksdb::Options db_options = MakeDbOptions(options);
  std::unique_ptr<rocksdb::Env> env;
  if (options.in_memory) {
    env.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    db_options.env = env.get();
  }
  LowerBackgroundPriority(*db_options.env);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  const bool secondary = !options.secondary_path.empty();
  if (secondary) {
    db_options.create_if_missing = false;
    db_options.max_open_files = -1;  // a secondary instance keeps every file open
    s = rocksdb::DB::OpenAsSecondary(db_options, options.path, options.secondary_path, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, options.path, &raw);
  }
  if (!s.ok()) return RocksError(s, "open " + options.path);
  std::unique_ptr<rocksdb::DB> db(raw);
  if (secondary) {
    s = db->TryCatchUpWithPrimary();
    if (!s.ok()) return RocksError(s, "catch up with the primary");
  } else {
    RETURN_IF_ERROR(CheckSchemaVersion(*db));
  }
  return std::unique_ptr<Store>(
      std::make_unique<RocksStore>(options, std::move(env), std::move(db)));
}

}  // namespace profiled::store::rocks
