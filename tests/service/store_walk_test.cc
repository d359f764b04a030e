// The batched walks of service/store_walk.h on a real store, with batches small enough that every
// walk crosses batch boundaries (and ends exactly on one).
#include "service/store_walk.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "service/service_fixture.h"

namespace profiled::service {
namespace {

class StoreWalkTest : public fixture::ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    ASSERT_TRUE(store_
                    ->Write([&](store::Txn& txn) -> Status {
                      for (std::string id : {"a1", "a2", "a3", "a4", "b1"}) {
                        RETURN_IF_ERROR(txn.Put(scope(), "k", id, "{}"));
                        RETURN_IF_ERROR(txn.IndexAdd(scope(), "ix", "v", id));
                      }
                      return txn.IndexAdd(scope(), "ix", "other", "zz");
                    })
                    .ok());
  }
  store::Scope scope() const { return {"123456789012", "d"}; }

  // Runs `fn` in a Write transaction and expects it to succeed.
  void InWrite(const store::TxnFn& fn) {
    Status s = store_->Write(fn);
    EXPECT_TRUE(s.ok()) << s.error().message();
  }
};

TEST_F(StoreWalkTest, IndexRefsInOrderAcrossBatches) {
  for (size_t batch : {1u, 2u, 5u, 500u}) {
    std::vector<std::string> seen;
    InWrite([&](store::Txn& txn) -> Status {
      return ForEachIndexRef(
          txn, scope(), "ix", "v", "",
          [&](const std::string& ref) -> Status {
            seen.push_back(ref);
            return OkStatus();
          },
          batch);
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"a1", "a2", "a3", "a4", "b1"})) << batch;
  }
}

TEST_F(StoreWalkTest, IndexRefsStartAfterTheCursorAndStopWhenAsked) {
  std::vector<std::string> seen;
  InWrite([&](store::Txn& txn) -> Status {
    return ForEachIndexRef(
        txn, scope(), "ix", "v", "a1",
        [&](const std::string& ref) -> Result<WalkStep> {
          seen.push_back(ref);
          return seen.size() == 2 ? WalkStep::kStop : WalkStep::kNext;
        },
        2);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a2", "a3"}));
}

TEST_F(StoreWalkTest, AVisitorErrorEndsTheWalkAndIsReturned) {
  int visits = 0;
  Status s = store_->Read([&](store::Txn& txn) -> Status {
    return ForEachIndexRef(
        txn, scope(), "ix", "v", "",
        [&](const std::string&) -> Status {
          ++visits;
          return Error::BadRequest("stop here");
        },
        2);
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "stop here");
  EXPECT_EQ(visits, 1);
}

TEST_F(StoreWalkTest, IndexValuesDistinctInOrderAcrossBatches) {
  InWrite([&](store::Txn& txn) -> Status {
    // Two refs under "b": a value is visited once, whatever rows it has.
    for (std::string value : {"c", "a", "b", "e", "d"}) {
      RETURN_IF_ERROR(txn.IndexAdd(scope(), "vals", value, "p1"));
    }
    return txn.IndexAdd(scope(), "vals", "b", "p2");
  });
  for (size_t batch : {1u, 2u, 5u, 500u}) {
    std::vector<std::string> seen;
    InWrite([&](store::Txn& txn) -> Status {
      return ForEachIndexValue(
          txn, scope(), "vals", "",
          [&](const std::string& value) -> Status {
            seen.push_back(value);
            return OkStatus();
          },
          batch);
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"})) << batch;
  }
  std::vector<std::string> after;
  InWrite([&](store::Txn& txn) -> Status {
    return ForEachIndexValue(
        txn, scope(), "vals", "b",
        [&](const std::string& value) -> Result<WalkStep> {
          after.push_back(value);
          return after.size() == 2 ? WalkStep::kStop : WalkStep::kNext;
        },
        1);
  });
  EXPECT_EQ(after, (std::vector<std::string>{"c", "d"}));
}

TEST_F(StoreWalkTest, DocumentsByPrefixAcrossBatches) {
  for (size_t batch : {1u, 2u, 4u, 500u}) {
    std::vector<std::string> seen;
    InWrite([&](store::Txn& txn) -> Status {
      return ForEachDocument(
          txn, scope(), "k", "a", "",
          [&](const store::Document& doc) -> Status {
            seen.push_back(doc.id);
            return OkStatus();
          },
          batch);
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"a1", "a2", "a3", "a4"})) << batch;
  }
  std::vector<std::string> after;
  InWrite([&](store::Txn& txn) -> Status {
    return ForEachDocument(txn, scope(), "k", "", "a3", [&](const store::Document& doc) -> Status {
      after.push_back(doc.id);
      return OkStatus();
    });
  });
  EXPECT_EQ(after, (std::vector<std::string>{"a4", "b1"}));
}

TEST_F(StoreWalkTest, DrainVisitsEveryRowItRemoves) {
  std::vector<std::string> seen;
  InWrite([&](store::Txn& txn) -> Status {
    return DrainIndexRefs(
        txn, scope(), "ix", "v",
        [&](const std::string& ref) -> Status {
          seen.push_back(ref);
          return txn.IndexRemove(scope(), "ix", "v", ref);
        },
        2);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a1", "a2", "a3", "a4", "b1"}));
  InWrite([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto left, txn.IndexLookup(scope(), "ix", "v", "", 10));
    EXPECT_TRUE(left.empty());
    ASSIGN_OR_RETURN(auto other, txn.IndexLookup(scope(), "ix", "other", "", 10));
    EXPECT_EQ(other.size(), 1u);
    return OkStatus();
  });
}

}  // namespace
}  // namespace profiled::service
