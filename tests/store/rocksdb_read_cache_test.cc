// File: rocksdb_read_cache_test.cc
// The RocksDB store's read cache (store/rocksdb/read_cache.h): when a kept row may be served and
// when a commit takes it away, and, through the store, that no reader ever gets a row older than
// the last write acknowledged before its read began, while writers change it as fast as they can.
#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/assert_ok.h"
#include "store/rocksdb/keys.h"
#include "store/rocksdb/read_cache.h"
#include "store/rocksdb/rocksdb_store.h"
#include "store/row_loader.h"
#include "store/temp_dir.h"

namespace profiled::store::rocks {
namespace {

const Scope kScope{"111111111111", "dom"};
const std::string kDoc = keys::DocKey(kScope, "profile", "p1");
const std::string kOtherDoc = keys::DocKey(kScope, "profile", "p2");
const std::string kValue = keys::IndexValuePrefix(kScope, "_email", "a@example.com");

std::optional<std::string> Body(const std::optional<std::optional<std::string>>& found) {
  EXPECT_TRUE(found.has_value());
  return found.value_or(std::nullopt);
}

// A commit of `batch` as the store makes one: stamped in flight, written, stamped `sequence`.
void Commit(ReadCache& cache, const rocksdb::WriteBatch& batch, uint64_t sequence) {
  cache.BeginCommit(batch);
  cache.EndCommit(/*written=*/true, sequence);
}

TEST(ReadCacheTest, KeptDocumentServedToEverySnapshotUntilItIsWritten) {
  ReadCache cache(1 << 20);
  EXPECT_FALSE(cache.FindDocument(kDoc, 10).has_value());
  const std::string body = "v1";
  cache.KeepDocument(kDoc, 10, &body);
  EXPECT_EQ(Body(cache.FindDocument(kDoc, 10)), "v1");
  EXPECT_EQ(Body(cache.FindDocument(kDoc, 12)), "v1");
  EXPECT_EQ(Body(cache.FindDocument(kDoc, 3)), "v1");  // no write since the start either
  EXPECT_EQ(cache.hits(), 3);
  EXPECT_EQ(cache.misses(), 1);

  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(kDoc, "v2").ok());
  cache.BeginCommit(batch);
  EXPECT_FALSE(cache.FindDocument(kDoc, 12).has_value()) << "in flight: not served";
  cache.EndCommit(true, 20);
  EXPECT_FALSE(cache.FindDocument(kDoc, 25).has_value()) << "read before the write at 20";
  EXPECT_FALSE(cache.FindDocument(kDoc, 15).has_value());
  const std::string newer = "v2";
  cache.KeepDocument(kDoc, 25, &newer);
  EXPECT_EQ(Body(cache.FindDocument(kDoc, 30)), "v2");
  EXPECT_EQ(Body(cache.FindDocument(kDoc, 20)), "v2");
  EXPECT_FALSE(cache.FindDocument(kDoc, 19).has_value()) << "a snapshot before the write";
}

TEST(ReadCacheTest, AbsenceIsKeptAndAWriteEndsIt) {
  ReadCache cache(1 << 20);
  cache.KeepDocument(kDoc, 5, nullptr);
  auto found = cache.FindDocument(kDoc, 7);
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(kDoc, "now").ok());
  Commit(cache, batch, 8);
  EXPECT_FALSE(cache.FindDocument(kDoc, 9).has_value());
}

TEST(ReadCacheTest, AWriteOfAnotherRowLeavesTheKeptOne) {
  ReadCache cache(1 << 20);
  const std::string body = "v1";
  cache.KeepDocument(kDoc, 10, &body);
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(kOtherDoc, "x").ok());
  Commit(cache, batch, 11);
  EXPECT_EQ(Body(cache.FindDocument(kDoc, 11)), "v1");
}

TEST(ReadCacheTest, ARowReadBeforeAKeptCommitIsNotKept) {
  ReadCache cache(1 << 20);
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(kDoc, "v2").ok());
  Commit(cache, batch, 20);
  const std::string old = "v1";
  cache.KeepDocument(kDoc, 15, &old);  // a reader on an older snapshot, done after the commit
  EXPECT_FALSE(cache.FindDocument(kDoc, 15).has_value());
  EXPECT_FALSE(cache.FindDocument(kDoc, 30).has_value());
}

TEST(ReadCacheTest, RefsOfAValueEndWithAnyWriteUnderIt) {
  ReadCache cache(1 << 20);
  cache.KeepRefs(kValue, 10, {"p1", "p2", "p3"});
  EXPECT_EQ(cache.FindRefs(kValue, 10, 100), (std::vector<std::string>{"p1", "p2", "p3"}));
  EXPECT_EQ(cache.FindRefs(kValue, 10, 2), (std::vector<std::string>{"p1", "p2"}));

  rocksdb::WriteBatch other;  // a row under another value
  ASSERT_TRUE(other.Put(keys::IndexKey(kScope, "_email", "b@example.com", "p9"), "").ok());
  Commit(cache, other, 11);
  EXPECT_TRUE(cache.FindRefs(kValue, 11, 100).has_value());

  rocksdb::WriteBatch removal;
  ASSERT_TRUE(removal.Delete(keys::IndexKey(kScope, "_email", "a@example.com", "p2")).ok());
  Commit(cache, removal, 12);
  EXPECT_FALSE(cache.FindRefs(kValue, 12, 100).has_value());
}

TEST(ReadCacheTest, LongRefListsAreNotKept) {
  ReadCache cache(1 << 20);
  std::vector<std::string> refs;
  for (size_t i = 0; i <= ReadCache::kMaxKeptRefs; ++i) refs.push_back("p" + std::to_string(i));
  cache.KeepRefs(kValue, 10, refs);
  EXPECT_FALSE(cache.FindRefs(kValue, 10, 100).has_value());
  refs.pop_back();
  cache.KeepRefs(kValue, 10, refs);
  EXPECT_EQ(cache.FindRefs(kValue, 10, 100), refs);
}

TEST(ReadCacheTest, ARangeDeletionEndsEveryKeptRow) {
  ReadCache cache(1 << 20);
  const std::string body = "v1";
  cache.KeepDocument(kDoc, 10, &body);
  cache.KeepRefs(kValue, 10, {"p1"});
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.DeleteRange("a", "b").ok());  // names no row: every row may be gone
  Commit(cache, batch, 11);
  EXPECT_FALSE(cache.FindDocument(kDoc, 11).has_value());
  EXPECT_FALSE(cache.FindRefs(kValue, 11, 10).has_value());
  cache.KeepDocument(kDoc, 12, &body);
  EXPECT_TRUE(cache.FindDocument(kDoc, 12).has_value()) << "rows read after it are kept again";
}

TEST(ReadCacheTest, AFailedCommitOrDisableTurnsItOff) {
  for (bool disable : {false, true}) {
    ReadCache cache(1 << 20);
    const std::string body = "v1";
    if (disable) {
      cache.Disable();
    } else {
      rocksdb::WriteBatch batch;
      ASSERT_TRUE(batch.Put(kOtherDoc, "x").ok());
      cache.BeginCommit(batch);
      cache.EndCommit(/*written=*/false, 11);
    }
    cache.KeepDocument(kDoc, 12, &body);
    EXPECT_FALSE(cache.FindDocument(kDoc, 12).has_value());
  }
}

// ---- Through the store -------------------------------------------------------------------------

struct OpenStore {
  explicit OpenStore(size_t read_cache_mib) {
    RocksdbOptions options;
    options.path = (dir.path() / "db").string();
    options.read_cache_mib = read_cache_mib;
    auto opened = OpenRocksdbStore(options);
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    if (opened.ok()) store = std::move(opened).value();
  }
  TempDir dir;
  std::unique_ptr<Store> store;
};

Result<std::optional<std::string>> ReadDoc(Store& store, std::string_view id) {
  std::optional<std::string> body;
  RETURN_IF_ERROR(store.Read([&](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(body, txn.Get(kScope, "profile", id));
    return OkStatus();
  }));
  return body;
}

TEST(ReadCacheStoreTest, RepeatedReadsAreServedFromTheCacheAndWritesAreSeen) {
  OpenStore open(32);
  Store& store = *open.store;
  ASSERT_OK(store.Write([](Txn& txn) { return txn.Put(kScope, "profile", "p1", "v1"); }));
  for (int i = 0; i < 5; ++i) {
    auto body = ReadDoc(store, "p1");
    ASSERT_OK(body);
    EXPECT_EQ(*body, "v1");
  }
  EXPECT_GE(store.Stats().read_cache_hits, 4);
  ASSERT_OK(store.Write([](Txn& txn) { return txn.Put(kScope, "profile", "p1", "v2"); }));
  auto body = ReadDoc(store, "p1");
  ASSERT_OK(body);
  EXPECT_EQ(*body, "v2");
  ASSERT_OK(store.Write([](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(bool deleted, txn.Delete(kScope, "profile", "p1"));
    return deleted ? OkStatus() : Error::Internal("not there");
  }));
  body = ReadDoc(store, "p1");
  ASSERT_OK(body);
  EXPECT_FALSE(body->has_value());
}

TEST(ReadCacheStoreTest, NoCacheReportsNone) {
  OpenStore open(0);
  ASSERT_OK(ReadDoc(*open.store, "p1"));
  EXPECT_EQ(open.store->Stats().read_cache_hits, -1);
  EXPECT_EQ(open.store->Stats().read_cache_misses, -1);
}

TEST(ReadCacheStoreTest, ARowLoaderTurnsTheCacheOff) {
  OpenStore open(32);
  Store& store = *open.store;
  ASSERT_OK(ReadDoc(store, "p1"));
  ASSERT_OK(ReadDoc(store, "p1"));
  const int64_t hits = store.Stats().read_cache_hits;
  EXPECT_GE(hits, 1);
  std::unique_ptr<RowLoader> loader = NewRowLoader(store);
  ASSERT_NE(loader, nullptr);
  Row row;
  row.account = kScope.account;
  row.domain = kScope.domain;
  row.name = "profile";
  row.key = "p1";
  row.value = "loaded";
  ASSERT_OK(loader->Add(row));
  ASSERT_OK(loader->Finish());
  auto body = ReadDoc(store, "p1");
  ASSERT_OK(body);
  EXPECT_EQ(*body, "loaded");
  EXPECT_EQ(store.Stats().read_cache_hits, hits);
}

// Writers change one document and move one ref between versions as fast as they can; readers
// note the last version acknowledged before each read and must never get an older one. Without
// the commit's stamps (read_cache.h) the cache would serve them rows from before the write.
TEST(ReadCacheStoreTest, NoReaderGetsARowOlderThanAnAcknowledgedWrite) {
  OpenStore open(32);
  Store& store = *open.store;
  constexpr int kWrites = 2000;
  std::atomic<int> acknowledged{0};
  std::atomic<bool> done{false};
  std::atomic<int> stale{0};
  std::atomic<int64_t> reads{0};
  ASSERT_OK(store.Write([](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.Put(kScope, "profile", "p1", "0"));
    return txn.IndexAdd(kScope, "_email", "a@example.com", "0");
  }));

  auto read_loop = [&] {
    while (!done.load()) {
      const int floor = acknowledged.load();
      int doc = -1, ref = -1;
      Status status = store.Read([&](Txn& txn) -> Status {
        ASSIGN_OR_RETURN(auto body, txn.Get(kScope, "profile", "p1"));
        ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(kScope, "_email", "a@example.com", "", 10));
        if (!body || refs.size() != 1) return Error::Internal("missing row");
        doc = std::stoi(*body);
        ref = std::stoi(refs.front());
        return OkStatus();
      });
      if (!status.ok() || doc < floor || ref < floor) stale.fetch_add(1);
      reads.fetch_add(1);
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(read_loop);
  for (int v = 1; v <= kWrites; ++v) {
    Status status = store.Write([v](Txn& txn) -> Status {
      RETURN_IF_ERROR(txn.Put(kScope, "profile", "p1", std::to_string(v)));
      RETURN_IF_ERROR(txn.IndexRemove(kScope, "_email", "a@example.com", std::to_string(v - 1)));
      return txn.IndexAdd(kScope, "_email", "a@example.com", std::to_string(v));
    });
    ASSERT_TRUE(status.ok()) << status.error().message();
    acknowledged.store(v);
  }
  done.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(stale.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GT(reads.load(), 0);
  // Quiet now: the rows are kept and served.
  ASSERT_OK(ReadDoc(store, "p1"));
  const int64_t hits = store.Stats().read_cache_hits;
  auto body = ReadDoc(store, "p1");
  ASSERT_OK(body);
  EXPECT_EQ(*body, std::to_string(kWrites));
  EXPECT_EQ(store.Stats().read_cache_hits, hits + 1);
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
