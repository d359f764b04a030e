// File: rocksdb_write_burst_test.cc
// WriteBurstSizing (src/store/rocksdb/write_burst.h): the memtables an upload job writes into
// while its holds last, the configured ones after, and the large memtable flushed at the end.
#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "store/in_memory_db.h"
#include "store/rocksdb/db_options.h"
#include "store/rocksdb/write_burst.h"

namespace profiled::store::rocks {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// A database on RocksDB's in-memory Env with the store's options (32 MiB memtables).
class WriteBurstTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.path = "/write-burst";
    ASSERT_TRUE(OpenInMemory(MakeDbOptions(options_), options_.path, &env_, &db_).ok());
  }

  size_t BufferBytes() const { return db_->GetOptions().write_buffer_size; }
  uint64_t MaxWalBytes() const { return db_->GetDBOptions().max_total_wal_size; }

  // What the open database is sized at now, against `want`'s every field.
  void ExpectSizes(const BufferSizing& want) const {
    const rocksdb::Options now = db_->GetOptions();
    EXPECT_EQ(now.write_buffer_size, want.buffer_bytes);
    EXPECT_EQ(now.max_write_buffer_number, want.buffers);
    EXPECT_EQ(MaxWalBytes(), want.max_wal_bytes);
    EXPECT_EQ(now.level0_file_num_compaction_trigger, want.l0_compaction_trigger);
    EXPECT_EQ(now.level0_slowdown_writes_trigger, want.l0_slowdown_trigger);
    EXPECT_EQ(now.level0_stop_writes_trigger, want.l0_stop_trigger);
  }
  // The store's own settings for 32 MiB memtables (db_options.cc), and a burst's, as literals.
  static constexpr BufferSizing kConfigured{.buffer_bytes = 32 * kMiB,
                                            .buffers = 3,
                                            .max_wal_bytes = 128 * kMiB,
                                            .l0_compaction_trigger = 4,
                                            .l0_slowdown_trigger = 20,
                                            .l0_stop_trigger = 36};
  static constexpr BufferSizing kBurst{.buffer_bytes = 128 * kMiB,
                                       .buffers = 4,
                                       .max_wal_bytes = 512 * kMiB,
                                       .l0_compaction_trigger = 8,
                                       .l0_slowdown_trigger = 24,
                                       .l0_stop_trigger = 40};

  uint64_t ActiveMemtableEntries() const {
    uint64_t entries = 0;
    EXPECT_TRUE(db_->GetIntProperty("rocksdb.num-entries-active-mem-table", &entries));
    return entries;
  }

  RocksdbOptions options_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(WriteBurstTest, HoldsResizeTheTreeUntilTheLastIsReleased) {
  WriteBurstSizing sizing(*db_, options_);
  ExpectSizes(kConfigured);

  auto first = sizing.Begin();
  ASSERT_NE(first, nullptr);
  ExpectSizes(kBurst);

  auto second = sizing.Begin();  // two jobs at once
  first.reset();
  EXPECT_EQ(BufferBytes(), 128 * kMiB) << "one job still runs";
  second.reset();
  ExpectSizes(kConfigured);

  auto again = sizing.Begin();
  EXPECT_EQ(BufferBytes(), 128 * kMiB);
}

TEST_F(WriteBurstTest, ALargerConfiguredMemtableIsKept) {
  db_.reset();
  options_.write_buffer_mib = 256;
  SetUp();
  WriteBurstSizing sizing(*db_, options_);
  auto hold = sizing.Begin();
  EXPECT_EQ(BufferBytes(), 256 * kMiB);
  EXPECT_EQ(MaxWalBytes(), 1024 * kMiB);
}

TEST_F(WriteBurstTest, TheBurstsMemtableIsFlushedWhenItEnds) {
  WriteBurstSizing sizing(*db_, options_);
  auto hold = sizing.Begin();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db_->Put({}, "key" + std::to_string(i), std::string(100, 'v')).ok());
  }
  EXPECT_EQ(ActiveMemtableEntries(), 100u);
  hold.reset();
  // The flush runs in the background: wait for it (bounded), then check what it left.
  for (int i = 0; i < 1000 && ActiveMemtableEntries() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ActiveMemtableEntries(), 0u);
  std::string value;
  ASSERT_TRUE(db_->Get({}, "key42", &value).ok());
  EXPECT_EQ(value, std::string(100, 'v'));
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
