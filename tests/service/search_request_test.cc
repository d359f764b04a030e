// SearchProfiles' pure steps (search.h): the request, the batch size and the result view.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "service/search.h"

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(SearchRequest, PairsInRequestOrderWithRepeatedValuesOnce) {
  auto r = ParseSearchRequest(Obj(R"({"DomainName": "d", "KeyName": "_email",
      "Values": ["a@x", "b@x", "a@x", 7],
      "AdditionalSearchKeys": [{"KeyName": "_phone", "Values": ["1"]}, "junk"]})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->pairs.size(), 2u);
  EXPECT_EQ(r->pairs[0].key_name, "_email");
  EXPECT_EQ(r->pairs[0].values, (std::vector<std::string>{"a@x", "b@x"}));
  EXPECT_EQ(r->pairs[1].key_name, "_phone");
  EXPECT_FALSE(r->all);
  EXPECT_EQ(r->page_size, 20u);
}

TEST(SearchRequest, AndAndPageSize) {
  auto r = ParseSearchRequest(
      Obj(R"({"KeyName": "k", "Values": ["v"], "LogicalOperator": "AND", "MaxResults": 500})"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->all);
  EXPECT_EQ(r->page_size, 100u);
  EXPECT_EQ(ParseSearchRequest(Obj(R"({"MaxResults": 0})"))->page_size, 1u);
}

TEST(SearchRequest, AtMostFivePairs) {
  json::object in = Obj(R"({"KeyName": "k", "Values": ["v"]})");
  json::array more;
  for (int i = 0; i < 4; ++i) more.push_back(Obj(R"({"KeyName": "k2", "Values": ["v"]})"));
  in["AdditionalSearchKeys"] = more;
  EXPECT_TRUE(ParseSearchRequest(in).ok());
  more.push_back(Obj(R"({"KeyName": "k3", "Values": ["v"]})"));
  in["AdditionalSearchKeys"] = more;
  auto r = ParseSearchRequest(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(r.error().message().find("6 were given"), std::string::npos);
}

TEST(SearchRequest, BatchIsOnePageAndOneMoreAndAtLeastAHundredForAnd) {
  SearchRequest r;
  r.page_size = 20;
  EXPECT_EQ(SearchBatchSize(r), 21u);
  r.all = true;
  EXPECT_EQ(SearchBatchSize(r), 100u);
  r.page_size = 100;
  EXPECT_EQ(SearchBatchSize(r), 101u);
}

TEST(SearchResultView, CarriesFoundByItemsAndRejectsPartialAndMatches) {
  json::object profile = Obj(R"({"ProfileId": "p1", "FirstName": "Ann",
      "EmailAddress": "ann@x", "AccountNumber": "42"})");
  SearchRequest r;
  r.pairs = {{"_email", {"nobody@x", "ann@x"}}, {"_account", {"41"}}};
  auto view = SearchResultView(profile, r);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->at("ProfileId"), "p1");
  EXPECT_EQ(view->at("FoundByItems"), json::parse(R"([{"KeyName": "_email",
      "Values": ["ann@x"]}])"));
  r.all = true;
  EXPECT_FALSE(SearchResultView(profile, r).has_value());
  r.pairs[1].values.push_back("42");
  EXPECT_TRUE(SearchResultView(profile, r).has_value());
  r.pairs = {{"_email", {"nobody@x"}}};
  r.all = false;
  EXPECT_FALSE(SearchResultView(profile, r).has_value());
}

}  // namespace
}  // namespace profiled::service
