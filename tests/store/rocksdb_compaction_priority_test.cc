// File: rocksdb_compaction_priority_test.cc
// The compaction threads' nice value follows level 0's backlog
// (store/rocksdb/compaction_priority.h).
#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/resource.h>

#include <cerrno>
#include <memory>
#include <string>

#include "store/rocksdb/compaction_priority.h"
#include "store/temp_dir.h"

namespace profiled::store::rocks {
namespace {

TEST(CompactionNiceTest, BoostedOnlyWhenBehind) {
  EXPECT_EQ(CompactionNice(0, 5), 19);
  EXPECT_EQ(CompactionNice(4, 5), 19);
  EXPECT_EQ(CompactionNice(5, 5), 0);
  EXPECT_EQ(CompactionNice(30, 5), 0);
}

TEST(CompactionPriorityTest, FollowsLevelZeroThroughFlushesAndACompaction) {
  TempDir dir("profiled-compaction");
  auto priority = std::make_shared<CompactionPriority>();
  rocksdb::Options options;
  options.create_if_missing = true;
  options.disable_auto_compactions = true;  // level 0 grows until the test compacts it
  options.level0_file_num_compaction_trigger = 4;
  options.listeners.push_back(priority);
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, (dir.path() / "db").string(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);

  auto flush_one_file = [&](int i) {
    ASSERT_TRUE(db->Put({}, "k" + std::to_string(i), "v").ok());
    ASSERT_TRUE(db->Flush({}).ok());
  };
  for (int i = 0; i < 4; ++i) flush_one_file(i);
  EXPECT_EQ(priority->nice(), 19) << "four files: at the trigger, not behind";
  flush_one_file(4);
  EXPECT_EQ(priority->nice(), 0) << "five files: one past the trigger";

  ASSERT_TRUE(db->CompactRange({}, nullptr, nullptr).ok());
  EXPECT_EQ(priority->nice(), 19) << "level 0 compacted away";
  const std::vector<int> tids = priority->compaction_tids();
  ASSERT_EQ(tids.size(), 1u) << "the compaction's thread was seen";
  // The thread's nice value as the flush test of rocksdb_store_test.cc reads it.
  errno = 0;
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(tids.front())), 19);
  EXPECT_EQ(errno, 0);
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
