#include "snapshot/snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
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
    options.load_run_bytes = 4096;  // a load writes many SST files
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

// Rows of no account (the server keeps a few) sort first in every store; their empty fields
// must not be written as "shared with the previous record", which the first record has none of.
TEST_P(SnapshotTest, ATableWhoseFirstRowHasEmptyLeadingFieldsRoundTrips) {
  auto source = Open(GetParam());
  ASSERT_TRUE(source);
  ASSERT_TRUE(source
                  ->Write([](store::Txn& txn) -> Status {
                    RETURN_IF_ERROR(txn.Put({"", ""}, "", "k", "v"));
                    RETURN_IF_ERROR(txn.IndexAdd({"", ""}, "", "", "ref"));
                    return txn.Put({"111", ""}, "domain", "d1", "{}");
                  })
                  .ok());
  std::stringstream file;
  auto saved = Save(*source, file);
  ASSERT_TRUE(saved.ok()) << saved.error().message();
  auto target = Open(GetParam());
  ASSERT_TRUE(target);
  std::stringstream in(file.str());
  auto loaded = Load(*target, in, /*rows_per_write=*/1000);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(Walk(*target), Walk(*source));
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

// A snapshot file made by hand: rows in the order given, in format `version` (1: no `shared`
// byte; 2: shared = 0 throughout, which a reader must take).
std::string Craft(int version, const Rows& rows) {
  auto varint = [](std::string& out, uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    out.push_back(static_cast<char>(v));
  };
  std::string raw(kMagic, 8);
  raw.push_back(static_cast<char>(version));
  uint64_t documents = 0, index_rows = 0;
  for (const auto& [index, a, d, n, k, v] : rows) {
    raw.push_back(index ? 'X' : 'D');
    if (version >= 2) raw.push_back(0);
    for (const std::string* f : {&a, &d, &n, &k, &v}) {
      varint(raw, f->size());
      raw.append(*f);
    }
    ++(index ? index_rows : documents);
  }
  raw.push_back('E');
  varint(raw, documents);
  varint(raw, index_rows);
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 1));
  return out;
}

TEST_P(SnapshotTest, LoadsBothVersionsWithRowsInAnyOrder) {
  Rows rows;
  for (int i = 0; i < 60; ++i) {  // about 3 loader runs of 4096 bytes, overlapping
    std::string id = "p" + std::to_string(i);
    rows.emplace_back(0, "111", "d1", "profile", id, "{\"n\":" + std::to_string(i) + "}");
    rows.emplace_back(1, "111", "d1", "key/_email", id + "@example.com", id);
    rows.emplace_back(1, "222", "d" + std::to_string(i % 3), "key/_phone", "+1", id);
  }
  Rows sorted = rows;
  std::sort(sorted.begin(), sorted.end());  // ForEachRow's order: documents, then index rows
  Rows shuffled = rows;
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + 37, shuffled.end());
  for (int version : {1, 2}) {
    auto target = Open(GetParam());
    ASSERT_TRUE(target);
    std::stringstream in(Craft(version, shuffled));
    auto loaded = Load(*target, in, /*rows_per_write=*/64);
    ASSERT_TRUE(loaded.ok()) << "version " << version << ": " << loaded.error().message();
    EXPECT_EQ(loaded->documents, 60);
    EXPECT_EQ(loaded->index_rows, 120);
    EXPECT_EQ(Walk(*target), sorted) << "version " << version;
  }
}

TEST_P(SnapshotTest, ASecondSaveOfALoadedStoreIsTheSameFile) {
  auto source = Open(GetParam());
  ASSERT_TRUE(source);
  Fill(*source, 700);
  std::stringstream first;
  ASSERT_TRUE(Save(*source, first).ok());
  auto copy = Open(GetParam());
  std::stringstream in(first.str());
  ASSERT_TRUE(Load(*copy, in).ok());
  std::stringstream second;
  ASSERT_TRUE(Save(*copy, second).ok());
  EXPECT_EQ(first.str(), second.str());
  // Compressed on the caller's thread instead: the same rows, whatever the bytes.
  std::stringstream single;
  SaveOptions options;
  options.threads = 0;
  ASSERT_TRUE(Save(*copy, single, options).ok());
  auto again = Open(GetParam());
  std::stringstream single_in(single.str());
  ASSERT_TRUE(Load(*again, single_in).ok());
  EXPECT_EQ(Walk(*again), Walk(*source));
}

TEST_P(SnapshotTest, ADamagedFileLeavesABulkLoadedStoreEmpty) {
  auto source = Open(GetParam());
  ASSERT_TRUE(source);
  Fill(*source, 3000);
  std::stringstream file;
  ASSERT_TRUE(Save(*source, file).ok());
  std::string bytes = file.str();
  auto target = Open(GetParam());
  std::stringstream truncated(bytes.substr(0, bytes.size() - 20));
  auto cut = Load(*target, truncated, /*rows_per_write=*/100);
  ASSERT_FALSE(cut.ok());
  // RocksDB's loader ingests nothing until the whole file is read; SQLite keeps what its
  // transactions wrote, and says so.
  if (GetParam() == "sqlite") {
    EXPECT_NE(cut.error().message().find("holds the rows before it"), std::string::npos);
  } else {
    EXPECT_NE(cut.error().message().find("nothing was written"), std::string::npos)
        << cut.error().message();
    EXPECT_TRUE(Walk(*target).empty());
    std::stringstream whole(bytes);
    ASSERT_TRUE(Load(*target, whole).ok()) << "the store is still empty, so it loads";
    EXPECT_EQ(Walk(*target), Walk(*source));
  }
}

#ifdef PROFILED_WITH_ROCKSDB
INSTANTIATE_TEST_SUITE_P(Stores, SnapshotTest, ::testing::Values("sqlite", "rocksdb", "memory"));
#else
INSTANTIATE_TEST_SUITE_P(Stores, SnapshotTest, ::testing::Values("sqlite"));
#endif

}  // namespace
}  // namespace profiled::snapshot
