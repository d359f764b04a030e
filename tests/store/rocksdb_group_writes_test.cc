// File: rocksdb_group_writes_test.cc
// GroupWrites (src/store/rocksdb/group_writes.h) in both of its forms: what a transaction reads
// back, what a rolled-back transaction leaves, and what the commit writes, including a group
// that turns from deferred to indexed in the middle of a transaction.
#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/assert_ok.h"
#include "store/in_memory_db.h"
#include "store/rocksdb/group_writes.h"
#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {
namespace {

// An in-memory database holding "base" = "stored" and "gone" = "stored".
class GroupWritesTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(OpenInMemory(rocksdb::Options(), "/group-writes", &env_, &db_).ok());
    ASSERT_TRUE(db_->Put({}, "base", "stored").ok());
    ASSERT_TRUE(db_->Put({}, "gone", "stored").ok());
  }

  std::string Read(GroupWrites& writes, const std::string& key) {
    auto got = writes.Get(*db_, {}, key);
    if (!got.ok()) return "error: " + got.error().message();
    return got->value_or("<absent>");
  }

  // The commit batch as (key, value or "<deleted>") in its order.
  std::vector<std::pair<std::string, std::string>> Committed(GroupWrites& writes) {
    rocksdb::WriteBatch batch;
    EXPECT_TRUE(writes.SortedInto(&batch).ok());
    struct Collect : rocksdb::WriteBatch::Handler {
      std::vector<std::pair<std::string, std::string>> out;
      void Put(const rocksdb::Slice& k, const rocksdb::Slice& v) override {
        out.emplace_back(k.ToString(), v.ToString());
      }
      void Delete(const rocksdb::Slice& k) override { out.emplace_back(k.ToString(), "<deleted>"); }
    } collect;
    EXPECT_TRUE(batch.Iterate(&collect).ok());
    return collect.out;
  }

  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
};

using Rows = std::vector<std::pair<std::string, std::string>>;

// SortedWrites (a bulk load cuts it into runs written by several threads) holds exactly the
// commit batch: key order, the last write of each key, deletions as such; before and after the
// group turns indexed.
TEST_P(GroupWritesTest, SortedWritesAreTheCommitBatch) {
  GroupWrites writes(/*deferred=*/GetParam());
  auto as_rows = [](const std::vector<GroupWrites::SortedWrite>& sorted) {
    Rows rows;
    for (const auto& w : sorted) {
      rows.emplace_back(std::string(w.key), w.deleted ? "<deleted>" : std::string(w.value));
    }
    return rows;
  };
  ASSERT_OK(writes.Put("b", "1"));
  ASSERT_OK(writes.Put("a", "1"));
  ASSERT_OK(writes.Put("b", "2"));
  ASSERT_OK(writes.Delete("gone"));
  auto sorted = writes.SortedWrites();
  ASSERT_OK(sorted);
  EXPECT_EQ(as_rows(*sorted), (Rows{{"a", "1"}, {"b", "2"}, {"gone", "<deleted>"}}));
  EXPECT_EQ(as_rows(*sorted), Committed(writes));

  (void)writes.Indexed();
  ASSERT_OK(writes.Put("a", "3"));
  ASSERT_OK(writes.Put("c", std::string("\0\xff", 2)));
  sorted = writes.SortedWrites();
  ASSERT_OK(sorted);
  EXPECT_EQ(as_rows(*sorted),
            (Rows{{"a", "3"}, {"b", "2"}, {"c", std::string("\0\xff", 2)}, {"gone", "<deleted>"}}));
  EXPECT_EQ(as_rows(*sorted), Committed(writes));
}

TEST_P(GroupWritesTest, ReadsItsOwnWritesOverTheDatabase) {
  GroupWrites writes(/*deferred=*/GetParam());
  EXPECT_TRUE(writes.Empty());
  ASSERT_OK(writes.Put("k", "1"));
  ASSERT_OK(writes.Put("k", "2"));
  ASSERT_OK(writes.Delete("gone"));
  EXPECT_FALSE(writes.Empty());
  EXPECT_EQ(Read(writes, "k"), "2");
  EXPECT_EQ(Read(writes, "gone"), "<absent>");
  EXPECT_EQ(Read(writes, "base"), "stored");
  EXPECT_EQ(Read(writes, "never"), "<absent>");
  // In key order, the last write of each key only.
  EXPECT_EQ(Committed(writes), (Rows{{"gone", "<deleted>"}, {"k", "2"}}));
}

TEST_P(GroupWritesTest, RollbackDropsOnlyTheLastTransaction) {
  GroupWrites writes(GetParam());
  ASSERT_OK(writes.SetSavePoint());
  ASSERT_OK(writes.Put("a", "kept"));
  ASSERT_OK(writes.PopSavePoint());
  ASSERT_OK(writes.SetSavePoint());
  ASSERT_OK(writes.Put("a", "dropped"));
  ASSERT_OK(writes.Put("b", "dropped"));
  ASSERT_OK(writes.RollbackToSavePoint());
  EXPECT_EQ(Read(writes, "a"), "kept");
  EXPECT_EQ(Read(writes, "b"), "<absent>");
  EXPECT_EQ(Committed(writes), (Rows{{"a", "kept"}}));
}

TEST_P(GroupWritesTest, IndexingInsideATransactionKeepsItsSavePoint) {
  GroupWrites writes(GetParam());
  ASSERT_OK(writes.Put("a", "before"));
  ASSERT_OK(writes.SetSavePoint());
  ASSERT_OK(writes.Put("a", "inside"));
  ASSERT_OK(writes.Put("c", "inside"));
  // An iterator in the middle of the transaction sees the group's writes and the database's.
  std::unique_ptr<rocksdb::Iterator> it(
      writes.Indexed().NewIteratorWithBase(db_->DefaultColumnFamily(), db_->NewIterator({})));
  std::vector<std::string> seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    seen.push_back(it->key().ToString() + "=" + it->value().ToString());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a=inside", "base=stored", "c=inside", "gone=stored"}));
  it.reset();
  ASSERT_OK(writes.Put("d", "after indexing"));
  ASSERT_OK(writes.RollbackToSavePoint());
  EXPECT_EQ(Read(writes, "a"), "before");
  EXPECT_EQ(Read(writes, "c"), "<absent>");
  EXPECT_EQ(Read(writes, "d"), "<absent>");
  EXPECT_EQ(Committed(writes), (Rows{{"a", "before"}}));
}

TEST_P(GroupWritesTest, ClearStartsAnEmptyGroupInItsOwnForm) {
  GroupWrites writes(GetParam());
  ASSERT_OK(writes.Put("a", "1"));
  (void)writes.Indexed();
  writes.Clear();
  EXPECT_TRUE(writes.Empty());
  EXPECT_EQ(Read(writes, "a"), "<absent>");
  ASSERT_OK(writes.SetSavePoint());
  ASSERT_OK(writes.Put("z", "2"));
  ASSERT_OK(writes.Put("y", "3"));
  ASSERT_OK(writes.PopSavePoint());
  EXPECT_EQ(Committed(writes), (Rows{{"y", "3"}, {"z", "2"}}));
}

// A group far larger than the tables keep (a domain's deletion), then small ones: each reads and
// commits exactly its own writes.
TEST_P(GroupWritesTest, AHugeGroupThenSmallOnes) {
  GroupWrites writes(GetParam());
  for (int i = 0; i < 300000; ++i) ASSERT_OK(writes.Put("key" + std::to_string(i), "v"));
  EXPECT_EQ(Read(writes, "key299999"), "v");
  EXPECT_EQ(Committed(writes).size(), 300000u);
  writes.Clear();
  for (int round = 0; round < 3; ++round) {
    ASSERT_OK(writes.Put("small", std::to_string(round)));
    EXPECT_EQ(Read(writes, "key1"), "<absent>");
    EXPECT_EQ(Committed(writes), (Rows{{"small", std::to_string(round)}}));
    writes.Clear();
  }
}

// ForEachIndexRow of a deferred group against an iterator over the indexed form of the same
// writes: the same rows, in the same order, through rollbacks, deletes, overwrites and bounds.
TEST_P(GroupWritesTest, IndexRowsUnderAValuePrefixMatchAnIteratorOverTheIndexedForm) {
  const Scope scope{"acct", "dom"};
  auto key = [&](std::string_view name, std::string_view value, std::string_view ref) {
    return keys::IndexKey(scope, name, value, ref);
  };
  // Stored: refs 1, 3, 5 under (n, v); 2 under (n, v2); one under (n, v\0) (a zero byte).
  for (const std::string& k : {key("n", "v", "1"), key("n", "v", "3"), key("n", "v", "5"),
                               key("n", "v2", "2"), key("n", std::string("v\0", 2), "9")}) {
    ASSERT_TRUE(db_->Put({}, k, "").ok());
  }
  GroupWrites writes(GetParam());
  ASSERT_OK(writes.Put(key("n", "v", "4"), ""));
  ASSERT_OK(writes.Delete(key("n", "v", "3")));
  ASSERT_OK(writes.Put(key("n", "v", "0"), ""));
  ASSERT_OK(writes.Delete(key("n", "v", "7")));  // deletes what is not there
  ASSERT_OK(writes.SetSavePoint());
  ASSERT_OK(writes.Put(key("n", "v", "6"), ""));
  ASSERT_OK(writes.Delete(key("n", "v", "0")));
  ASSERT_OK(writes.Put("unrelated", "x"));
  ASSERT_OK(writes.RollbackToSavePoint());  // 6 and the delete of 0 gone
  ASSERT_OK(writes.Put(key("n", "v", "8"), ""));

  auto via_rows = [&](std::string_view name, std::string_view value, std::string_view after,
                      size_t limit) {
    const std::string prefix = keys::IndexValuePrefix(scope, name, value);
    std::vector<std::string> refs;
    auto done = writes.ForEachIndexRow(*db_, {}, prefix, prefix + keys::LowerBound("", after),
                                       [&](std::string_view k, std::string_view) {
                                         refs.emplace_back(k.substr(prefix.size()));
                                         return refs.size() < limit;
                                       });
    EXPECT_TRUE(done.ok());
    return std::make_pair(done.ok() && *done, refs);
  };
  const std::vector<std::string> all{"0", "1", "4", "5", "8"};
  auto [answered, refs] = via_rows("n", "v", "", 100);
  EXPECT_EQ(answered, GetParam()) << "a deferred group answers; an indexed one says iterate";
  if (GetParam()) {
    EXPECT_EQ(refs, all);
    EXPECT_EQ(via_rows("n", "v", "1", 100).second, (std::vector<std::string>{"4", "5", "8"}));
    EXPECT_EQ(via_rows("n", "v", "", 2).second, (std::vector<std::string>{"0", "1"}));
    EXPECT_EQ(via_rows("n", "v2", "", 100).second, (std::vector<std::string>{"2"}));
    EXPECT_EQ(via_rows("n", "w", "", 100).second, (std::vector<std::string>{}));
    // Written after the chains exist: kept up.
    ASSERT_OK(writes.Put(key("n", "w", "a"), ""));
    ASSERT_OK(writes.Delete(key("n", "v", "5")));
    EXPECT_EQ(via_rows("n", "w", "", 100).second, (std::vector<std::string>{"a"}));
    EXPECT_EQ(via_rows("n", "v", "", 100).second, (std::vector<std::string>{"0", "1", "4", "8"}));
    ASSERT_OK(writes.Put(key("n", "v", "5"), ""));  // back, after its delete
  }
  // The indexed form agrees (for a deferred group, after turning indexed).
  const std::string prefix = keys::IndexValuePrefix(scope, "n", "v");
  std::unique_ptr<rocksdb::Iterator> it(
      writes.Indexed().NewIteratorWithBase(db_->DefaultColumnFamily(), db_->NewIterator({})));
  std::vector<std::string> seen;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    seen.push_back(it->key().ToString().substr(prefix.size()));
  }
  EXPECT_EQ(seen, all);
}

INSTANTIATE_TEST_SUITE_P(Forms, GroupWritesTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "deferred" : "indexed";
                         });

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
