// File: compaction_priority.h
// Flushes and compactions run at nice 19 (db_options.cc, LowerBackgroundPriority): on two cores
// they then use the time the request threads leave, and writes are faster for it while the
// compaction keeps up. Under a write load that leaves no idle time, a compaction at nice 19 gets
// almost none: level 0 grows to the slowdown trigger and RocksDB stalls every write. On
// 2026-12-04, 15 s of CreateProfile at 64 connections (~40k req/s) reached 20 level-0 files in
// each run and p99 was 19-80 ms; with the compaction at nice 0, no stall and p99 6.1-6.6 ms, at
// ~20% fewer req/s.
//
// So the compaction threads run at nice 19 while level 0 holds no more files than the compaction
// trigger, and at nice 0 once it holds more (a flush came before the running compaction took
// the files away; with a boost from 10 files on, still 19 ms p99 in the run above): a
// compaction that falls behind takes its share of the cores, one that keeps up takes only idle
// time. Checked after every flush and at every compaction's start and end. Raising a thread's
// priority back needs CAP_SYS_NICE (or RLIMIT_NICE): without it the threads stay at nice 19, as
// before.
#pragma once

#include <rocksdb/listener.h>

#include <mutex>
#include <vector>

namespace profiled::store::rocks {

class CompactionPriority final : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "profiled.CompactionPriority"; }
  void OnFlushCompleted(rocksdb::DB* db, const rocksdb::FlushJobInfo& info) override;
  void OnCompactionBegin(rocksdb::DB* db, const rocksdb::CompactionJobInfo& info) override;
  void OnCompactionCompleted(rocksdb::DB* db, const rocksdb::CompactionJobInfo& info) override;

  // The nice value the compaction threads were last given (19 until a compaction falls behind).
  int nice() const;
  // The threads that ran a compaction so far.
  std::vector<int> compaction_tids() const;

 private:
  void Adjust(rocksdb::DB& db);

  mutable std::mutex mu_;
  std::vector<int> compaction_tids_;  // every thread that ran a compaction
  int nice_ = 19;
};

// The nice value for the compaction threads with `level0_files` files in level 0, when they are
// behind from `behind_files` on.
int CompactionNice(int level0_files, int behind_files);

}  // namespace profiled::store::rocks
