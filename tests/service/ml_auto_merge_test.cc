// AutoMerging of ML match groups without a store (ml_auto_merge.h): Consolidation, the minimum
// confidence, the conflict settings.
#include "service/ml_auto_merge.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(MlAutoMerge, ConsolidationThresholdAndConflictResolution) {
  std::vector<json::object> group = {
      Obj(R"({"ProfileId":"a","FirstName":"John","LastName":"Doe","EmailAddress":"J@x.com"})"),
      Obj(R"({"ProfileId":"b","FirstName":"JOHN","LastName":"Doe","EmailAddress":"j@X.com"})"),
      Obj(R"({"ProfileId":"c","FirstName":"John","LastName":"Doe","PhoneNumber":"555 010 0000"})"),
  };
  // No Consolidation: the whole group is one merge.
  auto all = PlanMlMerges(group, Obj(R"({"Enabled":true})"), 0.9);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].members.size(), 3u);
  // Below MinAllowedConfidenceScoreForMerging: nothing.
  EXPECT_TRUE(
      PlanMlMerges(group, Obj(R"({"MinAllowedConfidenceScoreForMerging":0.95})"), 0.9).empty());
  // Only a and b meet [FirstName, LastName, EmailAddress].
  auto some = PlanMlMerges(
      group,
      Obj(R"({"Consolidation":{"MatchingAttributesList":[["FirstName","LastName","EmailAddress"]]}})"),
      0.9);
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].members, (std::vector<size_t>{0, 1}));
  // A second list lets c join through the phone... which only c has: still a and b.
  auto two = PlanMlMerges(
      group,
      Obj(R"({"Consolidation":{"MatchingAttributesList":[["EmailAddress"],["PhoneNumber"]]}})"),
      0.9);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].members.size(), 2u);
  EXPECT_EQ(ConsolidationValue(Obj(R"({"Address":{"City":"Séattle"}})"), "Address.City"),
            "seattle");
  EXPECT_FALSE(CheckConflictResolution(Obj(R"({"ConflictResolvingModel":"SOURCE"})")).ok());
  EXPECT_TRUE(CheckConflictResolution(Obj(R"({"ConflictResolvingModel":"RECENCY"})")).ok());
  EXPECT_EQ(ConflictConfig(nullptr).conflict, ConflictModel::kRecency);
}

}  // namespace
}  // namespace profiled::service
