// MergeProfiles' rules as plain functions: which profile each field comes from, the id checks,
// the named steps of MergeProfileDocuments (FieldSourceMemberFor, MergeFieldOfPath,
// MergedProvenance) and the merged document (fields, attributes, keys, provenance).
#include "service/merge.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "service/profile_object.h"
#include "service/search_keys.h"

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

const std::string kMain = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const std::string kC = "cccccccccccccccccccccccccccccccc";

TEST(ChooseFieldSource, MainWinsThenFirstMergedHolder) {
  EXPECT_EQ(ChooseFieldSource(std::nullopt, {true, true, true}), 0u);
  EXPECT_EQ(ChooseFieldSource(std::nullopt, {false, false, true}), 2u);
  EXPECT_EQ(ChooseFieldSource(std::nullopt, {false, true, true}), 1u);
  EXPECT_EQ(ChooseFieldSource(std::nullopt, {false, false, false}), std::nullopt);
}

TEST(ChooseFieldSource, NamedProfileIsTakenEvenWhenItLacksTheField) {
  EXPECT_EQ(ChooseFieldSource(2, {true, true, true}), 2u);
  EXPECT_EQ(ChooseFieldSource(1, {true, false, true}), std::nullopt);
  EXPECT_EQ(ChooseFieldSource(0, {true, true}), 0u);
}

TEST(CheckMergeIds, RefusesTheMainProfileAndRepeats) {
  EXPECT_TRUE(CheckMergeIds(kMain, {kB, kC}).ok());
  Status self = CheckMergeIds(kMain, {kB, kMain});
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(self.error().message().find(kMain), std::string::npos);
  Status twice = CheckMergeIds(kMain, {kB, kC, kB});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(twice.error().message().find(kB), std::string::npos);
}

class MergeDocumentsTest : public ::testing::Test {
 protected:
  json::object main_ = Obj(R"({"ProfileId": ")" + kMain + R"(", "FirstName": "Ann",
      "EmailAddress": "ann@main", "Address": {"City": "Paris", "Country": "FR"},
      "Attributes": {"tier": "gold", "shared": "main"}, "_hlast": "x"})");
  json::object b_ = Obj(R"({"ProfileId": ")" + kB + R"(", "FirstName": "Anne",
      "LastName": "Cole", "EmailAddress": "anne@b", "Address": {"City": "Nice"},
      "MailingAddress": {"City": "Lyon", "PostalCode": "69000"},
      "Attributes": {"shared": "b", "onlyB": "1"},
      "_keys": {"loyaltyId": ["L-1"]}})");
  json::object c_ = Obj(R"({"ProfileId": ")" + kC + R"(", "LastName": "Colé",
      "MiddleName": "Q", "PhoneNumber": "+33", "Attributes": {"onlyC": "2"}})");

  json::object Merge(std::string_view sources) {
    json::object s = sources.empty() ? json::object() : Obj(sources);
    auto r = MergeProfileDocuments(main_, {b_, c_}, sources.empty() ? nullptr : &s);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : json::object();
  }
};

TEST_F(MergeDocumentsTest, WithoutSourcesMainWinsAndMissingFieldsAreUnioned) {
  json::object out = Merge("");
  EXPECT_EQ(out.at("ProfileId").as_string(), kMain);
  EXPECT_EQ(out.at("FirstName"), "Ann");
  EXPECT_EQ(out.at("EmailAddress"), "ann@main");
  EXPECT_EQ(out.at("LastName"), "Cole");  // b before c in ProfileIdsToBeMerged
  EXPECT_EQ(out.at("MiddleName"), "Q");
  EXPECT_EQ(out.at("PhoneNumber"), "+33");
  // Addresses are taken whole: main's Address has no PostalCode and gets none from b.
  EXPECT_EQ(out.at("Address"), Obj(R"({"City": "Paris", "Country": "FR"})"));
  EXPECT_EQ(out.at("MailingAddress"), Obj(R"({"City": "Lyon", "PostalCode": "69000"})"));
  EXPECT_EQ(out.at("Attributes"),
            Obj(R"({"tier": "gold", "shared": "main", "onlyB": "1", "onlyC": "2"})"));
  EXPECT_EQ(out.at("_hlast"), "x");
}

TEST_F(MergeDocumentsTest, NamedSourcesWinEvenWithNothing) {
  json::object out =
      Merge(R"({"FirstName": ")" + kB + R"(", "Address": ")" + kB + R"(", "EmailAddress": ")" + kC +
            R"(", "LastName": ")" + kC + R"(", "Attributes": {"shared": ")" + kB +
            R"(", "tier": ")" + kC + R"("}})");
  EXPECT_EQ(out.at("FirstName"), "Anne");
  EXPECT_EQ(out.at("Address"), Obj(R"({"City": "Nice"})"));
  EXPECT_FALSE(out.contains("EmailAddress"));  // c has none: "even if it is a NULL value"
  EXPECT_EQ(out.at("LastName"), "Colé");
  EXPECT_EQ(out.at("Attributes"), Obj(R"({"shared": "b", "onlyB": "1", "onlyC": "2"})"));
}

TEST_F(MergeDocumentsTest, MainCanBeNamedExplicitly) {
  json::object out = Merge(R"({"LastName": ")" + kMain + R"("})");
  EXPECT_FALSE(out.contains("LastName"));
}

TEST_F(MergeDocumentsTest, SourceOutsideTheMergeIsBadRequest) {
  const std::string stranger = "dddddddddddddddddddddddddddddddd";
  for (std::string sources : {R"({"FirstName": ")" + stranger + R"("})",
                              R"({"Attributes": {"tier": ")" + stranger + R"("}})"}) {
    json::object s = Obj(sources);
    auto r = MergeProfileDocuments(main_, {b_, c_}, &s);
    ASSERT_FALSE(r.ok()) << sources;
    EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
    EXPECT_NE(r.error().message().find(stranger), std::string::npos);
  }
}

TEST_F(MergeDocumentsTest, MergedProfilesKeysMoveToMainButNotTheirIds) {
  json::object out = Merge("");
  std::vector<KeyRow> keys = DeriveSearchKeys(out);
  auto has = [&](std::string name, std::string value) {
    return std::find(keys.begin(), keys.end(), KeyRow{name, value}) != keys.end();
  };
  EXPECT_TRUE(has("_email", "ann@main"));
  EXPECT_TRUE(has("_email", "anne@b"));
  EXPECT_TRUE(has("_fullName", "Anne Cole"));
  EXPECT_TRUE(has("_fullName", "Q Colé"));
  EXPECT_TRUE(has("_phone", "+33"));
  EXPECT_TRUE(has("loyaltyId", "L-1"));
  EXPECT_TRUE(has("_profileId", kMain));
  EXPECT_FALSE(has("_profileId", kB));
  EXPECT_FALSE(has("_profileId", kC));
}

TEST_F(MergeDocumentsTest, ProvenanceFollowsTheChosenValue) {
  main_[kIngestedMember] = Obj(R"({"FirstName": {"Value": "Ann", "ObjectTypeName": "M"},
      "Address.City": {"Value": "Paris", "ObjectTypeName": "M"}})");
  b_[kIngestedMember] = Obj(R"({"FirstName": {"Value": "Anne", "ObjectTypeName": "B"},
      "LastName": {"Value": "Cole", "ObjectTypeName": "B"},
      "Address.City": {"Value": "Nice", "ObjectTypeName": "B"},
      "Attributes.onlyB": {"Value": "1", "ObjectTypeName": "B"}})");
  json::object out = Merge(R"({"Address": ")" + kB + R"("})");
  EXPECT_EQ(out.at(kIngestedMember), Obj(R"({
      "FirstName": {"Value": "Ann", "ObjectTypeName": "M"},
      "Address.City": {"Value": "Nice", "ObjectTypeName": "B"},
      "LastName": {"Value": "Cole", "ObjectTypeName": "B"},
      "Attributes.onlyB": {"Value": "1", "ObjectTypeName": "B"}})"));
}

TEST(FieldSourceMemberFor, MembersOfFieldSourceProfileIdsDecideThemselves) {
  for (std::string_view m : {"FirstName", "PartyType", "Gender", "ProfileType", "Address",
                             "BillingAddress", "Attributes", "EngagementPreferences"}) {
    EXPECT_EQ(FieldSourceMemberFor(m), m);
  }
}

TEST(FieldSourceMemberFor, StringCompanionsFollowTheMemberTheyStandBeside) {
  EXPECT_EQ(FieldSourceMemberFor("PartyTypeString"), "PartyType");
  EXPECT_EQ(FieldSourceMemberFor("GenderString"), "Gender");
}

TEST(FieldSourceMemberFor, OthersHaveNone) {
  EXPECT_EQ(FieldSourceMemberFor("ProfileId"), std::nullopt);
  EXPECT_EQ(FieldSourceMemberFor("NopeString"), std::nullopt);
  EXPECT_EQ(FieldSourceMemberFor("String"), std::nullopt);
  EXPECT_EQ(FieldSourceMemberFor(""), std::nullopt);
}

TEST(MergeFieldOfPath, MapEntriesAreFieldsAddressLinesBelongToTheirAddress) {
  EXPECT_EQ(MergeFieldOfPath("Attributes.tier"), "Attributes.tier");
  EXPECT_EQ(MergeFieldOfPath("Attributes.a.b"), "Attributes.a.b");
  EXPECT_EQ(MergeFieldOfPath("Address.City"), "Address");
  EXPECT_EQ(MergeFieldOfPath("ShippingAddress.PostalCode"), "ShippingAddress");
  EXPECT_EQ(MergeFieldOfPath("FirstName"), "FirstName");
  EXPECT_EQ(MergeFieldOfPath("Attributes"), "Attributes");
}

TEST(MergedProvenance, KeepsEachRecordOfTheParticipantItsFieldCameFrom) {
  json::object main = Obj(R"({"_ingested": {
      "FirstName": {"Value": "Ann"}, "Address.City": {"Value": "Paris"},
      "Attributes.tier": {"Value": "gold"}}})");
  json::object b = Obj(R"({"_ingested": {
      "FirstName": {"Value": "Anne"}, "Address.City": {"Value": "Nice"},
      "Address.Country": {"Value": "FR"}, "LastName": {"Value": "Cole"}}})");
  json::object c = Obj(R"({"FirstName": "no records"})");
  std::map<std::string, size_t> chosen = {
      {"FirstName", 0}, {"Address", 1}, {"Attributes.tier", 1}, {"LastName", 1}};
  EXPECT_EQ(MergedProvenance({&main, &b, &c}, chosen), Obj(R"({
      "FirstName": {"Value": "Ann"}, "Address.City": {"Value": "Nice"},
      "Address.Country": {"Value": "FR"}, "LastName": {"Value": "Cole"}})"));
  EXPECT_TRUE(MergedProvenance({&main, &b, &c}, {}).empty());
}

TEST(MergeProfileDocuments, StringCompanionFollowsTheNamedSourceOfItsMember) {
  json::object main = Obj(R"({"ProfileId": ")" + kMain +
                          R"(", "PartyType": "INDIVIDUAL", "PartyTypeString": "person",
                          "GenderString": "g-main"})");
  json::object b = Obj(R"({"ProfileId": ")" + kB +
                       R"(", "PartyType": "BUSINESS", "PartyTypeString": "company",
                       "GenderString": "g-b"})");
  json::object sources = Obj(R"({"PartyType": ")" + kB + R"("})");
  auto out = MergeProfileDocuments(main, {b}, &sources);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(out->at("PartyType"), "BUSINESS");
  EXPECT_EQ(out->at("PartyTypeString"), "company");
  EXPECT_EQ(out->at("GenderString"), "g-main");  // Gender not named: the main profile's
}

TEST(MergeProfileDocuments, EngagementPreferencesAreOneFieldTakenWhole) {
  json::object main = Obj(R"({"ProfileId": ")" + kMain + R"(", "EngagementPreferences":
      {"Phone": [{"KeyName": "_phone", "KeyValue": "+1"}]}})");
  json::object b = Obj(R"({"ProfileId": ")" + kB + R"(", "EngagementPreferences":
      {"Email": [{"KeyName": "_email", "KeyValue": "b@x"}]}})");
  auto kept = MergeProfileDocuments(main, {b}, nullptr);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->at("EngagementPreferences"), main.at("EngagementPreferences"));
  json::object sources = Obj(R"({"EngagementPreferences": ")" + kB + R"("})");
  auto taken = MergeProfileDocuments(main, {b}, &sources);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->at("EngagementPreferences"), b.at("EngagementPreferences"));
}

TEST(MergeProfileDocuments, NoProvenanceLeftMeansNoIngestedMember) {
  json::object main = Obj(R"({"ProfileId": ")" + kMain + R"(", "_ingested": {}})");
  json::object b = Obj(R"({"ProfileId": ")" + kB + R"(", "FirstName": "B"})");
  auto out = MergeProfileDocuments(main, {b}, nullptr);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->contains(kIngestedMember));
  EXPECT_EQ(out->at("FirstName"), "B");
}

}  // namespace
}  // namespace profiled::service
