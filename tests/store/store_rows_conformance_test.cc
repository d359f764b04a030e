// Txn::ForEachRow and Store::Stats, on every store (the suite of store_conformance.h).
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "store/store_conformance.h"

namespace profiled::store::conformance {
namespace {

using Walked =
    std::vector<std::tuple<int, std::string, std::string, std::string, std::string, std::string>>;

Result<Walked> Walk(Store& store) {
  Walked rows;
  Status s = store.Read([&](Txn& txn) {
    return txn.ForEachRow([&](const Row& r) {
      rows.emplace_back(r.table == Row::Table::kDocument ? 0 : 1, std::string(r.account),
                        std::string(r.domain), std::string(r.name), std::string(r.key),
                        std::string(r.value));
      return OkStatus();
    });
  });
  if (!s.ok()) return s.error();
  return rows;
}

TEST_P(StoreConformanceTest, ForEachRowWalksDocumentsThenIndexRowsInKeyOrder) {
  const std::string odd("a\0b\xff", 4);
  ASSERT_TRUE(store()
                  .Write([&](Txn& txn) -> Status {
                    RETURN_IF_ERROR(txn.Put({"222", "d1"}, "profile", "p2", "two"));
                    RETURN_IF_ERROR(txn.Put({"111", ""}, "domain", "d1", "{}"));
                    RETURN_IF_ERROR(txn.Put({"111", "d1"}, "profile", odd, odd));
                    RETURN_IF_ERROR(txn.Put({"111", "d1"}, "profile", "p1", ""));
                    RETURN_IF_ERROR(txn.IndexAdd({"111", "d1"}, "key/_email", odd, "p1"));
                    return txn.IndexAdd({"111", "d1"}, "key/_email", "a@x", odd);
                  })
                  .ok());
  auto rows = Walk(store());
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  Walked expected = {
      {0, "111", "", "domain", "d1", "{}"},      {0, "111", "d1", "profile", odd, odd},
      {0, "111", "d1", "profile", "p1", ""},     {0, "222", "d1", "profile", "p2", "two"},
      {1, "111", "d1", "key/_email", odd, "p1"}, {1, "111", "d1", "key/_email", "a@x", odd},
  };
  // Bytewise: "a\0b\xff" < "a@x" and < "p1".
  EXPECT_EQ(*rows, expected);
}

TEST_P(StoreConformanceTest, ForEachRowPagesThroughManyRowsOnce) {
  constexpr int kRows = 12000;  // more than one page of the PostgreSQL store's walk
  ASSERT_TRUE(store()
                  .Write([&](Txn& txn) -> Status {
                    for (int i = 0; i < kRows; ++i) {
                      RETURN_IF_ERROR(txn.IndexAdd({"111", "d1"}, "n", "v", std::to_string(i)));
                    }
                    return OkStatus();
                  })
                  .ok());
  auto rows = Walk(store());
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  ASSERT_EQ(rows->size(), static_cast<size_t>(kRows));
  for (size_t i = 1; i < rows->size(); ++i) {
    EXPECT_LT(std::get<5>((*rows)[i - 1]), std::get<5>((*rows)[i]));
  }
}

TEST_P(StoreConformanceTest, ForEachRowStopsAtTheFirstErrorAndOnlyReads) {
  ASSERT_TRUE(store()
                  .Write([](Txn& txn) -> Status {
                    RETURN_IF_ERROR(txn.Put({"1", "d"}, "k", "a", "x"));
                    return txn.Put({"1", "d"}, "k", "b", "y");
                  })
                  .ok());
  int calls = 0;
  Status s = store().Read([&](Txn& txn) {
    return txn.ForEachRow([&](const Row&) -> Status {
      ++calls;
      return Error::BadRequest("stop here");
    });
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "stop here");
  EXPECT_EQ(calls, 1);
  Status in_write =
      store().Write([](Txn& txn) { return txn.ForEachRow([](const Row&) { return OkStatus(); }); });
  EXPECT_FALSE(in_write.ok());
}

TEST_P(StoreConformanceTest, StatsCountTransactionsAndCommits) {
  StoreStats before = store().Stats();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store()
                    .Write([&](Txn& txn) {
                      return txn.Put({"1", "d"}, "k", std::to_string(i), "");
                    })
                    .ok());
  }
  ASSERT_TRUE(store()
                  .Read([](Txn& txn) -> Status {
                    RETURN_IF_ERROR(txn.Get({"1", "d"}, "k", "0"));
                    return OkStatus();
                  })
                  .ok());
  StoreStats after = store().Stats();
  EXPECT_EQ(after.write_transactions - before.write_transactions, 3);
  EXPECT_GE(after.read_transactions - before.read_transactions, 1);
  // One at a time: each Write was committed alone (batches of one).
  EXPECT_EQ(after.commits - before.commits, 3);
  EXPECT_EQ(after.batch_counts[0] - before.batch_counts[0], 3);
  EXPECT_EQ(after.batched_transactions - before.batched_transactions, 3);
}

}  // namespace
}  // namespace profiled::store::conformance
