// GetMatches on a real SQLite store: no matches yet when Matching is enabled, BadRequest when it
// is not, NotFound for an unknown domain, and no token accepted (none is ever issued).
#include "service/matching.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>

#include "service/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(MatchingEnabled, ReadsTheStoredDomain) {
  EXPECT_TRUE(MatchingEnabled(Obj(R"({"Matching": {"Enabled": true}})")));
  EXPECT_FALSE(MatchingEnabled(Obj(R"({"Matching": {"Enabled": false}})")));
  EXPECT_FALSE(MatchingEnabled(Obj(R"({"RuleBasedMatching": {"Enabled": true}})")));
  EXPECT_FALSE(MatchingEnabled(Obj("{}")));
}

class GetMatchesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("profiled-matching-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::sqlite::OpenSqliteStore({.path = (dir_ / "g.db").string()});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(store).value();
    env_.store = store_.get();
    env_.clock = &clock_;
    RegisterAll(registry_, env_);
    ctx_ = {"123456789012", "us-east-1", "req"};
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Result<json::object> Call(std::string_view op, std::string_view in) {
    const Handler* h = registry_.Find(op);
    if (!h) return Error::NotImplemented(std::string(op));
    return (*h)(ctx_, Obj(in));
  }

  SystemClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  ServiceEnv env_;
  Registry registry_;
  RequestContext ctx_;
};

TEST_F(GetMatchesTest, EnabledDomainHasNoMatchesYet) {
  ASSERT_TRUE(Call("CreateDomain", R"({"DomainName": "m", "DefaultExpirationDays": 5,
      "Matching": {"Enabled": true}})")
                  .ok());
  ASSERT_TRUE(Call("CreateProfile", R"({"DomainName": "m", "FirstName": "Ann"})").ok());
  ASSERT_TRUE(Call("CreateProfile", R"({"DomainName": "m", "FirstName": "Ann"})").ok());
  auto r = Call("GetMatches", R"({"DomainName": "m", "MaxResults": 10})");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, Obj(R"({"Matches": [], "PotentialMatches": 0})"));
  auto t = Call("GetMatches", R"({"DomainName": "m", "NextToken": "abc"})");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kBadRequest);
}

TEST_F(GetMatchesTest, DisabledMatchingIsBadRequestAndUnknownDomainNotFound) {
  ASSERT_TRUE(Call("CreateDomain", R"({"DomainName": "off", "DefaultExpirationDays": 5})").ok());
  auto r = Call("GetMatches", R"({"DomainName": "off"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(r.error().message().find("off"), std::string::npos);
  ASSERT_TRUE(Call("UpdateDomain", R"({"DomainName": "off", "Matching": {"Enabled": true}})").ok());
  EXPECT_TRUE(Call("GetMatches", R"({"DomainName": "off"})").ok());
  ASSERT_TRUE(
      Call("UpdateDomain", R"({"DomainName": "off", "Matching": {"Enabled": false}})").ok());
  EXPECT_FALSE(Call("GetMatches", R"({"DomainName": "off"})").ok());
  auto n = Call("GetMatches", R"({"DomainName": "nope"})");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace profiled::service
