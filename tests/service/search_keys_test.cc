#include "service/search_keys.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "service/attribute_values.h"
#include "service/search.h"

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(DeriveSearchKeys, PredefinedKeysFromTheProfile) {
  json::object p = Obj(R"({"ProfileId": "p1", "AccountNumber": "A1",
      "EmailAddress": "e@x", "PersonalEmailAddress": "p@x", "BusinessEmailAddress": "b@x",
      "PhoneNumber": "1", "MobilePhoneNumber": "2", "HomePhoneNumber": "3",
      "BusinessPhoneNumber": "4", "FirstName": "Ann", "MiddleName": "B", "LastName": "Cole",
      "BusinessName": "not a key"})");
  std::vector<KeyRow> expected = {{"_account", "A1"},
                                  {"_email", "b@x"},
                                  {"_email", "e@x"},
                                  {"_email", "p@x"},
                                  {"_fullName", "Ann B Cole"},
                                  {"_phone", "1"},
                                  {"_phone", "2"},
                                  {"_phone", "3"},
                                  {"_phone", "4"},
                                  {"_profileId", "p1"}};
  EXPECT_EQ(DeriveSearchKeys(p), expected);
}

TEST(DeriveSearchKeys, SameValueInTwoMembersIsOneRow) {
  json::object p =
      Obj(R"({"ProfileId": "p", "EmailAddress": "e@x", "BusinessEmailAddress": "e@x"})");
  std::vector<KeyRow> expected = {{"_email", "e@x"}, {"_profileId", "p"}};
  EXPECT_EQ(DeriveSearchKeys(p), expected);
}

TEST(FullName, NoDoubledSpacesWhereAPartIsMissing) {
  EXPECT_EQ(FullName(Obj(R"({"FirstName": "Ann", "LastName": "Cole"})")), "Ann Cole");
  EXPECT_EQ(FullName(Obj(R"({"MiddleName": "B", "LastName": "Cole"})")), "B Cole");
  EXPECT_EQ(FullName(Obj(R"({"FirstName": "Ann"})")), "Ann");
  EXPECT_EQ(FullName(Obj(R"({})")), "");
}

TEST(CustomKeys, AddedKeysAreDerivedAndSurviveRemovalOfOthers) {
  json::object p = Obj(R"({"ProfileId": "p"})");
  AddCustomKey(p, "loyalty", {"L1", "L2"});
  AddCustomKey(p, "loyalty", {"L2", "L3"});
  std::vector<KeyRow> expected = {
      {"_profileId", "p"}, {"loyalty", "L1"}, {"loyalty", "L2"}, {"loyalty", "L3"}};
  EXPECT_EQ(DeriveSearchKeys(p), expected);
  EXPECT_EQ(RemoveCustomKey(p, "loyalty", {"L1", "L9"}), 1u);
  EXPECT_EQ(RemoveCustomKey(p, "other", {"x"}), 0u);
  EXPECT_EQ(RemoveCustomKey(p, "loyalty", {"L2", "L3"}), 2u);
  EXPECT_FALSE(p.contains(kCustomKeysMember));
}

TEST(DiffRows, RemovedAndAdded) {
  std::vector<KeyRow> before = {{"_email", "a"}, {"_profileId", "p"}};
  std::vector<KeyRow> after = {{"_email", "b"}, {"_profileId", "p"}};
  RowDiff d = DiffRows(before, after);
  EXPECT_EQ(d.removed, (std::vector<KeyRow>{{"_email", "a"}}));
  EXPECT_EQ(d.added, (std::vector<KeyRow>{{"_email", "b"}}));
}

TEST(FoundByItems, OnlyMatchedPairsWithMatchedValues) {
  std::vector<KeyRow> keys = {{"_email", "a@x"}, {"_phone", "1"}, {"_profileId", "p"}};
  std::vector<SearchPair> pairs = {
      {"_email", {"z@x", "a@x"}}, {"_phone", {"2"}}, {"_profileId", {"p"}}};
  json::array found = FoundByItems(keys, pairs);
  EXPECT_EQ(json::value(found), json::parse(R"([{"KeyName": "_email", "Values": ["a@x"]},
                                                {"KeyName": "_profileId", "Values": ["p"]}])"));
}

TEST(DeriveAttributeValues, MembersAddressFieldsAndAttributes) {
  json::object p = Obj(R"({"ProfileId": "p", "FirstName": "Ann",
      "Address": {"City": "Paris"}, "BillingAddress": {"Country": "FR"},
      "Attributes": {"tier": "gold"}, "_keys": {"k": ["v"]}})");
  std::vector<KeyRow> expected = {{"Address.City", "Paris"},
                                  {"Attributes.tier", "gold"},
                                  {"BillingAddress.Country", "FR"},
                                  {"FirstName", "Ann"}};
  EXPECT_EQ(DeriveAttributeValues(p), expected);
}

TEST(IsProfileAttributeName, AcceptsTheDocumentedForms) {
  EXPECT_TRUE(IsProfileAttributeName("FirstName"));
  EXPECT_TRUE(IsProfileAttributeName("Address.City"));
  EXPECT_TRUE(IsProfileAttributeName("ShippingAddress.PostalCode"));
  EXPECT_TRUE(IsProfileAttributeName("Attributes.anything"));
  EXPECT_FALSE(IsProfileAttributeName("Attributes."));
  EXPECT_FALSE(IsProfileAttributeName("Address.Nowhere"));
  EXPECT_FALSE(IsProfileAttributeName("Nope"));
  EXPECT_FALSE(IsProfileAttributeName("ProfileId"));
}

}  // namespace
}  // namespace profiled::service
