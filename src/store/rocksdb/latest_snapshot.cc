// File: latest_snapshot.cc
#include "store/rocksdb/latest_snapshot.h"

#include <atomic>
#include <utility>

namespace profiled::store::rocks {

size_t LatestSnapshot::ThisThreadsSlot() {
  // Dealt in turn, not hashed from the thread's id: the two io threads of a 2-core box must not
  // land on one slot by chance.
  static std::atomic<size_t> next{0};
  thread_local const size_t slot = next.fetch_add(1, std::memory_order_relaxed) % kSlots;
  return slot;
}

LatestSnapshot::Ref LatestSnapshot::Acquire() {
  // Read before the kept snapshot is looked at: a commit acknowledged before this read began
  // has a sequence number <= latest, so a snapshot at `latest` sees it.
  const rocksdb::SequenceNumber latest = db_.GetLatestSequenceNumber();
  Slot& slot = slots_[ThisThreadsSlot()];
  {
    MutexLock lock(slot.mu);
    if (slot.kept != nullptr && slot.kept->GetSequenceNumber() == latest) return slot.kept;
  }
  rocksdb::DB* db = &db_;
  Ref fresh(db_.GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  Ref replaced;  // declared before the lock: released after it (its release takes the db mutex)
  MutexLock lock(slot.mu);
  if (slot.kept == nullptr || slot.kept->GetSequenceNumber() < fresh->GetSequenceNumber()) {
    replaced = std::exchange(slot.kept, fresh);
  }
  return fresh;
}

void LatestSnapshot::Drop(Slot& slot, bool only_if_stale, rocksdb::SequenceNumber latest) {
  Ref dropped;  // declared before the lock: released after it
  MutexLock lock(slot.mu);
  if (slot.kept != nullptr && (!only_if_stale || slot.kept->GetSequenceNumber() < latest)) {
    dropped = std::move(slot.kept);
  }
}

void LatestSnapshot::DropIfStale() {
  const rocksdb::SequenceNumber latest = db_.GetLatestSequenceNumber();
  for (Slot& slot : slots_) Drop(slot, /*only_if_stale=*/true, latest);
}

void LatestSnapshot::Clear() {
  for (Slot& slot : slots_) Drop(slot, /*only_if_stale=*/false, 0);
}

}  // namespace profiled::store::rocks
