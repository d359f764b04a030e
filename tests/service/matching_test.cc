// GetMatches before any identity-resolution job has completed (ml_jobs_service_test.cc covers
// the matches a job finds): no matches yet when Matching is enabled, BadRequest when it is not,
// NotFound for an unknown domain, and no token accepted (none is issued without matches).
#include "service/matching.h"

#include "service/service_fixture.h"

namespace profiled::service {
namespace {
using fixture::Obj;

TEST(MatchingEnabled, ReadsTheStoredDomain) {
  EXPECT_TRUE(MatchingEnabled(Obj(R"({"Matching": {"Enabled": true}})")));
  EXPECT_FALSE(MatchingEnabled(Obj(R"({"Matching": {"Enabled": false}})")));
  EXPECT_FALSE(MatchingEnabled(Obj(R"({"RuleBasedMatching": {"Enabled": true}})")));
  EXPECT_FALSE(MatchingEnabled(Obj("{}")));
}

class GetMatchesTest : public fixture::ServiceTest {
 protected:
  void SetUp() override { OpenStore(clock_); }

  SystemClock clock_;
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
