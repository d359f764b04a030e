#include "service/profile_patch.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(NewProfileFromCreate, KeepsEveryMemberOfTheProfileShape) {
  json::object in = Obj(R"({
    "DomainName": "d", "AccountNumber": "A1", "AdditionalInformation": "info",
    "PartyType": "INDIVIDUAL", "BusinessName": "Biz", "FirstName": "Ann", "MiddleName": "B",
    "LastName": "Cole", "BirthDate": "1990-01-01", "Gender": "FEMALE",
    "PhoneNumber": "+1", "MobilePhoneNumber": "+2", "HomePhoneNumber": "+3",
    "BusinessPhoneNumber": "+4", "EmailAddress": "a@x", "PersonalEmailAddress": "p@x",
    "BusinessEmailAddress": "b@x", "PartyTypeString": "pt", "GenderString": "gs",
    "ProfileType": "PROFILE",
    "Address": {"City": "Paris", "Country": "FR"}, "ShippingAddress": {"Address1": "s1"},
    "MailingAddress": {"PostalCode": "75001"}, "BillingAddress": {"State": "IDF"},
    "Attributes": {"tier": "gold"},
    "EngagementPreferences": {"Phone": [{"KeyName": "_phone", "KeyValue": "+1"}],
                              "Email": [{"KeyName": "_email", "KeyValue": "a@x"}]}})");
  auto p = NewProfileFromCreate(in, "0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(p.ok()) << p.error().message();
  json::object expected = in;
  expected.erase("DomainName");
  expected["ProfileId"] = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(*p, expected);
  EXPECT_EQ(p->begin()->key(), "ProfileId");
}

TEST(NewProfileFromCreate, EmptyStringIsBadRequestNamingTheMember) {
  auto p = NewProfileFromCreate(Obj(R"({"FirstName": ""})"), "id");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(p.error().message().find("FirstName"), std::string::npos);

  auto a = NewProfileFromCreate(Obj(R"({"Address": {"City": ""}})"), "id");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message().find("Address.City"), std::string::npos);

  auto m = NewProfileFromCreate(Obj(R"({"Attributes": {"k": ""}})"), "id");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("Attributes.k"), std::string::npos);
}

TEST(ApplyProfileUpdate, EmptyRemovesAbsentKeepsValueReplaces) {
  json::object current = Obj(R"({"ProfileId": "p", "FirstName": "Ann", "LastName": "Cole",
                                 "EmailAddress": "old@x", "_keys": {"k": ["v"]}})");
  json::object update = Obj(R"({"DomainName": "d", "ProfileId": "p", "FirstName": "",
                                "EmailAddress": "new@x", "BusinessName": "Biz"})");
  json::object after = ApplyProfileUpdate(current, update);
  EXPECT_EQ(after, Obj(R"({"ProfileId": "p", "LastName": "Cole", "EmailAddress": "new@x",
                           "_keys": {"k": ["v"]}, "BusinessName": "Biz"})"));
}

TEST(ApplyProfileUpdate, AddressFieldsPatchOneByOne) {
  json::object current = Obj(R"({"ProfileId": "p",
      "Address": {"City": "Paris", "Country": "FR"}, "BillingAddress": {"City": "Lyon"}})");
  json::object after = ApplyProfileUpdate(
      current, Obj(R"({"Address": {"City": "Nice"}, "BillingAddress": {"City": ""},
                       "MailingAddress": {"Country": "DE", "City": ""}})"));
  EXPECT_EQ(after, Obj(R"({"ProfileId": "p", "Address": {"City": "Nice", "Country": "FR"},
                           "MailingAddress": {"Country": "DE"}})"));
  json::object removed = ApplyProfileUpdate(after, Obj(R"({"Address": {"City": ""}})"));
  EXPECT_EQ(removed.at("Address"), Obj(R"({"Country": "FR"})"));
}

TEST(ApplyProfileUpdate, AttributesAddBesideAndRemoveByEmpty) {
  json::object current = Obj(R"({"ProfileId": "p", "Attributes": {"a": "1", "b": "2"}})");
  json::object after =
      ApplyProfileUpdate(current, Obj(R"({"Attributes": {"c": "3", "a": "", "b": "22"}})"));
  EXPECT_EQ(after.at("Attributes"), Obj(R"({"b": "22", "c": "3"})"));
  json::object cleared = ApplyProfileUpdate(after, Obj(R"({"Attributes": {"b": "", "c": ""}})"));
  EXPECT_FALSE(cleared.contains("Attributes"));
}

TEST(ApplyProfileUpdate, EngagementPreferencesListsReplaceWhenGiven) {
  json::object current = Obj(R"({"ProfileId": "p", "EngagementPreferences": {
      "Phone": [{"KeyValue": "+1"}], "Email": [{"KeyValue": "a@x"}]}})");
  json::object after = ApplyProfileUpdate(
      current, Obj(R"({"EngagementPreferences": {"Phone": [{"KeyValue": "+2"}]}})"));
  EXPECT_EQ(after.at("EngagementPreferences"),
            Obj(R"({"Phone": [{"KeyValue": "+2"}], "Email": [{"KeyValue": "a@x"}]})"));
  json::object emptied =
      ApplyProfileUpdate(after, Obj(R"({"EngagementPreferences": {"Phone": [], "Email": []}})"));
  EXPECT_FALSE(emptied.contains("EngagementPreferences"));
}

TEST(ApplyProfileUpdate, EnumAlternativesRoundTrip) {
  json::object after =
      ApplyProfileUpdate(Obj(R"({"ProfileId": "p"})"),
                         Obj(R"({"PartyType": "BUSINESS", "PartyTypeString": "x", "Gender": "MALE",
              "GenderString": "y", "ProfileType": "ACCOUNT_PROFILE"})"));
  EXPECT_EQ(after, Obj(R"({"ProfileId": "p", "PartyType": "BUSINESS", "PartyTypeString": "x",
                           "Gender": "MALE", "GenderString": "y",
                           "ProfileType": "ACCOUNT_PROFILE"})"));
}

TEST(PublicProfile, HidesInternalMembers) {
  EXPECT_EQ(PublicProfile(Obj(R"({"ProfileId": "p", "_keys": {}, "_hlast": "x", "A": "b"})")),
            Obj(R"({"ProfileId": "p", "A": "b"})"));
}

}  // namespace
}  // namespace profiled::service
