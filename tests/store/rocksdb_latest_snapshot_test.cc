// File: rocksdb_latest_snapshot_test.cc
// LatestSnapshot (store/rocksdb/latest_snapshot.h): a thread reuses its snapshot only while no
// write has committed since, so a read never misses a write acknowledged before it began; stale
// snapshots are dropped after a commit, and all of them before the database closes.
#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>
#include <rocksdb/env.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/in_memory_db.h"
#include "store/rocksdb/latest_snapshot.h"

namespace profiled::store::rocks {
namespace {

class LatestSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(OpenInMemory(rocksdb::Options(), "/latest-snapshot", &env_, &db_).ok());
  }

  uint64_t Snapshots() {
    uint64_t n = 0;
    EXPECT_TRUE(db_->GetIntProperty("rocksdb.num-snapshots", &n));
    return n;
  }

  std::string Get(const rocksdb::Snapshot* snapshot, const std::string& key) {
    rocksdb::ReadOptions options;
    options.snapshot = snapshot;
    std::string value;
    rocksdb::Status s = db_->Get(options, key, &value);
    return s.IsNotFound() ? "<absent>" : value;
  }

  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(LatestSnapshotTest, ReusedUntilAWriteCommits) {
  LatestSnapshot latest(*db_);
  LatestSnapshot::Ref a = latest.Acquire();
  LatestSnapshot::Ref b = latest.Acquire();
  EXPECT_EQ(a.get(), b.get()) << "no commit between them: one snapshot";
  EXPECT_EQ(Snapshots(), 1u);

  ASSERT_TRUE(db_->Put({}, "k", "v1").ok());
  LatestSnapshot::Ref c = latest.Acquire();
  EXPECT_NE(c.get(), a.get()) << "a commit since: a new one";
  EXPECT_GT(c->GetSequenceNumber(), a->GetSequenceNumber());
  EXPECT_EQ(Get(c.get(), "k"), "v1");
  EXPECT_EQ(Get(a.get(), "k"), "<absent>") << "the old one still reads as it did for its holder";
  latest.Clear();
}

TEST_F(LatestSnapshotTest, StaleOnesAreDroppedAfterACommitAndAllBeforeClose) {
  auto latest = std::make_unique<LatestSnapshot>(*db_);
  latest->Acquire();  // kept by the slot only
  EXPECT_EQ(Snapshots(), 1u);
  latest->DropIfStale();
  EXPECT_EQ(Snapshots(), 1u) << "still the latest: kept";
  ASSERT_TRUE(db_->Put({}, "k", "v1").ok());
  latest->DropIfStale();
  EXPECT_EQ(Snapshots(), 0u) << "stale after the commit: released";

  LatestSnapshot::Ref held = latest->Acquire();
  latest->Clear();
  EXPECT_EQ(Snapshots(), 1u) << "its holder still reads on it";
  held.reset();
  EXPECT_EQ(Snapshots(), 0u);
  EXPECT_TRUE(db_->Close().ok());
}

// Readers never see a value older than the last one acknowledged before their read began, while
// a writer commits new ones as fast as it can and drops stale snapshots after each, as the
// store's writer does.
TEST_F(LatestSnapshotTest, NoReadMissesAWriteAcknowledgedBeforeIt) {
  LatestSnapshot latest(*db_);
  constexpr int kWrites = 3000;
  std::atomic<int> acknowledged{0};
  std::atomic<int> stale_reads{0};
  std::atomic<bool> done{false};
  ASSERT_TRUE(db_->Put({}, "k", "0").ok());
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const int floor = acknowledged.load();
        LatestSnapshot::Ref snapshot = latest.Acquire();
        if (std::stoi(Get(snapshot.get(), "k")) < floor) ++stale_reads;
      }
    });
  }
  for (int i = 1; i <= kWrites; ++i) {
    ASSERT_TRUE(db_->Put({}, "k", std::to_string(i)).ok());
    acknowledged.store(i);
    latest.DropIfStale();
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(stale_reads.load(), 0);
  latest.Clear();
  EXPECT_EQ(Snapshots(), 0u);
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
