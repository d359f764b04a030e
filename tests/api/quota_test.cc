// The quota emulation of `serve --emulate-quotas`: the token bucket, the per-account limiter, the
// quota table (the embedded one included) and the resource limits' counting, and the pipeline's
// answer when a request is throttled.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>
#include <vector>

#include "api/errors.h"
#include "api/model.h"
#include "api/pipeline.h"
#include "api/quota_bucket.h"
#include "api/quota_limits.h"
#include "api/quota_table.h"
#include "api/quotas.h"

namespace profiled::api {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using TimePoint = TokenBucket::TimePoint;

const TimePoint kT0 = TimePoint() + std::chrono::hours(1);

TEST(TokenBucket, StartsFullAndAdmitsABurstThenRefusesUntilRefilled) {
  TokenBucket bucket(RateQuota{2, 3}, kT0);
  EXPECT_TRUE(bucket.TryTake(kT0));
  EXPECT_TRUE(bucket.TryTake(kT0));
  EXPECT_TRUE(bucket.TryTake(kT0));
  EXPECT_FALSE(bucket.TryTake(kT0));
  EXPECT_FALSE(bucket.TryTake(kT0 + milliseconds(499)));  // 0.998 of a token
  EXPECT_TRUE(bucket.TryTake(kT0 + milliseconds(500)));
  EXPECT_FALSE(bucket.TryTake(kT0 + milliseconds(500)));
}

TEST(TokenBucket, NeverHoldsMoreThanTheBurst) {
  TokenBucket bucket(RateQuota{5, 2}, kT0);
  EXPECT_TRUE(bucket.TryTake(kT0));
  EXPECT_TRUE(bucket.TryTake(kT0 + std::chrono::hours(1)));  // an hour refills to 2, not more
  EXPECT_TRUE(bucket.TryTake(kT0 + std::chrono::hours(1)));
  EXPECT_FALSE(bucket.TryTake(kT0 + std::chrono::hours(1)));
}

TEST(TokenBucket, AClockSteppingBackAddsNothing) {
  TokenBucket bucket(RateQuota{1, 1}, kT0);
  EXPECT_TRUE(bucket.TryTake(kT0));
  EXPECT_FALSE(bucket.TryTake(kT0 - std::chrono::seconds(10)));
  EXPECT_FALSE(bucket.TryTake(kT0 + milliseconds(999)));
  EXPECT_TRUE(bucket.TryTake(kT0 + milliseconds(1000)));
}

TEST(TokenBucket, AFractionalRateRefillsSlowly) {
  TokenBucket bucket(RateQuota{0.5, 1}, kT0);
  EXPECT_TRUE(bucket.TryTake(kT0));
  EXPECT_FALSE(bucket.TryTake(kT0 + milliseconds(1999)));
  EXPECT_TRUE(bucket.TryTake(kT0 + milliseconds(2000)));
}

class PinnedClock {
 public:
  TimePoint Now() const { return now_; }
  void Advance(milliseconds d) { now_ += d; }
  RateLimiter::Clock AsClock() {
    return [this] { return now_; };
  }

 private:
  TimePoint now_ = kT0;
};

TEST(RateLimiter, BucketsArePerAccountAndPerOperation) {
  PinnedClock clock;
  RateLimiter limiter({{"CreateDomain", RateQuota{1, 1}}, {"GetDomain", RateQuota{1, 2}}},
                      clock.AsClock());
  EXPECT_TRUE(limiter.Admit("111111111111", "CreateDomain"));
  EXPECT_FALSE(limiter.Admit("111111111111", "CreateDomain"));
  // Another operation of the same account, and the same operation of another account, are not
  // charged for it.
  EXPECT_TRUE(limiter.Admit("111111111111", "GetDomain"));
  EXPECT_TRUE(limiter.Admit("111111111111", "GetDomain"));
  EXPECT_FALSE(limiter.Admit("111111111111", "GetDomain"));
  EXPECT_TRUE(limiter.Admit("222222222222", "CreateDomain"));
  EXPECT_FALSE(limiter.Admit("222222222222", "CreateDomain"));
  clock.Advance(milliseconds(1000));
  EXPECT_TRUE(limiter.Admit("111111111111", "CreateDomain"));
  EXPECT_TRUE(limiter.Admit("222222222222", "CreateDomain"));
}

TEST(RateLimiter, AnOperationWithoutAQuotaIsNeverThrottled) {
  PinnedClock clock;
  RateLimiter limiter({{"CreateDomain", RateQuota{1, 1}}}, clock.AsClock());
  EXPECT_FALSE(limiter.HasQuota("ListSegmentDefinitions"));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Admit("1", "ListSegmentDefinitions"));
}

TEST(RateLimiter, ConcurrentRequestsShareOneBucketExactly) {
  PinnedClock clock;  // frozen: nothing refills while the threads run
  RateLimiter limiter({{"SearchProfiles", RateQuota{100, 100}}}, clock.AsClock());
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (limiter.Admit("123456789012", "SearchProfiles")) admitted.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 100);
}

std::vector<std::string> Ops() { return Model::Get().OperationNames(); }

TEST(QuotaTable, TheEmbeddedTableParsesAndEveryRowNamesItsAwsSource) {
  auto table = ParseQuotaTable(EmbeddedQuotaTable(), Ops(), ResourceLimits::KnownNames());
  ASSERT_TRUE(table.ok()) << table.error().message();
  EXPECT_EQ(table->rates.size(), 51u);
  EXPECT_EQ(table->rates.at("CreateDomain").rate, 1);
  EXPECT_EQ(table->rates.at("SearchProfiles").rate, 100);
  EXPECT_EQ(table->rates.at("SearchProfiles").burst, 100);  // AWS gives one figure
  EXPECT_EQ(table->rates.at("GetProfileObjectType").rate, 10);
  EXPECT_EQ(table->limits.at("DomainsPerAccount"), 100);
  EXPECT_EQ(table->limits.at("EventStreamsPerDomain"), 1);
  EXPECT_EQ(table->limits.at("KeysPerObjectType"), 10);
  // Every limit Profiled knows has its row.
  EXPECT_EQ(table->limits.size(), ResourceLimits::KnownNames().size());
  json::object doc = json::parse(EmbeddedQuotaTable()).as_object();
  for (const char* list : {"rates", "limits"}) {
    for (const json::value& row : doc.at(list).as_array()) {
      std::string source(row.at("source").as_string());
      EXPECT_EQ(source.rfind("https://docs.aws.amazon.com/", 0), 0u) << json::serialize(row);
    }
  }
}

TEST(QuotaTable, RefusesWhatItCannotApply) {
  auto parse = [](std::string_view text) {
    return ParseQuotaTable(text, Ops(), ResourceLimits::KnownNames());
  };
  auto refused = [&](std::string_view text, std::string_view says) {
    auto t = parse(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_NE(t.error().message().find(says), std::string::npos) << t.error().message();
  };
  refused("[]", "not a JSON object");
  refused(R"({"rates": [{"operation": "CreateDomian", "rate": 1}]})", "no operation CreateDomian");
  refused(R"({"rates": [{"operation": "CreateDomain", "rate": 0}]})", "rates[0].rate");
  refused(R"({"rates": [{"operation": "CreateDomain", "rate": 1, "burst": 0.5}]})", "burst");
  refused(R"({"rates": [{"operation": "CreateDomain", "rate": 1},
                        {"operation": "CreateDomain", "rate": 2}]})",
          "a second rate");
  refused(R"({"limits": [{"limit": "DomainsPerRegion", "value": 1}]})", "DomainsPerRegion");
  refused(R"({"limits": [{"limit": "DomainsPerAccount", "value": -1}]})", "limits[0].value");
  refused(R"({"rates": {}})", "not a list");

  auto ok = parse(R"({"rates": [{"operation": "CreateDomain", "rate": 0.5},
                                {"operation": "GetDomain", "rate": 2, "burst": 7}]})");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->rates.at("CreateDomain").burst, 1);  // a rate below 1 still admits one
  EXPECT_EQ(ok->rates.at("GetDomain").burst, 7);
  EXPECT_TRUE(ok->limits.empty());
}

// A registry whose List operations page through `count` items, `page` at a time, as the real
// ones do (NextToken while more remain), recording how many pages were read.
class CountingRegistry {
 public:
  CountingRegistry(int count, int page) : count_(count), page_(page) {
    registry_.Register(
        "ListEventTriggers",
        [this](const service::RequestContext&, json::object in) -> Result<json::object> {
          ++pages_read_;
          EXPECT_EQ(in.at("DomainName"), "d");
          int from =
              in.contains("NextToken") ? std::stoi(std::string(in.at("NextToken").as_string())) : 0;
          json::object out;
          json::array items;
          for (int i = from; i < count_ && i < from + page_; ++i) items.push_back(json::object());
          out["Items"] = std::move(items);
          if (from + page_ < count_) out["NextToken"] = std::to_string(from + page_);
          return out;
        });
  }
  const service::Registry& registry() const { return registry_; }
  int pages_read() const { return pages_read_; }

 private:
  int count_;
  int page_;
  int pages_read_ = 0;
  service::Registry registry_;
};

Status CheckTrigger(const service::Registry& registry, int64_t limit) {
  ResourceLimits limits({{"EventTriggersPerDomain", limit}});
  return limits.Check(registry, service::RequestContext{"123456789012", "us-east-1", "r"},
                      "CreateEventTrigger", json::object{{"DomainName", "d"}}, 0);
}

TEST(ResourceLimits, CountsAcrossPagesAndStopsAtTheLimit) {
  CountingRegistry below(49, 10);
  EXPECT_TRUE(CheckTrigger(below.registry(), 50).ok());
  EXPECT_EQ(below.pages_read(), 5);

  CountingRegistry at(50, 10);
  Status s = CheckTrigger(at.registry(), 50);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kBadRequest);
  EXPECT_EQ(s.error().message(),
            "You reached the limit of 50 event triggers per domain (Customer Profiles service "
            "quota)");

  CountingRegistry many(1000, 10);
  EXPECT_FALSE(CheckTrigger(many.registry(), 20).ok());
  EXPECT_EQ(many.pages_read(), 2);  // enough to know, not every page
}

TEST(ResourceLimits, ALimitTheTableLeavesOutIsNotChecked) {
  CountingRegistry full(100, 100);
  ResourceLimits none({});
  EXPECT_TRUE(none.Check(full.registry(), service::RequestContext{"1", "r", "i"},
                         "CreateEventTrigger", json::object{{"DomainName", "d"}}, 0)
                  .ok());
}

TEST(ResourceLimits, KeysPerObjectTypeAndProfileSize) {
  service::Registry empty;
  ResourceLimits limits({{"KeysPerObjectType", 2}, {"ProfileBytes", 100}});
  service::RequestContext ctx{"1", "r", "i"};
  json::object two_keys{{"DomainName", "d"},
                        {"Keys", {{"a", json::array()}, {"b", json::array()}}}};
  EXPECT_TRUE(limits.Check(empty, ctx, "PutProfileObjectType", two_keys, 0).ok());
  json::object three_keys = two_keys;
  three_keys["Keys"].as_object()["c"] = json::array();
  Status s = limits.Check(empty, ctx, "PutProfileObjectType", three_keys, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("limit of 2 keys per object type"), std::string::npos);
  EXPECT_TRUE(limits.Check(empty, ctx, "CreateProfile", json::object(), 100).ok());
  EXPECT_FALSE(limits.Check(empty, ctx, "CreateProfile", json::object(), 101).ok());
  EXPECT_FALSE(limits.Check(empty, ctx, "UpdateProfile", json::object(), 101).ok());
  EXPECT_TRUE(limits.Check(empty, ctx, "PutProfileObject", json::object(), 101).ok());
}

class AccountAuthenticator final : public auth::Authenticator {
 public:
  Result<auth::Identity> Authenticate(const HttpRequest& request) const override {
    const std::string* account = FindHeader(request.headers, "X-Test-Account");
    return auth::Identity{"AKIDEXAMPLE", account ? *account : "111122223333"};
  }
};

TEST(QuotaPipeline, ThrottlingIsTheModelsException) {
  const Shape* shape = Model::Get().FindShape(kThrottlingException.type);
  ASSERT_NE(shape, nullptr);
  EXPECT_EQ(shape->error_status, kThrottlingException.status);
}

TEST(QuotaPipeline, AThrottledRequestIsAnAwsThrottlingExceptionAndRunsNothing) {
  PinnedClock clock;
  auto quotas = Quotas::Load(R"({"rates": [{"operation": "GetDomain", "rate": 1, "burst": 2}]})",
                             Ops(), clock.AsClock());
  ASSERT_TRUE(quotas.ok()) << quotas.error().message();
  service::Registry registry;
  int runs = 0;
  registry.Register("GetDomain", [&](const service::RequestContext&, json::object in) {
    ++runs;
    return Result<json::object>(json::object{{"DomainName", in.at("DomainName")}});
  });
  AccountAuthenticator auth;
  Pipeline pipeline(registry, auth, PipelineOptions{"us-east-1", quotas->get()});
  auto get = [&](std::string account) {
    return pipeline.Handle(
        HttpRequest{"GET", "/domains/d1", {{"X-Test-Account", account}}, "", "127.0.0.1", ""});
  };
  EXPECT_EQ(get("111111111111").status, 200);
  EXPECT_EQ(get("111111111111").status, 200);
  HttpResponse throttled = get("111111111111");
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.operation, "GetDomain");
  EXPECT_EQ(*FindHeader(throttled.headers, "x-amzn-ErrorType"), "ThrottlingException");
  EXPECT_EQ(FindHeader(throttled.headers, "x-amzn-RequestId")->size(), 36u);
  EXPECT_EQ(*FindHeader(throttled.headers, "Content-Type"), "application/json");
  EXPECT_EQ(json::parse(throttled.body), json::parse(R"({"Message": "Rate exceeded"})"));
  EXPECT_EQ(get("222222222222").status, 200);  // another account has its own bucket
  clock.Advance(milliseconds(1000));
  EXPECT_EQ(get("111111111111").status, 200);
  EXPECT_EQ(runs, 4);
}

}  // namespace
}  // namespace profiled::api
