// The rule-based matching rules without a store: normalisation, keys per level and sub-type
// model (AWS's ONE_TO_ONE and MANY_TO_MANY examples), the configuration check, automatic
// merging's field choices.
#include "service/rule_matching.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "service/auto_merge.h"

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

std::vector<std::string> Digests(const RuleMatchingConfig& c, std::string_view profile, int level) {
  std::vector<std::string> out;
  for (const LevelKey& k : LevelKeys(c, Obj(profile), level)) out.push_back(k.digest);
  return out;
}

bool Share(const RuleMatchingConfig& c, std::string_view a, std::string_view b, int level) {
  for (const std::string& x : Digests(c, a, level)) {
    for (const std::string& y : Digests(c, b, level)) {
      if (x == y) return true;
    }
  }
  return false;
}

TEST(RuleMatching, NormalisesCaseSpaceAndPhones) {
  EXPECT_EQ(NormalizeMatchValue("  John \t  DOE "), "john doe");
  EXPECT_EQ(NormalizeMatchValue("Ann@Example.COM"), "ann@example.com");
  EXPECT_EQ(PhoneDigits("+1 (555) 010-0000"), "15550100000");
  EXPECT_EQ(PhoneDigits("1.555.010.0000"), "15550100000");
  auto c =
      ParseRuleMatching(Obj(R"({"Enabled": true, "MatchingRules": [{"Rule": ["PhoneNumber"]}]})"));
  EXPECT_TRUE(
      Share(c, R"({"PhoneNumber": "+1 (555) 010-0000"})", R"({"PhoneNumber": "15550100000"})", 1));
  EXPECT_FALSE(
      Share(c, R"({"PhoneNumber": "555-010-0000"})", R"({"PhoneNumber": "15550100001"})", 1));
}

// The admin guide's examples: rule level 1 is EmailAddress, LastName, FirstName with the
// EmailAddress type standing for EmailAddress and BusinessEmailAddress.
TEST(RuleMatching, OneToOneMatchesTheSameSubTypeOnly) {
  auto rbm = [](std::string_view model) {
    return ParseRuleMatching(Obj(
        std::string(R"({"Enabled": true, "MatchingRules": [
        {"Rule": ["EmailAddress", "LastName", "FirstName"]}, {"Rule": ["AccountNumber"]}],
        "AttributeTypesSelector": {"AttributeMatchingModel": ")") +
        std::string(model) + R"(", "EmailAddress": ["EmailAddress", "BusinessEmailAddress"]}})"));
  };
  const char* a = R"({"EmailAddress": "1@email.com", "BusinessEmailAddress": "john@company.com",
                     "LastName": "Doe", "FirstName": "John"})";
  const char* b = R"({"EmailAddress": "2@email.com", "BusinessEmailAddress": "john@company.com",
                     "LastName": "Doe", "FirstName": "John"})";
  EXPECT_TRUE(Share(rbm("ONE_TO_ONE"), a, b, 1));
  const char* c = R"({"EmailAddress": "2@email.com", "BusinessEmailAddress": "1@email.com",
                     "LastName": "Doe", "FirstName": "John"})";
  EXPECT_FALSE(Share(rbm("ONE_TO_ONE"), a, c, 1));
  EXPECT_TRUE(Share(rbm("MANY_TO_MANY"), a, c, 1));
  // Every attribute of a level must match (AND), and a missing one gives no key.
  EXPECT_FALSE(Share(rbm("MANY_TO_MANY"), a,
                     R"({"EmailAddress": "1@email.com", "LastName": "Doe", "FirstName": "Jon"})",
                     1));
  EXPECT_TRUE(Digests(rbm("ONE_TO_ONE"), R"({"EmailAddress": "1@email.com", "LastName": "Doe"})", 1)
                  .empty());
  // PersonalEmailAddress is not selected: it never matches.
  EXPECT_FALSE(Share(rbm("MANY_TO_MANY"), a,
                     R"({"PersonalEmailAddress": "1@email.com", "LastName": "Doe",
                         "FirstName": "John"})",
                     1));
}

TEST(RuleMatching, AddressFieldsOfALevelComeFromOneAddress) {
  auto c = ParseRuleMatching(Obj(R"({"Enabled": true,
      "MatchingRules": [{"Rule": ["Address.City", "Address.PostalCode"]}],
      "AttributeTypesSelector": {"AttributeMatchingModel": "MANY_TO_MANY",
                                 "Address": ["Address", "MaillingAddress"]}})"));
  const char* a = R"({"Address": {"City": "Seattle", "PostalCode": "98101"}})";
  EXPECT_TRUE(Share(c, a, R"({"MailingAddress": {"City": "SEATTLE", "PostalCode": "98101"}})", 1));
  // City of one address and postal code of another: no match.
  EXPECT_FALSE(Share(c, a, R"({"Address": {"City": "Seattle", "PostalCode": "1"},
                             "MailingAddress": {"City": "Paris", "PostalCode": "98101"}})",
                     1));
  // ShippingAddress is not selected.
  EXPECT_FALSE(
      Share(c, a, R"({"ShippingAddress": {"City": "Seattle", "PostalCode": "98101"}})", 1));
}

TEST(RuleMatching, CustomAttributesAndDefaultsAndLevelsCut) {
  auto c = ParseRuleMatching(Obj(R"({"Enabled": true, "MaxAllowedRuleLevelForMatching": 1,
      "MatchingRules": [{"Rule": ["Attributes.loyalty"]}, {"Rule": ["FirstName"]}]})"));
  ASSERT_EQ(c.levels.size(), 1u);
  EXPECT_TRUE(Share(c, R"({"Attributes": {"loyalty": "G-1"}})",
                    R"({"Attributes": {"loyalty": "g-1"}})", 1));
  EXPECT_TRUE(Digests(c, R"({"FirstName": "Ann"})", 2).empty());
  auto d = ParseRuleMatching(Obj(R"({"Enabled": true})"));
  EXPECT_EQ(d.levels, DefaultMatchingRules());
  EXPECT_EQ(d.max_merge_level, 0);
  // Keys of different levels never collide, even with the same attributes.
  auto e = ParseRuleMatching(Obj(R"({"Enabled": true,
      "MatchingRules": [{"Rule": ["FirstName"]}, {"Rule": ["FirstName"]}]})"));
  EXPECT_NE(Digests(e, R"({"FirstName": "Ann"})", 1), Digests(e, R"({"FirstName": "Ann"})", 2));
}

TEST(RuleMatching, ChecksTheConfiguration) {
  EXPECT_TRUE(CheckRuleBasedMatching(Obj(R"({"Enabled": true, "MatchingRules": [
      {"Rule": ["FirstName", "Address.City", "Attributes.x", "EmailAddress", "PhoneNumber"]}]})"))
                  .ok());
  auto bad = CheckRuleBasedMatching(Obj(R"({"Enabled": true, "MatchingRules": [
      {"Rule": ["FirstName"]}, {"Rule": ["Nickname"]}]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("MatchingRules[1]"), std::string::npos);
  EXPECT_NE(bad.error().message().find("Nickname"), std::string::npos);
  EXPECT_FALSE(CheckRuleBasedMatching(Obj(R"({"Enabled": true, "MatchingRules": [
      {"Rule": ["Attributes."]}]})"))
                   .ok());
  EXPECT_FALSE(CheckRuleBasedMatching(Obj(R"({"Enabled": true, "AttributeTypesSelector": {
      "AttributeMatchingModel": "ONE_TO_ONE", "PhoneNumber": ["FaxNumber"]}})"))
                   .ok());
  auto source = CheckRuleBasedMatching(
      Obj(R"({"Enabled": true, "ConflictResolution": {"ConflictResolvingModel": "SOURCE"}})"));
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.error().message().find("SourceName"), std::string::npos);
}

TEST(AutoMerge, ManualBeatsIngestedThenSourceThenRecency) {
  RuleMatchingConfig recency;
  RuleMatchingConfig source;
  source.conflict = ConflictModel::kSource;
  source.source_name = "Crm";
  // p1: oldest; FirstName set by hand. p2: FirstName and LastName ingested from Crm.
  // p3: newest; FirstName and LastName ingested from Web.
  std::vector<json::object> ps = {
      Obj(R"({"ProfileId": "a1", "_hlast": "000000000001", "FirstName": "John",
              "LastName": "Old"})"),
      Obj(R"({"ProfileId": "a2", "_hlast": "000000000002", "FirstName": "Peter",
              "LastName": "Crm", "_ingested": {
                "FirstName": {"Value": "Peter", "ObjectTypeName": "Crm"},
                "LastName": {"Value": "Crm", "ObjectTypeName": "Crm"}}})"),
      Obj(R"({"ProfileId": "a3", "_hlast": "000000000003", "FirstName": "Paul", "LastName": "Web",
              "Attributes": {"k": "v3"}, "_ingested": {
                "FirstName": {"Value": "Paul", "ObjectTypeName": "Web"},
                "LastName": {"Value": "Web", "ObjectTypeName": "Web"},
                "Attributes.k": {"Value": "v3", "ObjectTypeName": "Web"}}})")};
  EXPECT_EQ(AutoMergeMainId({ps[2], ps[0], ps[1]}), "a1");
  // The creation time in the id first, then the last update.
  EXPECT_EQ(AutoMergeMainId({Obj(R"({"ProfileId": "000000000002aa", "_hlast": "1"})"),
                             Obj(R"({"ProfileId": "000000000001ff", "_hlast": "9"})"),
                             Obj(R"({"ProfileId": "000000000001bb", "_hlast": "5"})")}),
            "000000000001bb");
  json::object r = AutoMergeFieldSources(ps, recency);
  EXPECT_EQ(r.at("FirstName"), "a1");  // set by hand
  EXPECT_EQ(r.at("LastName"), "a1");   // set by hand too (no ingestion record)
  ps[0].erase("LastName");
  r = AutoMergeFieldSources(ps, recency);
  EXPECT_EQ(r.at("LastName"), "a3");  // the most recent ingested value
  EXPECT_EQ(r.at("Attributes").at("k"), "a3");
  r = AutoMergeFieldSources(ps, source);
  EXPECT_EQ(r.at("FirstName"), "a1");
  EXPECT_EQ(r.at("LastName"), "a2");  // from the source, though older
  EXPECT_FALSE(r.contains("BirthDate"));
}

}  // namespace
}  // namespace profiled::service
