// DeleteProfileObjectType scrubs the profile fields its objects populated, on each store
// (service/type_scrub.h). Source: the model's documentation of DeleteProfileObjectType
// (API reference, DeleteProfileObjectType): "In addition, it scrubs all of the fields of the
// standard profile that were populated from this ProfileObjectType."
#include <boost/json.hpp>
#include <string>

#include "service/service_fixture.h"
#include "service/type_scrub.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

constexpr std::string_view kOrderType = R"({"DomainName": "d", "ObjectTypeName": "Order",
  "Description": "orders", "AllowProfileCreation": true,
  "Fields": {
    "Id": {"Source": "_source.Id"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "first": {"Source": "_source.first", "Target": "_profile.FirstName"},
    "city": {"Source": "_source.city", "Target": "_profile.Address.City"},
    "tier": {"Source": "_source.tier", "Target": "_profile.Attributes.tier"}
  },
  "Keys": {
    "Id": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["Id"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
  }})";

constexpr std::string_view kLeadType = R"({"DomainName": "d", "ObjectTypeName": "Lead",
  "Description": "leads", "AllowProfileCreation": true,
  "Fields": {
    "LeadId": {"Source": "_source.LeadId"},
    "email": {"Source": "_source.email"},
    "last": {"Source": "_source.last", "Target": "_profile.LastName"},
    "country": {"Source": "_source.country", "Target": "_profile.Address.Country"}
  },
  "Keys": {
    "LeadId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["LeadId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
  }})";

TEST(ScrubIngestedFields, RemovesOnlyTheTypesFieldsStillHoldingTheirIngestedValue) {
  json::object profile = Obj(R"({"ProfileId": "p", "FirstName": "Anna", "EmailAddress": "a@x",
      "LastName": "Lee", "Address": {"City": "Oslo", "Country": "NO"},
      "Attributes": {"tier": "gold"},
      "_ingested": {
        "FirstName": {"Value": "Ann", "ObjectTypeName": "Order"},
        "EmailAddress": {"Value": "a@x", "ObjectTypeName": "Order"},
        "Address.City": {"Value": "Oslo", "ObjectTypeName": "Order"},
        "Attributes.tier": {"Value": "gold", "ObjectTypeName": "Order"},
        "LastName": {"Value": "Lee", "ObjectTypeName": "Lead"},
        "Address.Country": {"Value": "NO", "ObjectTypeName": "Lead"}}})");
  bool changed = false;
  auto removed = ScrubIngestedFields(profile, "Order", &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(removed, (std::vector<std::string>{"EmailAddress", "Address.City", "Attributes.tier"}));
  EXPECT_EQ(profile, Obj(R"({"ProfileId": "p", "FirstName": "Anna", "LastName": "Lee",
      "Address": {"Country": "NO"},
      "_ingested": {
        "LastName": {"Value": "Lee", "ObjectTypeName": "Lead"},
        "Address.Country": {"Value": "NO", "ObjectTypeName": "Lead"}}})"));
  // The rows the profile store derives name the types left.
  EXPECT_EQ(IngestedTypeRows(profile),
            (std::vector<std::pair<std::string, std::string>>{{"ingtype", "Lead"}}));
  ScrubIngestedFields(profile, "Order", &changed);
  EXPECT_FALSE(changed);
}

class TypeScrubTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
    Ok("PutProfileObjectType", kOrderType);
    Ok("PutProfileObjectType", kLeadType);
  }
  void Put(std::string_view type, std::string_view object) {
    json::object in{{"DomainName", "d"}, {"ObjectTypeName", type}, {"Object", object}};
    auto r = Call("PutProfileObject", in);
    EXPECT_TRUE(r.ok()) << r.error().message();
  }
  std::string ProfileOf(std::string_view email) {
    auto ids = Search("_email", email);
    return ids.size() == 1 ? *ids.begin() : "";
  }
  json::object Profile(const std::string& id) {
    json::object r =
        Ok("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + id + R"("]})");
    auto& profiles = r.at("Profiles").as_array();
    if (profiles.empty()) return {};
    json::object p = profiles.at(0).as_object();
    p.erase("ProfileId");
    return p;
  }
};

TEST_F(TypeScrubTest, TheTypesFieldsGoAndOthersStay) {
  Put("Order", R"({"Id": "o1", "email": "a@x.com", "first": "Ann", "city": "Oslo",
                   "tier": "gold"})");
  Put("Lead", R"({"LeadId": "l1", "email": "a@x.com", "last": "Lee", "country": "NO"})");
  std::string p = ProfileOf("a@x.com");
  ASSERT_FALSE(p.empty());
  // Set by hand after the ingestion: kept.
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + p + R"(", "FirstName": "Anna",
                          "PhoneNumber": "+4711"})");
  EXPECT_EQ(Profile(p), Obj(R"({"EmailAddress": "a@x.com", "FirstName": "Anna", "LastName": "Lee",
      "PhoneNumber": "+4711", "Address": {"City": "Oslo", "Country": "NO"},
      "Attributes": {"tier": "gold"}})"));

  Ok("DeleteProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  EXPECT_EQ(Profile(p), Obj(R"({"FirstName": "Anna", "LastName": "Lee", "PhoneNumber": "+4711",
      "Address": {"Country": "NO"}})"));

  // The type put back populates afresh, and the profile is found again by its key.
  Ok("PutProfileObjectType", kOrderType);
  Put("Order", R"({"Id": "o2", "email": "a@x.com", "city": "Bergen"})");
  EXPECT_EQ(ProfileOf("a@x.com"), p);
  EXPECT_EQ(Profile(p).at("Address"), Obj(R"({"City": "Bergen", "Country": "NO"})"));
}

TEST_F(TypeScrubTest, AProfileWhoseObjectsOfTheTypeWereDeletedIsScrubbedToo) {
  Put("Order", R"({"Id": "o1", "email": "b@x.com", "first": "Bob"})");
  std::string p = ProfileOf("b@x.com");
  ASSERT_FALSE(p.empty());
  Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order", "ProfileId": ")" + p +
                                R"(", "ProfileObjectUniqueKey": "o1"})");
  EXPECT_EQ(Profile(p), Obj(R"({"EmailAddress": "b@x.com", "FirstName": "Bob"})"));
  Ok("DeleteProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  EXPECT_EQ(Profile(p), json::object());
}

TEST_F(TypeScrubTest, FieldsAMergeTookFromAnotherProfileAreScrubbed) {
  Put("Order", R"({"Id": "o1", "email": "a@x.com", "first": "Ann"})");
  std::string a = ProfileOf("a@x.com");
  std::string b = Create(R"("LastName": "Byhand")");
  json::object in{{"DomainName", "d"},
                  {"MainProfileId", b},
                  {"ProfileIdsToBeMerged", json::array{json::value(a)}}};
  auto merged = Call("MergeProfiles", in);
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_EQ(Profile(b).at("FirstName"), "Ann");
  Ok("DeleteProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  EXPECT_EQ(Profile(b), Obj(R"({"LastName": "Byhand"})"));
}

TEST_F(TypeScrubTest, ValuesSetByHandAreNeverScrubbed) {
  std::string p = Create(R"("FirstName": "Cy", "EmailAddress": "c@x.com")");
  Ok("DeleteProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  EXPECT_EQ(Profile(p), Obj(R"({"FirstName": "Cy", "EmailAddress": "c@x.com"})"));
}

}  // namespace
}  // namespace profiled::service
