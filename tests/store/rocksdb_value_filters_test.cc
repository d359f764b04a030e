// File: rocksdb_value_filters_test.cc
// The RocksDB writer's filters of index values (store/rocksdb/value_filters.h): never "no rows"
// for a value the database has, whether its rows were there before the filter was made, were
// committed while its scan ran, or after; "maybe" for good once disabled or past the bound; and,
// through the store, that Writes' lookups stay exact.
#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/assert_ok.h"
#include "store/in_memory_db.h"
#include "store/rocksdb/group_writes.h"
#include "store/rocksdb/keys.h"
#include "store/rocksdb/rocksdb_store.h"
#include "store/rocksdb/value_filters.h"
#include "store/rocksdb_serving_store.h"
#include "store/temp_dir.h"

namespace profiled::store::rocks {
namespace {

const Scope kScope{"111111111111", "dom"};
constexpr std::string_view kName = "key/_email";

std::string Value(int i) { return "user" + std::to_string(i) + "@example.com"; }
std::string Prefix(int i, std::string_view name = kName) {
  return keys::IndexValuePrefix(kScope, name, Value(i));
}

TEST(LayeredBloomTest, NeverForgetsAndRarelyInvents) {
  LayeredBloom bloom;
  constexpr uint64_t kAdded = 400000;  // past the first two layers (65,536 + 262,144)
  for (uint64_t i = 0; i < kAdded; ++i) ASSERT_TRUE(bloom.Add(i * 0x9E3779B97F4A7C15ULL, 1 << 30));
  EXPECT_GE(bloom.layers(), 3U);
  for (uint64_t i = 0; i < kAdded; ++i) ASSERT_TRUE(bloom.MayContain(i * 0x9E3779B97F4A7C15ULL));
  int invented = 0;
  constexpr int kAbsent = 100000;
  for (int i = 0; i < kAbsent; ++i) {
    invented += bloom.MayContain(std::hash<std::string>()("absent" + std::to_string(i)));
  }
  EXPECT_LT(invented, kAbsent * 5 / 100) << "false positives summed over the layers";
}

TEST(LayeredBloomTest, RefusesALayerPastTheBound) {
  LayeredBloom bloom;
  EXPECT_FALSE(bloom.Add(42, 1024)) << "the first layer alone is ~80 KiB";
  EXPECT_EQ(bloom.bytes(), 0U);
  EXPECT_FALSE(bloom.MayContain(42));
}

class ValueFiltersTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(OpenInMemory(rocksdb::Options(), "/db", &env_, &db_).ok()); }

  // Commits rows for values [from, to) under `name` as the writer does, telling `filters`.
  void Commit(ValueFilters* filters, int from, int to, std::string_view name = kName,
              bool indexed = false) {
    GroupWrites group(/*deferred=*/true);
    if (indexed) (void)group.Indexed();
    for (int i = from; i < to; ++i)
      ASSERT_OK(group.Put(Prefix(i, name) + "p" + std::to_string(i), ""));
    rocksdb::WriteBatch batch;
    ASSERT_OK(group.SortedInto(&batch));
    ASSERT_TRUE(db_->Write(rocksdb::WriteOptions(), &batch).ok());
    if (filters != nullptr) filters->Committed(group);
  }

  // Asks until the name's scan is in (the first questions answer "maybe" while it runs).
  void AskUntilScanned(ValueFilters& filters, int absent) {
    (void)filters.NoRowsUnder(Prefix(absent));
    filters.WaitForScans();
  }

  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(ValueFiltersTest, RowsThereBeforeTheFilterAreFoundByItsScan) {
  Commit(nullptr, 0, 5000);
  ValueFilters filters(*db_);
  EXPECT_FALSE(filters.NoRowsUnder(Prefix(-1))) << "unknown until the scan is done";
  filters.WaitForScans();
  int certain = 0;
  for (int i = 0; i < 5000; ++i) ASSERT_FALSE(filters.NoRowsUnder(Prefix(i))) << i;
  for (int i = 5000; i < 15000; ++i) certain += filters.NoRowsUnder(Prefix(i));
  EXPECT_GT(certain, 9700) << "absent values are mostly certain";
  EXPECT_EQ(filters.filters(), 1U);
  EXPECT_GT(filters.bytes(), 0U);
}

TEST_F(ValueFiltersTest, RowsCommittedWhileAndAfterTheScanRunsAreIn) {
  Commit(nullptr, 0, 100000);  // a scan that takes a while
  ValueFilters filters(*db_);
  (void)filters.NoRowsUnder(Prefix(-1));  // the scan starts
  Commit(&filters, 100000, 100500);       // most likely while it runs
  filters.WaitForScans();
  Commit(&filters, 100500, 101000);
  Commit(&filters, 101000, 101500, kName, /*indexed=*/true);
  for (int i = 0; i < 101500; ++i) ASSERT_FALSE(filters.NoRowsUnder(Prefix(i))) << i;
  EXPECT_TRUE(filters.NoRowsUnder(Prefix(-2)) || filters.NoRowsUnder(Prefix(-3)));
}

TEST_F(ValueFiltersTest, EachNameHasItsOwnFilter) {
  ValueFilters filters(*db_);
  AskUntilScanned(filters, -1);
  Commit(&filters, 0, 100, "key/_phone");  // a name nobody asked about is not filtered
  (void)filters.NoRowsUnder(Prefix(0, "key/_phone"));
  filters.WaitForScans();
  EXPECT_EQ(filters.filters(), 2U);
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(filters.NoRowsUnder(Prefix(i, "key/_phone"))) << "found by its scan: " << i;
  }
  int certain = 0;
  for (int i = 0; i < 100; ++i) certain += filters.NoRowsUnder(Prefix(i));
  EXPECT_GT(certain, 95) << "the other name's values are not this name's";
}

TEST_F(ValueFiltersTest, DisabledAnswersMaybeForGood) {
  ValueFilters filters(*db_);
  AskUntilScanned(filters, -1);
  ASSERT_TRUE(filters.NoRowsUnder(Prefix(7)));
  filters.Disable();
  EXPECT_FALSE(filters.NoRowsUnder(Prefix(7)));
  Commit(&filters, 0, 10);
  EXPECT_FALSE(filters.NoRowsUnder(Prefix(8)));
  EXPECT_EQ(filters.filters(), 0U);
  EXPECT_EQ(filters.bytes(), 0U);
}

TEST_F(ValueFiltersTest, PastTheBoundANameAnswersMaybe) {
  Commit(nullptr, 0, 10);
  ValueFilters filters(*db_, /*capacity_bytes=*/1024);  // less than one layer
  AskUntilScanned(filters, -1);
  EXPECT_FALSE(filters.NoRowsUnder(Prefix(-1)));
  Commit(&filters, 10, 20);
  EXPECT_FALSE(filters.NoRowsUnder(Prefix(-1)));
  EXPECT_EQ(filters.bytes(), 0U);

  // Room for the scan's layer, not for the writer's.
  ValueFilters tight(*db_, /*capacity_bytes=*/100 * 1024);
  AskUntilScanned(tight, -1);
  EXPECT_TRUE(tight.NoRowsUnder(Prefix(-1)));
  Commit(&tight, 20, 30);
  EXPECT_FALSE(tight.NoRowsUnder(Prefix(-1))) << "the writer's layer did not fit: gave up";
  EXPECT_FALSE(tight.NoRowsUnder(Prefix(25)));
  EXPECT_EQ(tight.bytes(), 0U);
}

TEST_F(ValueFiltersTest, OnlyIndexValuePrefixesAreAnswered) {
  ValueFilters filters(*db_);
  EXPECT_FALSE(filters.NoRowsUnder(keys::DocKey(kScope, "profile", "p1")));
  EXPECT_FALSE(filters.NoRowsUnder(keys::IndexNamePrefix(kScope, kName)));
  EXPECT_FALSE(filters.NoRowsUnder(""));
  EXPECT_EQ(filters.filters(), 0U);
}

// Through the store: every lookup inside a Write is exact, for rows written before the store
// opened (found by a scan) and after.
class ValueFiltersStoreTest : public ::testing::Test {
 protected:
  void Open() {
    store_.reset();
    store_ = OpenServingStore(dir_);
    ASSERT_NE(store_, nullptr);
  }

  void Add(int from, int to) {
    ASSERT_OK(store_->Write([&](Txn& txn) -> Status {
      for (int i = from; i < to; ++i) {
        RETURN_IF_ERROR(txn.IndexAdd(kScope, kName, Value(i), "p" + std::to_string(i)));
      }
      return OkStatus();
    }));
  }

  // Looks up values [from, to) in one Write each; every present one must find its ref, and
  // IndexHas agree.
  void ExpectExact(int from, int to, int present_below) {
    for (int i = from; i < to; ++i) {
      std::vector<std::string> refs;
      bool has = false, other = true;
      ASSERT_OK(store_->Write([&](Txn& txn) -> Status {
        ASSIGN_OR_RETURN(refs, txn.IndexLookup(kScope, kName, Value(i), "", 10));
        ASSIGN_OR_RETURN(has, txn.IndexHas(kScope, kName, Value(i), "p" + std::to_string(i)));
        ASSIGN_OR_RETURN(other, txn.IndexHas(kScope, kName, Value(i), "someone-else"));
        return OkStatus();
      }));
      if (i < present_below) {
        ASSERT_EQ(refs, std::vector<std::string>{"p" + std::to_string(i)}) << i;
        ASSERT_TRUE(has) << i;
      } else {
        ASSERT_TRUE(refs.empty()) << i;
        ASSERT_FALSE(has) << i;
      }
      ASSERT_FALSE(other) << i;
    }
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ValueFiltersStoreTest, LookupsInWritesStayExactAcrossARestart) {
  Open();
  Add(0, 3000);
  ExpectExact(0, 50, 3000);
  Open();  // the filter is made afresh; its scan reads the 3,000 rows
  ExpectExact(0, 3100, 3000);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the scan is surely in
  ExpectExact(2900, 3100, 3000);
  Add(3000, 3050);
  ExpectExact(2990, 3100, 3050);
}

TEST_F(ValueFiltersStoreTest, AWriteSeesTheRowsOfItsOwnGroup) {
  Open();
  ExpectExact(0, 10, 0);  // the name's filter exists, empty
  std::vector<std::string> seen;
  bool has = false;
  ASSERT_OK(store_->Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.IndexAdd(kScope, kName, Value(1), "p1"));
    ASSIGN_OR_RETURN(seen, txn.IndexLookup(kScope, kName, Value(1), "", 10));
    ASSIGN_OR_RETURN(has, txn.IndexHas(kScope, kName, Value(1), "p1"));
    return OkStatus();
  }));
  EXPECT_EQ(seen, std::vector<std::string>{"p1"});
  EXPECT_TRUE(has);
  Status failed = store_->Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.IndexAdd(kScope, kName, Value(2), "p2"));
    return Error::BadRequest("changed my mind");
  });
  EXPECT_FALSE(failed.ok());
  ExpectExact(1, 2, 2);  // committed
  ExpectExact(2, 5, 0);  // rolled back, or never written
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
