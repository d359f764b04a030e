// File: latest_snapshot.h
// Snapshots of the database's latest state, each shared by the read transactions of one thread
// that begin while no write has committed since it was taken.
//
// Why: DB::GetSnapshot and DB::ReleaseSnapshot each take the database's one mutex. Two io
// threads serving reads took it twice per read; `perf` counted ~2,200 futex waits per thread per
// second at 16 connections (SearchProfiles by `_email`, 84k requests/s on 2 cores), and a waiter
// whose lock holder had been preempted waited out the holder's time slice: the ~3 ms p99 that
// half of the search cells showed (docs/performance.md, fourteenth session). Between two commits
// every new snapshot would be the same one, so a thread keeps and reuses it: only its first read
// after a commit takes the database's mutex. Per thread, not one for all: one shared snapshot
// moved the contention to its own lock (and its reference count) instead of removing it.
//
// Exact: a reader uses a kept snapshot only if its sequence number is the database's latest
// (read after the reader began), so it sees every write acknowledged before the read began, as a
// snapshot of its own would.
#pragma once

#include <rocksdb/db.h>

#include <array>
#include <cstddef>
#include <memory>

#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace profiled::store::rocks {

class LatestSnapshot {
 public:
  using Ref = std::shared_ptr<const rocksdb::Snapshot>;

  // `db` outlives this object, and Clear() is called before it is closed.
  explicit LatestSnapshot(rocksdb::DB& db) : db_(db) {}
  LatestSnapshot(const LatestSnapshot&) = delete;
  LatestSnapshot& operator=(const LatestSnapshot&) = delete;

  // A snapshot at the database's latest sequence number: the one this thread keeps, or a new one
  // that it keeps from now on. Released when its last holder lets go.
  Ref Acquire();
  // Drops the kept snapshots a commit has made stale, so that they do not keep the versions that
  // commit replaced from being compacted away while no read comes to replace them. The writer
  // thread calls it after each commit.
  void DropIfStale();
  // Drops every kept snapshot (before the database closes: it refuses to with snapshots held).
  void Clear();

  // Threads beyond this many share slots (correct, only contended).
  static constexpr size_t kSlots = 16;

 private:
  // A cache line each: the threads' uncontended locks do not share one.
  struct alignas(64) Slot {
    Mutex mu;  // its thread's, and the writer's after a commit
    Ref kept GUARDED_BY(mu);
  };
  static size_t ThisThreadsSlot();
  void Drop(Slot& slot, bool only_if_stale, rocksdb::SequenceNumber latest);

  rocksdb::DB& db_;
  std::array<Slot, kSlots> slots_;
};

}  // namespace profiled::store::rocks
