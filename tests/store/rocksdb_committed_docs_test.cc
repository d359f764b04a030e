// File: rocksdb_committed_docs_test.cc
// The RocksDB writer's kept documents and index lists (store/rocksdb/committed_docs.h): a commit
// gives a kept document the group's last write and drops the lists under the index values the
// group wrote, the bound evicts the least recently used first; and, through the store, that a
// Write never sees a kept list that its own group, or an earlier commit, changed.
#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/assert_ok.h"
#include "store/rocksdb/committed_docs.h"
#include "store/rocksdb/group_writes.h"
#include "store/rocksdb/keys.h"
#include "store/rocksdb/rocksdb_store.h"
#include "store/rocksdb_serving_store.h"
#include "store/temp_dir.h"

namespace profiled::store::rocks {
namespace {

const Scope kScope{"111111111111", "dom"};
const std::string kDoc = keys::DocKey(kScope, "profile", "p1");
const std::string kEmail = keys::IndexValuePrefix(kScope, "key/_email", "a@example.com");
const std::string kPhone = keys::IndexValuePrefix(kScope, "key/_phone", "+15550100");
using Refs = std::vector<std::string>;

TEST(CommittedDocsTest, ACommitGivesAKeptDocumentTheGroupsLastWrite) {
  CommittedDocs docs({"profile"});
  docs.Remember(kDoc, "v1");
  ASSERT_NE(docs.Find(kDoc), nullptr);
  EXPECT_EQ(*docs.Find(kDoc), "v1");

  GroupWrites group(/*deferred=*/true);
  ASSERT_OK(group.Put(kDoc, "v2"));
  docs.Touched(kDoc);
  ASSERT_OK(group.Put(kDoc, "v3"));
  docs.Touched(kDoc);
  EXPECT_EQ(*docs.Find(kDoc), "v1") << "committed body until the group commits";
  docs.Committed(group);
  EXPECT_EQ(*docs.Find(kDoc), "v3");

  group.Clear();
  ASSERT_OK(group.Delete(kDoc));
  docs.Touched(kDoc);
  docs.Committed(group);
  EXPECT_EQ(docs.Find(kDoc), nullptr) << "deleted: absence is not kept";
}

TEST(CommittedDocsTest, AnAbandonedGroupLeavesTheCommittedBody) {
  CommittedDocs docs({"profile"});
  docs.Remember(kDoc, "v1");
  GroupWrites group(/*deferred=*/true);
  ASSERT_OK(group.Put(kDoc, "v2"));
  docs.Touched(kDoc);
  docs.Abandoned();
  group.Clear();
  docs.Committed(group);
  EXPECT_EQ(*docs.Find(kDoc), "v1");
}

TEST(CommittedDocsTest, KeptListsGoWhenTheGroupWritesUnderTheirValue) {
  CommittedDocs docs({"profile"}, /*keep_refs=*/true);
  docs.RememberRefs(kEmail, {"p1", "p2"});
  docs.RememberRefs(kPhone, {"p3"});
  EXPECT_EQ(docs.FindRefs(kEmail, 10), (Refs{"p1", "p2"}));
  EXPECT_EQ(docs.FindRefs(kEmail, 1), (Refs{"p1"})) << "the first `limit` refs";

  GroupWrites group(/*deferred=*/true);
  ASSERT_OK(group.Put(kEmail + "p0", ""));
  ASSERT_OK(group.Put(kDoc, "v"));
  docs.Committed(group);
  EXPECT_FALSE(docs.FindRefs(kEmail, 10).has_value());
  EXPECT_EQ(docs.FindRefs(kPhone, 10), (Refs{"p3"})) << "a value the group did not write";

  // An indexed group (one that served an iterator) names its writes too.
  docs.RememberRefs(kEmail, {"p1"});
  group.Clear();
  (void)group.Indexed();
  ASSERT_OK(group.Put(kPhone + "p4", ""));
  docs.Committed(group);
  EXPECT_FALSE(docs.FindRefs(kPhone, 10).has_value());
  EXPECT_EQ(docs.FindRefs(kEmail, 10), (Refs{"p1"}));
}

TEST(CommittedDocsTest, ListsStayDroppableAcrossFilterRebuilds) {
  // Enough lists kept and dropped to rebuild the filter of kept values several times, each even
  // one dropped a thousand lists after it was kept: every written value's list goes (kept before
  // a rebuild or after), and the others stay.
  CommittedDocs docs({}, /*keep_refs=*/true, /*capacity_bytes=*/size_t{64} << 20);
  GroupWrites group(/*deferred=*/true);
  auto value = [](int i) { return keys::IndexValuePrefix(kScope, "key/n", std::to_string(i)); };
  constexpr int kLists = 300000, kLag = 1000;
  for (int i = 0; i < kLists; ++i) {
    docs.RememberRefs(value(i), {"p"});
    if (const int old = i - kLag; old >= 0 && old % 2 == 0) {
      group.Clear();
      ASSERT_OK(group.Put(value(old) + "q", ""));
      docs.Committed(group);
      ASSERT_FALSE(docs.FindRefs(value(old), 1).has_value()) << old;
    }
  }
  EXPECT_EQ(docs.kept_count(), static_cast<size_t>(kLists / 2 + kLag / 2));
  for (int i : {1, 99999, kLists - 1, kLists - 2}) {
    EXPECT_TRUE(docs.FindRefs(value(i), 1).has_value()) << i;
  }
}

TEST(CommittedDocsTest, EmptyAndLongListsAreNotKept) {
  CommittedDocs docs({}, /*keep_refs=*/true);
  docs.RememberRefs(kEmail, {});
  EXPECT_FALSE(docs.FindRefs(kEmail, 10).has_value());
  Refs many;
  for (size_t i = 0; i <= CommittedDocs::kMaxKeptRefs; ++i) many.push_back("p" + std::to_string(i));
  docs.RememberRefs(kEmail, many);
  EXPECT_FALSE(docs.FindRefs(kEmail, 100).has_value());
  EXPECT_EQ(docs.kept_count(), 0U);
}

TEST(CommittedDocsTest, TheBoundEvictsTheLeastRecentlyUsed) {
  const std::string body(1000, 'x');
  CommittedDocs docs({"profile"}, /*keep_refs=*/false, /*capacity_bytes=*/5000);
  std::vector<std::string> keys;
  for (int i = 0; i < 4; ++i) {
    keys.push_back(keys::DocKey(kScope, "profile", "p" + std::to_string(i)));
    docs.Remember(keys.back(), body);
  }
  ASSERT_EQ(docs.kept_count(), 4U);
  ASSERT_NE(docs.Find(keys[0]), nullptr);  // now the most recently used
  docs.Remember(keys::DocKey(kScope, "profile", "p4"), body);
  EXPECT_LE(docs.kept_bytes(), 5000U);
  EXPECT_NE(docs.Find(keys[0]), nullptr);
  EXPECT_EQ(docs.Find(keys[1]), nullptr) << "the least recently used went first";
  docs.Clear();
  EXPECT_EQ(docs.kept_count(), 0U);
  EXPECT_EQ(docs.kept_bytes(), 0U);
}

// Through the store: lookups inside Writes, with the writer keeping their lists, see every row
// written before them, in their own group or in an earlier one.
class CommittedRefsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenServingStore(dir_);
    ASSERT_NE(store_, nullptr);
  }

  Refs LookUpInWrite(std::string_view value) {
    Refs refs;
    Status looked = store_->Write([&](Txn& txn) -> Status {
      ASSIGN_OR_RETURN(refs, txn.IndexLookup(kScope, "key/_email", value, "", 10));
      return OkStatus();
    });
    EXPECT_TRUE(looked.ok()) << looked.error().message();
    return refs;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(CommittedRefsStoreTest, AWriteSeesRowsCommittedAfterItsListWasKept) {
  ASSERT_OK(store_->Write(
      [](Txn& txn) { return txn.IndexAdd(kScope, "key/_email", "a@example.com", "p1"); }));
  EXPECT_EQ(LookUpInWrite("a@example.com"), (Refs{"p1"}));
  EXPECT_EQ(LookUpInWrite("a@example.com"), (Refs{"p1"}));  // kept now
  ASSERT_OK(store_->Write(
      [](Txn& txn) { return txn.IndexAdd(kScope, "key/_email", "a@example.com", "p2"); }));
  EXPECT_EQ(LookUpInWrite("a@example.com"), (Refs{"p1", "p2"}));
  ASSERT_OK(store_->Write(
      [](Txn& txn) { return txn.IndexRemove(kScope, "key/_email", "a@example.com", "p1"); }));
  EXPECT_EQ(LookUpInWrite("a@example.com"), (Refs{"p2"}));
}

TEST_F(CommittedRefsStoreTest, AWriteSeesItsOwnRowsOverAKeptList) {
  ASSERT_OK(store_->Write(
      [](Txn& txn) { return txn.IndexAdd(kScope, "key/_email", "a@example.com", "p1"); }));
  EXPECT_EQ(LookUpInWrite("a@example.com"), (Refs{"p1"}));  // kept
  Refs seen;
  ASSERT_OK(store_->Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.IndexRemove(kScope, "key/_email", "a@example.com", "p1"));
    RETURN_IF_ERROR(txn.IndexAdd(kScope, "key/_email", "a@example.com", "p3"));
    ASSIGN_OR_RETURN(seen, txn.IndexLookup(kScope, "key/_email", "a@example.com", "", 10));
    return OkStatus();
  }));
  EXPECT_EQ(seen, (Refs{"p3"}));
  EXPECT_EQ(LookUpInWrite("a@example.com"), (Refs{"p3"}));
}

TEST_F(CommittedRefsStoreTest, ARolledBackWriteLeavesTheKeptListTrue) {
  ASSERT_OK(store_->Write(
      [](Txn& txn) { return txn.IndexAdd(kScope, "key/_email", "a@example.com", "p1"); }));
  EXPECT_EQ(LookUpInWrite("a@example.com"), (Refs{"p1"}));
  Status failed = store_->Write([](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.IndexAdd(kScope, "key/_email", "a@example.com", "p9"));
    return Error::BadRequest("changed my mind");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(LookUpInWrite("a@example.com"), (Refs{"p1"}));
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
