// File: sqlite_store.cc
// Group commit: Write() enqueues the caller's function and blocks; one writer thread owns the
// write connection and runs every pending function (up to max_batch) in one transaction, each
// inside its own SAVEPOINT, then commits once and wakes the callers. The functions of a batch
// run one after another, so each sees the writes of those before it: no lost update.
//
// Durability: WAL with synchronous=NORMAL. COMMIT returns after the transaction is written to
// the WAL file (not fsynced), so an acknowledged write survives the process being killed
// (kill -9) but may be lost on power failure or an OS crash; synchronous_full closes that gap
// at the price of one fsync per batch.
//
// Locking: normal, not EXCLUSIVE. In WAL mode an EXCLUSIVE connection keeps the wal-index in
// heap memory and holds the lock, so no other connection (our reader pool, or a tool in another
// process) could read. Our single writer already avoids writer-writer contention.
//
// Checkpoints never run on the writer's path. Automatic checkpoints would run inside COMMIT and
// delay every caller of that batch, so they are off; a checkpointer thread with its own
// connection copies the WAL into the database (PASSIVE: it never waits for the writer or the
// readers) whenever SqliteOptions::checkpoint_pages frames are waiting. Under back-to-back commits
// such checkpoints never reach the WAL's last frame, and SQLite restarts the WAL from its
// beginning only when a write transaction starts with every frame copied; so once the WAL holds
// SqliteOptions::wal_restart_pages frames, the writer waits before its next batch for one
// checkpoint that covers its last commit (only the frames written since the checkpointer's
// previous pass are left to copy: a few milliseconds), and the next batch restarts the WAL; it
// waits longer when the checkpointer cannot keep up at all (see MaybeCheckpoint). Closing
// checkpoints with TRUNCATE.
#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <iterator>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/thread_annotations.h"
#include "common/thread_priority.h"
#include "store/queued_write.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_txn.h"
#include "store/store_counters.h"

namespace profiled::store::sqlite {

namespace {

// How long the writer waits for a covering checkpoint before it gives up and appends (a reader
// pinning an old snapshot can keep the checkpoint from reaching the end); it tries again after
// another checkpoint_pages frames.
constexpr auto kRestartWait = std::chrono::milliseconds(50);
// How long the writer waits when the WAL has grown to 4x wal_restart_pages because the
// checkpointer cannot keep up: writes then slow down to what checkpoints can copy.
constexpr auto kBackpressureWait = std::chrono::milliseconds(2000);
constexpr int kConflictRetries = 5;

// Applies every migration newer than the file's version, all in one transaction so that a
// crash mid-migration leaves the previous version intact.
Status Migrate(Connection& conn) {
  RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  auto apply = [&]() -> Status {
    RETURN_IF_ERROR(
        conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                  "  version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
                  "  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"));
    ASSIGN_OR_RETURN(int64_t current,
                     conn.QueryInt("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    if (current > kSchemaVersion) {
      return Error::Internal("sqlite: the database has schema version " + std::to_string(current) +
                             ", newer than this server's " + std::to_string(kSchemaVersion));
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= current) continue;
      RETURN_IF_ERROR(conn.Exec(m.sql));
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v2(
          conn.db(), "INSERT INTO schema_migrations (version, description) VALUES (?1, ?2)", -1,
          &raw, nullptr);
      StmtPtr stmt(raw);
      if (rc != SQLITE_OK) return SqliteError(conn.db(), rc, "record migration");
      sqlite3_bind_int(stmt.get(), 1, m.version);
      sqlite3_bind_text(stmt.get(), 2, m.description, -1, SQLITE_STATIC);
      rc = sqlite3_step(stmt.get());
      if (rc != SQLITE_DONE) return SqliteError(conn.db(), rc, "record migration");
    }
    return OkStatus();
  };
  Status status = apply();
  if (!status.ok()) {
    (void)conn.Exec("ROLLBACK");
    return status;
  }
  return conn.Exec("COMMIT");
}

// The thread that copies the WAL into the database. The writer only asks (Request) or, when the
// WAL should restart, asks and waits for a pass that began after its last commit (CatchUp).
class Checkpointer {
 public:
  explicit Checkpointer(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Checkpointer() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Request() EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      ++requested_;
    }
    cv_.notify_all();
  }

  // Returns whether a pass that started after this call copied every frame of the WAL.
  bool CatchUp(std::chrono::milliseconds wait) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const uint64_t ticket = ++requested_;
    cv_.notify_all();
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (!stopping_ && completed_ < ticket) {
      if (!lock.WaitUntil(cv_, deadline)) break;
    }
    return !stopping_ && completed_ >= ticket && complete_;
  }

  // The WAL frame up to which the last finished pass copied.
  int Backfilled() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return backfilled_;
  }

 private:
  void Loop() {
    MutexLock lock(mu_);
    while (true) {
      while (!stopping_ && requested_ <= completed_) lock.Wait(cv_);
      if (stopping_) return;
      const uint64_t ticket = requested_;
      lock.Unlock();
      int log = 0;
      int done = 0;
      int rc =
          sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
      lock.Lock();
      complete_ = rc == SQLITE_OK && done == log;
      if (rc == SQLITE_OK) backfilled_ = done;
      completed_ = ticket;
      cv_.notify_all();
    }
  }

  std::unique_ptr<Connection> conn_;  // checkpointer thread only
  Mutex mu_;
  std::condition_variable cv_;
  uint64_t requested_ GUARDED_BY(mu_) = 0;
  uint64_t completed_ GUARDED_BY(mu_) = 0;  // the last request a finished pass covered
  bool complete_ GUARDED_BY(mu_) = false;   // that pass copied every frame
  int backfilled_ GUARDED_BY(mu_) = 0;      // frames the last successful pass had copied
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer,
              std::vector<std::unique_ptr<Connection>> readers,
              std::unique_ptr<Connection> checkpoint_conn)
      : options_(std::move(options)),
        writer_(std::move(writer)),
        checkpointer_(std::make_unique<Checkpointer>(std::move(checkpoint_conn))) {
    for (auto& r : readers) idle_readers_.push_back(r.get());
    readers_ = std::move(readers);
    sqlite3_wal_hook(writer_->db(), &SqliteStore::OnWalCommit, this);
    writer_thread_ = std::thread([this] { WriterLoop(); });
  }

  ~SqliteStore() override {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    queue_cv_.notify_one();
    writer_thread_.join();
    checkpointer_.reset();
    // Readers first, so that none pins the WAL; then fold the WAL into the database and truncate
    // it, leaving a file that opens without recovery.
    readers_.clear();
    sqlite3_wal_checkpoint_v2(writer_->db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }

  Status Write(const TxnFn& fn) EXCLUDES(mu_) override {
    if (std::this_thread::get_id() == writer_thread_.get_id()) {
      return Error::Internal("Store::Write called from inside a Write function");
    }
    Status status;
    Completion done;
    {
      MutexLock lock(mu_);
      if (stopping_) return Error::Unavailable("sqlite store is closing");
      queue_.push_back(Request{&fn, &status, &done});
    }
    queue_cv_.notify_one();
    done.Wait();  // a fiber's thread serves others meanwhile (common/fiber.h)
    counters_.CountWrite();
    return status;
  }

  Status Read(const TxnFn& fn) override {
    counters_.CountRead();
    Connection* conn = AcquireReader();
    Status status = RunRead(*conn, fn);
    ReleaseReader(conn);
    return status;
  }

  std::string Describe() const override { return "sqlite:" + options_.path; }

  StoreStats Stats() const override {
    StoreStats stats = counters_.Snapshot();
    std::error_code ec;
    auto size = std::filesystem::file_size(options_.path, ec);
    if (!ec) stats.data_bytes = static_cast<int64_t>(size);
    size = std::filesystem::file_size(options_.path + "-wal", ec);
    stats.wal_bytes = ec ? 0 : static_cast<int64_t>(size);
    return stats;
  }

 private:
  using Request = QueuedWrite;

  static int OnWalCommit(void* self, sqlite3*, const char*, int pages) {
    static_cast<SqliteStore*>(self)->wal_pages_ = pages;  // writer thread only
    return SQLITE_OK;
  }

  static Status CallFn(const TxnFn& fn, Txn& txn) { return CallTxnFn(fn, txn); }

  Connection* AcquireReader() EXCLUDES(readers_mu_) {
    MutexLock lock(readers_mu_);
    while (idle_readers_.empty()) lock.Wait(readers_cv_);
    Connection* conn = idle_readers_.back();
    idle_readers_.pop_back();
    return conn;
  }

  void ReleaseReader(Connection* conn) EXCLUDES(readers_mu_) {
    {
      MutexLock lock(readers_mu_);
      idle_readers_.push_back(conn);
    }
    readers_cv_.notify_one();
  }

  // A deferred BEGIN takes its snapshot at the first read and keeps it until COMMIT.
  static Status RunRead(Connection& conn, const TxnFn& fn) {
    for (int attempt = 0;; ++attempt) {
      RETURN_IF_ERROR(conn.Run(Sql::kBegin0));
      SqliteTxn txn(conn, /*writable=*/false);
      Status status = CallFn(fn, txn);
      Status end = conn.Run(status.ok() ? Sql::kCommit0 : Sql::kRollback0);
      if (!end.ok() && conn.InTransaction()) (void)conn.Run(Sql::kRollback0);
      if (!status.ok() && status.error().code() == ErrorCode::kConflict &&
          attempt < kConflictRetries) {
        continue;
      }
      if (!status.ok()) return status;
      return end;
    }
  }

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
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      }
      RunBatch(batch);
      for (Request& r : batch) r.done->Signal();
      batch.clear();
      MaybeCheckpoint();
    }
  }

  // Sets every request's status. Only this thread touches writer_.
  void RunBatch(std::vector<Request>& batch) {
    Status begin = writer_->Run(Sql::kBeginImmediate0);
    if (!begin.ok()) {
      // Another process held the write lock past the busy timeout: not a race to retry.
      Status error = begin.error().code() == ErrorCode::kConflict
                         ? Status(Error::Unavailable(begin.error().message()))
                         : begin;
      for (Request& r : batch) *r.status = error;
      return;
    }
    for (Request& r : batch) {
      Status fatal = RunOne(r);
      if (!fatal.ok()) return FailBatch(batch, fatal);
    }
    Status commit = writer_->Run(Sql::kCommit0);
    if (!commit.ok()) return FailBatch(batch, commit);
    counters_.CountCommit(batch.size());
  }

  // Runs one function in its own savepoint. Its own error goes to its caller only; the returned
  // error means the whole transaction is lost (SQLite rolled it back, or a savepoint failed).
  Status RunOne(Request& r) {
    for (int attempt = 0;; ++attempt) {
      RETURN_IF_ERROR(writer_->Run(Sql::kSavepoint0));
      SqliteTxn txn(*writer_, /*writable=*/true);
      *r.status = CallFn(*r.fn, txn);
      if (!writer_->InTransaction()) {
        return Error::Internal("sqlite rolled back the transaction: " +
                               (r.status->ok() ? std::string("after a statement failed")
                                               : r.status->error().message()));
      }
      if (r.status->ok()) return writer_->Run(Sql::kRelease0);
      RETURN_IF_ERROR(writer_->Run(Sql::kRollbackTo0));
      RETURN_IF_ERROR(writer_->Run(Sql::kRelease0));
      if (r.status->error().code() != ErrorCode::kConflict || attempt >= kConflictRetries) {
        return OkStatus();
      }
    }
  }

  void FailBatch(std::vector<Request>& batch, const Status& error) {
    if (writer_->InTransaction()) (void)writer_->Run(Sql::kRollback0);
    for (Request& r : batch) *r.status = error;
  }

  // wal_pages_ counts the frames in the WAL after the last commit; it drops back when a batch
  // restarts the WAL.
  void MaybeCheckpoint() {
    if (wal_pages_ < pages_at_request_) pages_at_request_ = restart_tried_at_ = 0;  // restarted
    if (wal_pages_ >= options_.wal_restart_pages && wal_pages_ >= restart_tried_at_) {
      // Wait only when the checkpointer is close behind (what is left takes one short pass),
      // or when it cannot keep up at all (the WAL would grow without bound); else a stall
      // would copy a backlog while every caller waits.
      const int behind = wal_pages_ - checkpointer_->Backfilled();
      const bool close = behind <= options_.checkpoint_pages;
      if (close || wal_pages_ >= 4 * options_.wal_restart_pages) {
        restart_tried_at_ = wal_pages_ + options_.checkpoint_pages;
        if (checkpointer_->CatchUp(close ? kRestartWait : kBackpressureWait)) {
          wal_pages_ = pages_at_request_ = restart_tried_at_ = 0;
          return;
        }
      }
    }
    if (wal_pages_ - pages_at_request_ >= options_.checkpoint_pages) {
      pages_at_request_ = wal_pages_;
      checkpointer_->Request();
    }
  }

  const SqliteOptions options_;
  std::unique_ptr<Connection> writer_;
  std::vector<std::unique_ptr<Connection>> readers_;
  int wal_pages_ = 0;         // writer thread only
  int pages_at_request_ = 0;  // writer thread only: wal_pages_ when a checkpoint was last asked
  int restart_tried_at_ = 0;  // writer thread only: no restart attempt below this frame count
  std::unique_ptr<Checkpointer> checkpointer_;

  Mutex mu_;
  std::condition_variable queue_cv_;
  std::deque<Request> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread writer_thread_;
  StoreCounters counters_;

  Mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<Connection*> idle_readers_ GUARDED_BY(readers_mu_);
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (options.path.empty()) return Error::Internal("sqlite: no database path");
  ConnectionOptions writer_options;
  writer_options.create = true;
  writer_options.busy_timeout_ms = options.busy_timeout_ms;
  writer_options.synchronous_full = options.synchronous_full;
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                   Connection::Open(options.path, writer_options));
  // journal_mode=WAL is persistent in the file; setting it again on an existing file is a no-op.
  RETURN_IF_ERROR(writer->Exec("PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(writer->Exec("PRAGMA wal_autocheckpoint=0"));
  if (options.writer_cache_kib > 0) {
    std::string pragma = "PRAGMA cache_size=-" + std::to_string(options.writer_cache_kib);
    RETURN_IF_ERROR(writer->Exec(pragma.c_str()));
  }
  RETURN_IF_ERROR(Migrate(*writer));

  ConnectionOptions reader_options;
  reader_options.read_only = true;
  reader_options.busy_timeout_ms = options.busy_timeout_ms;
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < std::max(1, options.reader_connections); ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader,
                     Connection::Open(options.path, reader_options));
    readers.push_back(std::move(reader));
  }
  ConnectionOptions checkpoint_options;
  checkpoint_options.busy_timeout_ms = options.busy_timeout_ms;
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> checkpoint_conn,
                   Connection::Open(options.path, checkpoint_options));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
      options, std::move(writer), std::move(readers), std::move(checkpoint_conn)));
}

}  // namespace profiled::store::sqlite
