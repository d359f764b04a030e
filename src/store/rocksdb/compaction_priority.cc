// File: compaction_priority.cc
#include "store/rocksdb/compaction_priority.h"

#include <rocksdb/db.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace profiled::store::rocks {

int CompactionNice(int level0_files, int behind_files) {
  return level0_files >= behind_files ? 0 : 19;
}

void CompactionPriority::OnFlushCompleted(rocksdb::DB* db, const rocksdb::FlushJobInfo&) {
  Adjust(*db);
}

void CompactionPriority::OnCompactionBegin(rocksdb::DB* db, const rocksdb::CompactionJobInfo&) {
  {
    std::lock_guard lock(mu_);
    const int tid = static_cast<int>(gettid());  // the compaction's own thread calls
    if (std::find(compaction_tids_.begin(), compaction_tids_.end(), tid) ==
        compaction_tids_.end()) {
      compaction_tids_.push_back(tid);
      // A thread seen first takes the current setting (the pool started it at nice 19).
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice_);
    }
  }
  Adjust(*db);
}

void CompactionPriority::OnCompactionCompleted(rocksdb::DB* db, const rocksdb::CompactionJobInfo&) {
  Adjust(*db);
}

int CompactionPriority::nice() const {
  std::lock_guard lock(mu_);
  return nice_;
}

std::vector<int> CompactionPriority::compaction_tids() const {
  std::lock_guard lock(mu_);
  return compaction_tids_;
}

void CompactionPriority::Adjust(rocksdb::DB& db) {
  // RocksDB calls listeners without its mutex held, so reading a property here is allowed.
  // A string property ("rocksdb.num-files-at-level<N>" is not among the integer ones).
  std::string level0;
  if (!db.GetProperty("rocksdb.num-files-at-level0", &level0)) return;
  // One file past the compaction trigger: flushes came faster than the running compaction took
  // files away. The trigger is read each time: an upload's write burst raises it (write_burst.h).
  const int behind = db.GetOptions().level0_file_num_compaction_trigger + 1;
  const int nice = CompactionNice(std::atoi(level0.c_str()), behind);
  std::lock_guard lock(mu_);
  if (nice == nice_) return;
  nice_ = nice;
  for (int tid : compaction_tids_) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice);
}

}  // namespace profiled::store::rocks
