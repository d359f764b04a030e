// Rule-based matching through the operations, on a real store (each store via
// PROFILED_TEST_STORE): matches kept current as profiles are created, updated, ingested, merged
// and deleted; ListRuleBasedMatches and GetSimilarProfiles with paging; the rule levels, the
// 500-profile rule, enabling on a domain with profiles; automatic merging (RECENCY, SOURCE,
// manual fields kept, objects moved).
#include <atomic>
#include <sstream>

#include "service/movable_clock.h"
#include "service/profile_import_export.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
using fixture::Obj;
namespace json = boost::json;

class RuleMatchTest : public fixture::ServiceTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenStore(clock_)); }

  void Domain(std::string_view rbm) {
    Ok("CreateDomain", std::string(R"({"DomainName": "d", "DefaultExpirationDays": 5,
        "RuleBasedMatching": )") +
                           std::string(rbm) + "}");
  }

  std::vector<std::string> MatchIds(std::string_view extra = "") {
    std::vector<std::string> ids;
    std::string token;
    do {
      std::string in = R"({"DomainName": "d")" + std::string(extra);
      if (!token.empty()) in += R"(, "NextToken": ")" + token + "\"";
      json::object out = Ok("ListRuleBasedMatches", in + "}");
      for (const auto& v : out["MatchIds"].as_array()) ids.emplace_back(v.as_string());
      token = out.contains("NextToken") ? std::string(out["NextToken"].as_string()) : "";
    } while (!token.empty());
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  json::object Similar(std::string_view key, std::string_view value) {
    return Ok("GetSimilarProfiles", std::string(R"({"DomainName": "d", "MatchType":
        "RULE_BASED_MATCHING", "SearchKey": ")") +
                                        std::string(key) + R"(", "SearchValue": ")" +
                                        std::string(value) + "\"}");
  }

  std::set<std::string> Members(std::string_view key, std::string_view value) {
    std::set<std::string> out;
    json::object similar = Similar(key, value);
    for (const auto& v : similar["ProfileIds"].as_array()) {
      out.emplace(v.as_string());
    }
    return out;
  }

  bool Exists(const std::string& id) {
    auto r = Call("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + id + "\"]}");
    return r.ok() && r->at("Profiles").as_array().size() == 1;
  }

  json::object Profile(const std::string& id) {
    auto r = Ok("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + id + "\"]}");
    return r["Profiles"].as_array().at(0).as_object();
  }

  fixture::SteppingClock clock_;
};

constexpr const char* kTwoLevels = R"({"Enabled": true, "MatchingRules": [
    {"Rule": ["EmailAddress"]}, {"Rule": ["FirstName", "LastName"]}],
    "AttributeTypesSelector": {"AttributeMatchingModel": "MANY_TO_MANY",
      "EmailAddress": ["EmailAddress", "BusinessEmailAddress"]}})";

TEST_F(RuleMatchTest, MatchesFollowCreateUpdateAndDelete) {
  Domain(kTwoLevels);
  EXPECT_EQ(Ok("GetDomain", R"({"DomainName": "d"})")["RuleBasedMatching"].at("Status"), "ACTIVE");
  std::string a = Create(R"("FirstName": "Ann", "EmailAddress": "Ann@Example.com")");
  std::string b = Create(R"("FirstName": "Bea", "BusinessEmailAddress": " ann@example.COM ")");
  std::string c = Create(R"("FirstName": "Cy", "EmailAddress": "cy@example.com")");
  std::vector<std::string> ids = MatchIds();
  ASSERT_EQ(ids.size(), 1u);
  json::object s = Similar("MatchId", ids[0]);
  EXPECT_EQ(s["MatchType"], "RULE_BASED_MATCHING");
  EXPECT_EQ(s["RuleLevel"], 1);
  EXPECT_EQ(s["MatchId"].as_string(), ids[0]);
  EXPECT_EQ(Members("MatchId", ids[0]), (std::set<std::string>{a, b}));
  EXPECT_EQ(Members("_profileId", b), (std::set<std::string>{a, b}));
  EXPECT_EQ(Members("ProfileId", a), (std::set<std::string>{a, b}));
  EXPECT_EQ(Members("_email", "Ann@Example.com"), (std::set<std::string>{a, b}));
  EXPECT_TRUE(Members("_profileId", c).empty());

  // c takes the same email: the group grows, the MatchId stays.
  Ok("UpdateProfile",
     R"({"DomainName": "d", "ProfileId": ")" + c + R"(", "EmailAddress": "ANN@example.com"})");
  EXPECT_EQ(MatchIds(), ids);
  EXPECT_EQ(Members("MatchId", ids[0]), (std::set<std::string>{a, b, c}));
  // b leaves (its email changes), then a is deleted: two, then no group.
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + b +
                          R"(", "BusinessEmailAddress": "bea@example.com"})");
  EXPECT_EQ(Members("MatchId", ids[0]), (std::set<std::string>{a, c}));
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + a + "\"}");
  EXPECT_TRUE(MatchIds().empty());
  auto gone = Call("GetSimilarProfiles", R"({"DomainName": "d", "MatchType":
      "RULE_BASED_MATCHING", "SearchKey": "MatchId", "SearchValue": ")" +
                                             ids[0] + "\"}");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
}

TEST_F(RuleMatchTest, LowerLevelsWinAndTakeTheirProfiles) {
  Domain(kTwoLevels);
  std::string a = Create(R"("FirstName": "Ann", "LastName": "Lee", "EmailAddress": "x@e.com")");
  std::string b = Create(R"("FirstName": "Bob", "LastName": "Ray", "EmailAddress": "x@e.com")");
  // c has b's name only: level 2 would pair it with b, but b is in a level-1 group.
  std::string c = Create(R"("FirstName": "Bob", "LastName": "Ray")");
  EXPECT_EQ(Members("_profileId", b), (std::set<std::string>{a, b}));
  EXPECT_TRUE(Members("_profileId", c).empty());
  EXPECT_EQ(MatchIds().size(), 1u);
  // d shares c's name: a level-2 group of c and d (b stays at level 1).
  std::string d = Create(R"("FirstName": "BOB", "LastName": "ray")");
  json::object s = Similar("_profileId", c);
  EXPECT_EQ(s["RuleLevel"], 2);
  EXPECT_EQ(Members("_profileId", d), (std::set<std::string>{c, d}));
  EXPECT_EQ(MatchIds().size(), 2u);
}

TEST_F(RuleMatchTest, IngestedValuesMatchAndObjectsCount) {
  Domain(R"({"Enabled": true, "MatchingRules": [{"Rule": ["PhoneNumber", "Attributes.tier"]}]})");
  Ok("PutProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "crm",
      "Description": "crm", "AllowProfileCreation": true,
      "Fields": {"id": {"Source": "_source.id", "Target": "_profile.AccountNumber"},
                 "phone": {"Source": "_source.phone", "Target": "_profile.PhoneNumber"},
                 "tier": {"Source": "_source.tier", "Target": "_profile.Attributes.tier"}},
      "Keys": {"id": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["id"]}]}})");
  Ok("PutProfileObject", R"({"DomainName": "d", "ObjectTypeName": "crm",
      "Object": "{\"id\": \"1\", \"phone\": \"+1 555 010 0000\", \"tier\": \"Gold\"}"})");
  Ok("PutProfileObject", R"({"DomainName": "d", "ObjectTypeName": "crm",
      "Object": "{\"id\": \"2\", \"phone\": \"15550100000\", \"tier\": \"gold\"}"})");
  std::vector<std::string> ids = MatchIds();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(Members("MatchId", ids[0]).size(), 2u);
  EXPECT_EQ(Members("_account", "1"), Members("_account", "2"));
}

TEST_F(RuleMatchTest, PagesListAndMembers) {
  Domain(R"({"Enabled": true, "MatchingRules": [{"Rule": ["LastName"]}]})");
  for (std::string_view name : {"A", "B", "C"}) {
    Create(std::string(R"("LastName": ")") + std::string(name) + "\"");
    Create(std::string(R"("LastName": ")") + std::string(name) + "\"");
  }
  std::string e = Create(R"("LastName": "A")");
  EXPECT_EQ(MatchIds(R"(, "MaxResults": 2)").size(), 3u);
  EXPECT_EQ(MatchIds(R"(, "MaxResults": 1)"), MatchIds());
  json::object first = Ok("GetSimilarProfiles", R"({"DomainName": "d", "MatchType":
      "RULE_BASED_MATCHING", "SearchKey": "_profileId", "SearchValue": ")" +
                                                    e + R"(", "MaxResults": 2})");
  ASSERT_EQ(first["ProfileIds"].as_array().size(), 2u);
  ASSERT_TRUE(first.contains("NextToken"));
  json::object second =
      Ok("GetSimilarProfiles", R"({"DomainName": "d", "MatchType":
      "RULE_BASED_MATCHING", "SearchKey": "_profileId", "SearchValue": ")" +
                                   e + R"(", "MaxResults": 2, "NextToken": ")" +
                                   std::string(first["NextToken"].as_string()) + "\"}");
  ASSERT_EQ(second["ProfileIds"].as_array().size(), 1u);
  EXPECT_FALSE(second.contains("NextToken"));
  EXPECT_NE(second["ProfileIds"].as_array()[0], first["ProfileIds"].as_array()[0]);
  auto bad = Call("ListRuleBasedMatches", R"({"DomainName": "d", "NextToken": "nope"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadRequest);
}

TEST_F(RuleMatchTest, ALevelOfValuesHeldByOver500ProfilesIsNotUsed) {
  Domain(R"({"Enabled": true, "MatchingRules": [{"Rule": ["FirstName", "LastName"]},
      {"Rule": ["LastName", "AccountNumber"]}]})");
  // 501 John Smiths: both values are held by more than 500 profiles, level 1 is not used.
  for (int i = 0; i < 501; ++i) {
    Create(R"("FirstName": "John", "LastName": "Smith", "AccountNumber": ")" +
           (i % 250 == 0 ? std::string("shared") : std::to_string(i)) + "\"");
  }
  // Level 2 still pairs the profiles sharing an account number (AccountNumber is rare).
  std::vector<std::string> ids = MatchIds();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(Similar("MatchId", ids[0])["RuleLevel"], 2);
  EXPECT_EQ(Members("MatchId", ids[0]).size(), 3u);
}

TEST_F(RuleMatchTest, EnablingOnADomainWithProfilesEvaluatesThem) {
  Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 5})");
  std::string a = Create(R"("LastName": "Lee", "AccountNumber": "9")");
  std::string b = Create(R"("LastName": "LEE", "AccountNumber": "9")");
  auto off = Call("ListRuleBasedMatches", R"({"DomainName": "d"})");
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().code(), ErrorCode::kBadRequest);
  json::object out = Ok("UpdateDomain", R"({"DomainName": "d", "RuleBasedMatching": {
      "Enabled": true, "MatchingRules": [{"Rule": ["LastName"]}]}})");
  EXPECT_EQ(out["RuleBasedMatching"].at("Status"), "ACTIVE");
  EXPECT_EQ(Members("_profileId", a), (std::set<std::string>{a, b}));
  // New rules: the old keys no longer count, the new ones do.
  Ok("UpdateDomain", R"({"DomainName": "d", "RuleBasedMatching": {
      "Enabled": true, "MatchingRules": [{"Rule": ["FirstName"]}]}})");
  EXPECT_TRUE(MatchIds().empty());
  Ok("UpdateDomain", R"({"DomainName": "d", "RuleBasedMatching": {
      "Enabled": true, "MatchingRules": [{"Rule": ["AccountNumber"]}]}})");
  EXPECT_EQ(MatchIds().size(), 1u);
  out = Ok("UpdateDomain", R"({"DomainName": "d", "RuleBasedMatching": {"Enabled": false}})");
  EXPECT_EQ(out["RuleBasedMatching"].at("Status"), "PENDING");
  EXPECT_FALSE(Call("ListRuleBasedMatches", R"({"DomainName": "d"})").ok());
}

TEST_F(RuleMatchTest, RefusesBadConfigurationsAndAnswersMlWithoutAJob) {
  auto bad = Call("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 5,
      "RuleBasedMatching": {"Enabled": true, "MatchingRules": [{"Rule": ["ShoeSize"]}]}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadRequest);
  Domain(R"({"Enabled": true, "MatchingRules": [{"Rule": ["LastName"]}]})");
  auto ml = Call("GetSimilarProfiles", R"({"DomainName": "d", "MatchType": "ML_BASED_MATCHING",
      "SearchKey": "_profileId", "SearchValue": "x"})");
  ASSERT_FALSE(ml.ok());
  EXPECT_EQ(ml.error().code(), ErrorCode::kBadRequest);
  Ok("UpdateDomain", R"({"DomainName": "d", "Matching": {"Enabled": true}})");
  EXPECT_EQ(Ok("GetSimilarProfiles", R"({"DomainName": "d", "MatchType": "ML_BASED_MATCHING",
      "SearchKey": "_profileId", "SearchValue": "x"})"),
            Obj(R"({"ProfileIds": [], "MatchType": "ML_BASED_MATCHING"})"));
  auto missing = Call("GetSimilarProfiles", R"({"DomainName": "d", "MatchType":
      "RULE_BASED_MATCHING", "SearchKey": "_profileId", "SearchValue": "nobody"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto nodomain = Call("ListRuleBasedMatches", R"({"DomainName": "nope"})");
  ASSERT_FALSE(nodomain.ok());
  EXPECT_EQ(nodomain.error().code(), ErrorCode::kNotFound);
}

constexpr const char* kCrmType = R"({"DomainName": "d", "ObjectTypeName": "crm",
    "Description": "crm", "AllowProfileCreation": true,
    "Fields": {"id": {"Source": "_source.id", "Target": "_profile.AccountNumber"},
               "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
               "first": {"Source": "_source.first", "Target": "_profile.FirstName"},
               "city": {"Source": "_source.city", "Target": "_profile.Address.City"}},
    "Keys": {"id": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["id"]}]}})";

TEST_F(RuleMatchTest, AutoMergeKeepsManualFieldsAndTakesTheNewestIngested) {
  Domain(R"({"Enabled": true, "MatchingRules": [{"Rule": ["EmailAddress"]}],
      "MaxAllowedRuleLevelForMerging": 1,
      "ConflictResolution": {"ConflictResolvingModel": "RECENCY"}})");
  Ok("PutProfileObjectType", kCrmType);
  std::string a = Create(R"("FirstName": "John", "EmailAddress": "j@e.com", "LastName": "Doe")");
  Ok("PutProfileObject", R"({"DomainName": "d", "ObjectTypeName": "crm",
      "Object": "{\"id\": \"1\", \"email\": \"J@E.com\", \"first\": \"Peter\", \"city\": \"Oslo\"}"})");
  // The ingested profile was merged into a (the older): one profile, both objects' data.
  EXPECT_TRUE(MatchIds().empty());
  EXPECT_EQ(Search("_email", "J@E.com"), (std::set<std::string>{a}));
  EXPECT_EQ(Search("_account", "1"), (std::set<std::string>{a}));
  json::object p = Profile(a);
  EXPECT_EQ(p["FirstName"], "John");  // set by hand: kept
  EXPECT_EQ(p["AccountNumber"], "1");
  EXPECT_EQ(p["Address"].at("City"), "Oslo");
  json::object objects = Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "crm",
      "ProfileId": ")" + a + "\"}");
  EXPECT_EQ(objects["Items"].as_array().size(), 1u);
  // A later ingested profile with a new city: RECENCY takes it for the ingested field.
  Ok("PutProfileObject", R"({"DomainName": "d", "ObjectTypeName": "crm",
      "Object": "{\"id\": \"2\", \"email\": \"j@e.com\", \"city\": \"Rome\"}"})");
  p = Profile(a);
  EXPECT_EQ(p["Address"].at("City"), "Rome");
  EXPECT_EQ(p["FirstName"], "John");
  objects = Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "crm",
      "ProfileId": ")" + a + "\"}");
  EXPECT_EQ(objects["Items"].as_array().size(), 2u);
  EXPECT_EQ(Ok("GetDomain", R"({"DomainName": "d"})")["Stats"].at("ProfileCount"), 1);
  json::object history =
      Ok("ListProfileHistoryRecords", R"({"DomainName": "d", "ProfileId": ")" + a + "\"}");
  bool merged = false;
  for (const auto& r : history["ProfileHistoryRecords"].as_array()) {
    merged |= r.at("ActionType") == "MERGED";
  }
  EXPECT_TRUE(merged);
}

TEST_F(RuleMatchTest, AutoMergeBySourcePrefersTheSourceAndLeavesHigherLevelsAlone) {
  Domain(R"({"Enabled": true, "MatchingRules": [{"Rule": ["EmailAddress"]},
      {"Rule": ["LastName"]}], "MaxAllowedRuleLevelForMerging": 1,
      "ConflictResolution": {"ConflictResolvingModel": "SOURCE", "SourceName": "crm"}})");
  Ok("PutProfileObjectType", kCrmType);
  std::string web = std::string(kCrmType);
  web.replace(web.find("\"crm\""), 5, "\"web\"");
  Ok("PutProfileObjectType", web);
  Ok("PutProfileObject", R"({"DomainName": "d", "ObjectTypeName": "crm",
      "Object": "{\"id\": \"c1\", \"email\": \"k@e.com\", \"first\": \"FromCrm\"}"})");
  Ok("PutProfileObject", R"({"DomainName": "d", "ObjectTypeName": "web",
      "Object": "{\"id\": \"w1\", \"email\": \"k@e.com\", \"first\": \"FromWeb\"}"})");
  std::set<std::string> ids = Search("_email", "k@e.com");
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(Profile(*ids.begin())["FirstName"], "FromCrm");
  // Level 2 (LastName) matches but is above MaxAllowedRuleLevelForMerging: no merge.
  std::string x = Create(R"("LastName": "Same")");
  std::string y = Create(R"("LastName": "Same")");
  EXPECT_TRUE(Exists(x));
  EXPECT_TRUE(Exists(y));
  EXPECT_EQ(Members("_profileId", x), (std::set<std::string>{x, y}));
}

TEST_F(RuleMatchTest, EnablingMergingMergesExistingGroupsAndManualMergeKeepsRowsCurrent) {
  Domain(R"({"Enabled": true, "MatchingRules": [{"Rule": ["LastName"]}]})");
  std::string a = Create(R"("LastName": "Poe", "FirstName": "A")");
  std::string b = Create(R"("LastName": "Poe", "FirstName": "B")");
  std::string c = Create(R"("LastName": "Kay")");
  std::string d = Create(R"("LastName": "Kay")");
  Ok("MergeProfiles", R"({"DomainName": "d", "MainProfileId": ")" + c +
                          R"(", "ProfileIdsToBeMerged": [")" + d + "\"]}");
  EXPECT_EQ(MatchIds().size(), 1u);
  EXPECT_TRUE(Members("_profileId", c).empty());
  Ok("UpdateDomain", R"({"DomainName": "d", "RuleBasedMatching": {"Enabled": true,
      "MatchingRules": [{"Rule": ["LastName"]}], "MaxAllowedRuleLevelForMerging": 1}})");
  EXPECT_TRUE(MatchIds().empty());
  EXPECT_TRUE(Exists(a));
  EXPECT_FALSE(Exists(b));
  EXPECT_EQ(Profile(a)["FirstName"], "B");  // both set by hand: the more recent
}

TEST_F(RuleMatchTest, ImportKeepsMatchesAndMerges) {
  Domain(R"({"Enabled": true, "MatchingRules": [{"Rule": ["EmailAddress"]}, {"Rule": ["LastName"]}],
      "MaxAllowedRuleLevelForMerging": 1})");
  std::string a = Create(R"("EmailAddress": "q@e.com", "FirstName": "Q")");
  std::istringstream in(
      R"({"ProfileId": "00000000000000000000000000000001", "EmailAddress": "Q@e.com"})"
      "\n"
      R"({"ProfileId": "00000000000000000000000000000002", "LastName": "Moe"})"
      "\n"
      R"({"ProfileId": "00000000000000000000000000000003", "LastName": "moe"})"
      "\n");
  ImportOptions options{.account_id = ctx_.account_id, .domain = "d", .batch = 2};
  auto stats = ImportProfiles(*store_, clock_, options, in);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  // The imported duplicate of a was merged (into the older id, the imported one); the level-2
  // pair is matched, not merged.
  EXPECT_EQ(Search("_email", "q@e.com").size(), 1u);
  EXPECT_FALSE(Exists(a));
  EXPECT_EQ(Profile("00000000000000000000000000000001")["FirstName"], "Q");
  EXPECT_EQ(Members("_profileId", "00000000000000000000000000000002"),
            (std::set<std::string>{"00000000000000000000000000000002",
                                   "00000000000000000000000000000003"}));
}

}  // namespace
}  // namespace profiled::service
