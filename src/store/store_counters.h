// File: store_counters.h
// The counters of StoreStats as each store keeps them: relaxed atomic increments on the Write,
// Read and commit paths (no lock, no ordering: /metrics reads a moment's approximate values).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "store/store.h"

namespace profiled::store {

class StoreCounters {
 public:
  void CountWrite() { write_transactions_.fetch_add(1, std::memory_order_relaxed); }
  void CountRead() { read_transactions_.fetch_add(1, std::memory_order_relaxed); }
  // One commit to the database carrying `batch` Write functions.
  void CountCommit(size_t batch) {
    commits_.fetch_add(1, std::memory_order_relaxed);
    batched_.fetch_add(static_cast<int64_t>(batch), std::memory_order_relaxed);
    size_t slot = 0;
    while (slot < StoreStats::kBatchBounds.size() &&
           static_cast<int64_t>(batch) > StoreStats::kBatchBounds[slot]) {
      ++slot;
    }
    batch_counts_[slot].fetch_add(1, std::memory_order_relaxed);
  }

  // The counters; the sizes are the store's to fill in.
  StoreStats Snapshot() const {
    StoreStats stats;
    stats.write_transactions = write_transactions_.load(std::memory_order_relaxed);
    stats.read_transactions = read_transactions_.load(std::memory_order_relaxed);
    stats.commits = commits_.load(std::memory_order_relaxed);
    stats.batched_transactions = batched_.load(std::memory_order_relaxed);
    for (size_t i = 0; i < batch_counts_.size(); ++i) {
      stats.batch_counts[i] = batch_counts_[i].load(std::memory_order_relaxed);
    }
    return stats;
  }

 private:
  std::atomic<int64_t> write_transactions_{0};
  std::atomic<int64_t> read_transactions_{0};
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> batched_{0};
  std::array<std::atomic<int64_t>, StoreStats::kBatchBounds.size() + 1> batch_counts_{};
};

}  // namespace profiled::store
