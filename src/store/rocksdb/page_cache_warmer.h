// File: page_cache_warmer.h
// A point read whose block is in neither RocksDB's block cache nor the operating system's page
// cache waits for the disk. Right after `profiled serve` starts, the block cache is empty, and
// the page cache may no longer hold the database's files (a reboot, a long stop, other programs'
// files): the first reads of each block then take a disk read each. On 1M imported profiles with
// a tenth of the files out of the page cache, SearchProfiles at one connection had a p99 of 0.40
// ms in its first 8 s against 0.23 ms once the files were read, and 0.17 ms from the start with
// every file in the page cache (2026-12-04, docs/performance.md).
//
// So a serving store reads its files once at start, on a thread of its own at the lowest CPU and
// I/O priority, up to a budget: the page cache then holds them when requests come, as InnoDB's
// buffer-pool load and PostgreSQL's autoprewarm bring back their caches after a restart. The
// files are read, not mapped: nothing stays in the process's memory, and the kernel may evict
// the pages again under pressure as any other cached file's.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace profiled::store::rocks {

struct WarmFile {
  std::string path;
  uint64_t bytes = 0;
};

// How much of the database a start reads: what was asked, and never more than a quarter of the
// memory the system reports available (0: unknown, then what was asked), so that warming a
// database larger than memory does not push everything else out of the page cache.
uint64_t WarmBudgetBytes(uint64_t requested_bytes, uint64_t mem_available_bytes);

// MemAvailable of /proc/meminfo in bytes; 0 where there is none.
uint64_t MemAvailableBytes();

// The files to read, in order, whose sizes add up to at most budget_bytes: the upper levels
// first (every point read looks into them before the levels below), a level's files in order.
// `files` are (level, WarmFile) pairs.
std::vector<WarmFile> PlanWarming(std::vector<std::pair<int, WarmFile>> files,
                                  uint64_t budget_bytes);

class PageCacheWarmer {
 public:
  // Starts reading `files` on its own thread.
  explicit PageCacheWarmer(std::vector<WarmFile> files);
  // Stops between two reads (a megabyte each) and joins.
  ~PageCacheWarmer();
  PageCacheWarmer(const PageCacheWarmer&) = delete;
  PageCacheWarmer& operator=(const PageCacheWarmer&) = delete;

  // Blocks until every file was read (or the warmer stopped). For tests.
  void WaitUntilDone() const;
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }

 private:
  void Run(const std::stop_token& stop);

  std::vector<WarmFile> files_;
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<bool> done_{false};
  std::jthread thread_;  // last: started once everything it reads is constructed
};

}  // namespace profiled::store::rocks
