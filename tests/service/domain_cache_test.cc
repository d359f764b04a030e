// service/domain_cache.h: reads that take a domain's document from memory see every committed
// change of it (UpdateDomain, DeleteDomain, CreateDomain drop what was kept), and the cache keeps
// a document until it is told to drop it (so the first two tests would fail without the drops).
#include "service/domain_cache.h"

#include <boost/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "service/common.h"
#include "service/movable_clock.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::ServiceTest;

constexpr int64_t kDayMs = int64_t{24} * 3600 * 1000;

class DomainCacheTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore(clock_));
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 10})");
  }
  // The profiles BatchGetProfile returns.
  size_t BatchGot(const std::string& id) {
    auto r = Call("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + id + R"("]})");
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? r->at("Profiles").as_array().size() : 0;
  }
  fixture::ManualClock clock_;
};

// The profile is 5 days old: inside the domain's 10 days, past the 3 days UpdateDomain sets.
TEST_F(DomainCacheTest, ReadsApplyTheSettingsOfTheLastUpdateDomain) {
  std::string p = Create(R"("EmailAddress": "a@x.com")");
  clock_.Advance(5 * kDayMs);
  EXPECT_EQ(Search("_email", "a@x.com"), std::set<std::string>{p});
  EXPECT_EQ(BatchGot(p), 1u);
  Ok("UpdateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 3})");
  EXPECT_TRUE(Search("_email", "a@x.com").empty());
  EXPECT_EQ(BatchGot(p), 0u);
}

TEST_F(DomainCacheTest, ASearchAfterDeleteDomainFindsNoDomainAndOneAfterCreateDomainFindsIt) {
  Create(R"("EmailAddress": "b@x.com")");
  EXPECT_EQ(Search("_email", "b@x.com").size(), 1u);
  Ok("DeleteDomain", R"({"DomainName": "d"})");
  auto gone = Call("SearchProfiles", R"({"DomainName": "d", "KeyName": "_email",
                                        "Values": ["b@x.com"]})");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 1})");
  EXPECT_TRUE(Search("_email", "b@x.com").empty());
}

TEST_F(DomainCacheTest, KeepsADocumentUntilItIsDroppedAndNeverAMissingOne) {
  DomainCache cache;
  auto first = cache.Get(*store_, ctx_, "d");
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ((*first)->at("DefaultExpirationDays"), 10);
  // Changed behind the cache's back: the kept document is still the one returned.
  ASSERT_TRUE(store_
                  ->Write([&](store::Txn& txn) {
                    return txn.Put(AccountScope(ctx_), kDomainKind, "d",
                                   R"({"DomainName": "d", "DefaultExpirationDays": 7})");
                  })
                  .ok());
  EXPECT_EQ((*cache.Get(*store_, ctx_, "d"))->at("DefaultExpirationDays"), 10);
  cache.Invalidate();
  EXPECT_EQ((*cache.Get(*store_, ctx_, "d"))->at("DefaultExpirationDays"), 7);

  auto missing = cache.Get(*store_, ctx_, "e");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  Ok("CreateDomain", R"({"DomainName": "e"})");
  EXPECT_TRUE(cache.Get(*store_, ctx_, "e").ok());  // no Invalidate needed: absence is not kept
}

// Each thread keeps its own copy (domain_cache.h): an Invalidate on another thread reaches it, and
// two caches on one thread do not answer from each other's copy.
TEST_F(DomainCacheTest, ThreadCopiesFollowInvalidateFromAnyThreadAndBelongToOneCache) {
  DomainCache cache;
  ASSERT_EQ((*cache.Get(*store_, ctx_, "d"))->at("DefaultExpirationDays"), 10);  // this thread's
  auto rewrite = [&](int days) {
    ASSERT_TRUE(store_
                    ->Write([&](store::Txn& txn) {
                      return txn.Put(AccountScope(ctx_), kDomainKind, "d",
                                     R"({"DomainName": "d", "DefaultExpirationDays": )" +
                                         std::to_string(days) + "}");
                    })
                    .ok());
  };
  rewrite(7);
  std::thread([&] { cache.Invalidate(); }).join();
  EXPECT_EQ((*cache.Get(*store_, ctx_, "d"))->at("DefaultExpirationDays"), 7);

  DomainCache other;  // never told of the next change: it must read it, not this thread's copy
  rewrite(4);
  EXPECT_EQ((*cache.Get(*store_, ctx_, "d"))->at("DefaultExpirationDays"), 7) << "kept";
  EXPECT_EQ((*other.Get(*store_, ctx_, "d"))->at("DefaultExpirationDays"), 4);
  EXPECT_EQ((*cache.Get(*store_, ctx_, "d"))->at("DefaultExpirationDays"), 7)
      << "still its own, not the other cache's";
}

}  // namespace
}  // namespace profiled::service
