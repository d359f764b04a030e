#include "snapshot/snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#ifdef PROFILED_WITH_ROCKSDB
#include "store/rocksdb/rocksdb_store.h"
#endif

namespace profiled::snapshot {
namespace {

using Rows =
    std::vector<std::tuple<int, std::string, std::string, std::string, std::string, std::string>>;

Rows Walk(store::Store& store) {
  Rows rows;
  Status s = store.Read([&](store::Txn& txn) {
    return txn.ForEachRow([&](const store::Row& r) {
      rows.emplace_back(r.table == store::Row::Table::kIndex, std::string(r.account),
                        std::string(r.domain), std::string(r.name), std::string(r.key),
                        std::string(r.value));
      return OkStatus();
    });
  });
  EXPECT_TRUE(s.ok()) << s.error().message();
  return rows;
}

// Each test's stores: SQLite and RocksDB files in a directory of their own, and RocksDB in memory.
class SnapshotTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("snapshot_test_" + std::to_string(::getpid()) + "_" + std::to_string(next_++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<store::Store> Open(const std::string& kind) {
    std::string path = (dir_ / (kind + std::to_string(next_++))).string();
    Result<std::unique_ptr<store::Store>> store = Error::Internal("no such store " + kind);
    if (kind == "sqlite") store = store::sqlite::OpenSqliteStore({.path = path});
#ifdef PROFILED_WITH_ROCKSDB
    store::rocks::RocksdbOptions options;
    options.path = path;
    options.in_memory = kind == "memory";
    if (kind == "rocksdb" || kind == "memory") store = store::rocks::OpenRocksdbStore(options);
#endif
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static void Fill(store::Store& store, int profiles) {
    ASSERT_TRUE(
        store
            .Write([&](store::Txn& txn) -> Status {
              RETURN_IF_ERROR(txn.Put({"111", ""}, "domain", "d1", "{\"x\":1}"));
              for (int i = 0; i < profiles; ++i) {
                std::string id = "p" + std::to_string(i);
                RETURN_IF_ERROR(txn.Put({"111", "d1"}, "profile", id, "{\"n\":" + id + "}"));
                RETURN_IF_ERROR(txn.IndexAdd({"111", "d1"}, "key/_email", id + "@example.com", id));
              }
              std::string odd("\0\xff\x80", 3);
              return txn.Put({odd, odd}, odd, odd, odd);
            })
            .ok());
  }

  std::filesystem::path dir_;
  static inline int next_ = 0;
};

TEST_P(SnapshotTest, SaveThenLoadIntoEveryStoreGivesTheSameRows) {
  auto source = Open(GetParam());
  ASSERT_TRUE(source);
  Fill(*source, 2500);
  std::stringstream file;
  auto saved = Save(*source, file);
  ASSERT_TRUE(saved.ok()) << saved.error().message();
  EXPECT_EQ(saved->documents, 2502);
  EXPECT_EQ(saved->index_rows, 2500);
  EXPECT_LT(file.str().size(), 2500u * 40) << "compressed";
  Rows expected = Walk(*source);
  for (std::string kind : {"sqlite", "rocksdb", "memory"}) {
    auto target = Open(kind);
    if (!target) continue;
    std::stringstream in(file.str());
    auto loaded = Load(*target, in, /*rows_per_write=*/1000);
    ASSERT_TRUE(loaded.ok()) << kind << ": " << loaded.error().message();
    EXPECT_EQ(loaded->documents, saved->documents);
    EXPECT_EQ(loaded->index_rows, saved->index_rows);
    EXPECT_EQ(Walk(*target), expected) << kind;
  }
}

TEST_P(SnapshotTest, LoadRefusesAStoreThatHoldsAnything) {
  auto store = Open(GetParam());
  ASSERT_TRUE(store);
  Fill(*store, 1);
  std::stringstream file;
  ASSERT_TRUE(Save(*store, file).ok());
  Rows before = Walk(*store);
  auto loaded = Load(*store, file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(loaded.error().message().find("not empty"), std::string::npos);
  EXPECT_EQ(Walk(*store), before);
}

TEST_P(SnapshotTest, DamagedFilesAreRefusedWithAReason) {
  auto source = Open(GetParam());
  ASSERT_TRUE(source);
  Fill(*source, 100);
  std::stringstream file;
  ASSERT_TRUE(Save(*source, file).ok());
  std::string bytes = file.str();

  std::stringstream garbage("this is not a snapshot at all");
  auto not_one = Load(*Open(GetParam()), garbage);
  ASSERT_FALSE(not_one.ok());
  EXPECT_NE(not_one.error().message().find("snapshot"), std::string::npos);

  std::stringstream truncated(bytes.substr(0, bytes.size() / 2));
  auto cut = Load(*Open(GetParam()), truncated);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message().find("ends"), std::string::npos) << cut.error().message();
}

#ifdef PROFILED_WITH_ROCKSDB
INSTANTIATE_TEST_SUITE_P(Stores, SnapshotTest, ::testing::Values("sqlite", "rocksdb", "memory"));
#else
INSTANTIATE_TEST_SUITE_P(Stores, SnapshotTest, ::testing::Values("sqlite"));
#endif

}  // namespace
}  // namespace profiled::snapshot
