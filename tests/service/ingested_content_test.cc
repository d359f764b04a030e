// An INGESTED record leaves its Content to its object (history.h): GetProfileHistoryRecord
// answers the object's text as put, before and after everything that replaces or erases the
// object, and the record holds the copy once the object it names is gone or replaced.

#include "service/common.h"
#include "service/history.h"
#include "service/movable_clock.h"
#include "service/profile_object.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::ServiceTest;

class IngestedContentTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore(clock_));
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
    Ok("PutProfileObjectType", fixture::kEmailOrderType);
  }

  static std::string Order(std::string_view id, std::string_view email, int total) {
    return R"({"OrderId":")" + std::string(id) + R"(","email":")" + std::string(email) +
           R"(","total":)" + std::to_string(total) + "}";
  }

  // Puts `text` as an Order; the profile it went to.
  std::string Put(const std::string& text) {
    json::object in;
    in["DomainName"] = "d";
    in["ObjectTypeName"] = "Order";
    in["Object"] = text;
    EXPECT_TRUE(Call("PutProfileObject", in).ok());
    auto ids = Search("_email", json::parse(text).at("email").as_string());
    EXPECT_EQ(ids.size(), 1u);
    return ids.empty() ? "" : *ids.begin();
  }

  // The ids of the profile's INGESTED records, oldest first.
  std::vector<std::string> IngestedIds(const std::string& profile) {
    json::object r = Ok("ListProfileHistoryRecords",
                        R"({"DomainName": "d", "ProfileId": ")" + profile + R"(", "MaxResults": 100,
                            "ActionType": "INGESTED"})");
    std::vector<std::string> ids;
    for (const auto& rec : r["ProfileHistoryRecords"].as_array()) {
      ids.emplace_back(rec.at("Id").as_string());
    }
    return ids;
  }

  // The record's Content as GetProfileHistoryRecord answers it.
  std::string Content(const std::string& profile, const std::string& record) {
    json::object r =
        Ok("GetProfileHistoryRecord",
           R"({"DomainName": "d", "ProfileId": ")" + profile + R"(", "Id": ")" + record + R"("})");
    EXPECT_EQ(r.at("ActionType"), "INGESTED");
    EXPECT_FALSE(r.contains(kContentInObjectMember));
    return r.contains("Content") ? std::string(r.at("Content").as_string()) : "<none>";
  }

  // Whether the stored record leaves its Content to its object.
  bool Lazy(const std::string& record) {
    json::object stored = StoredDoc(kHistoryRecordKind, record);
    EXPECT_NE(stored.contains("Content"), stored.contains(kContentInObjectMember)) << record;
    return stored.contains(kContentInObjectMember);
  }

  fixture::ManualClock clock_;
};

TEST_F(IngestedContentTest, AStoredObjectIsTheContentAndTheRecordHoldsNoCopy) {
  const std::string text = Order("o1", "a@x.com", 5);
  std::string profile = Put(text);
  std::vector<std::string> ids = IngestedIds(profile);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_TRUE(Lazy(ids[0]));
  EXPECT_EQ(Content(profile, ids[0]), text);
  // Internal members never reach a client: the object is listed as put.
  json::object listed = Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "Order",
                                                      "ProfileId": ")" +
                                                     profile + R"("})");
  ASSERT_EQ(listed["Items"].as_array().size(), 1u);
  json::object item = listed["Items"].as_array()[0].as_object();
  EXPECT_EQ(item.at("Object").as_string(), text);
  EXPECT_FALSE(item.contains(kIngestedRecordMember));
}

TEST_F(IngestedContentTest, AProfileMadeByAnObjectHasTheProfileAsItsCreatedContent) {
  std::string profile = Put(Order("o1", "new@x.com", 5));
  json::object r = Ok("ListProfileHistoryRecords",
                      R"({"DomainName": "d", "ProfileId": ")" + profile + R"(", "MaxResults": 100,
                          "ActionType": "CREATED"})");
  ASSERT_EQ(r["ProfileHistoryRecords"].as_array().size(), 1u);
  const std::string id(r["ProfileHistoryRecords"].as_array()[0].at("Id").as_string());
  json::object got = Ok("GetProfileHistoryRecord", R"({"DomainName": "d", "ProfileId": ")" +
                                                       profile + R"(", "Id": ")" + id + R"("})");
  ASSERT_TRUE(got.contains("Content"));
  json::object content = json::parse(got.at("Content").as_string()).as_object();
  EXPECT_EQ(content.at("ProfileId").as_string(), profile);
  EXPECT_EQ(content.at("EmailAddress"), "new@x.com");  // mapped from the object
  for (const auto& member : content) EXPECT_FALSE(member.key().starts_with("_")) << member.key();
}

TEST_F(IngestedContentTest, ReplacingTheObjectKeepsEachRecordsOwnText) {
  const std::string first = Order("o1", "a@x.com", 5);
  const std::string second = Order("o1", "a@x.com", 7);
  const std::string third = Order("o1", "a@x.com", 9);
  std::string profile = Put(first);
  Put(second);
  Put(third);
  std::vector<std::string> ids = IngestedIds(profile);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_FALSE(Lazy(ids[0]));
  EXPECT_FALSE(Lazy(ids[1]));
  EXPECT_TRUE(Lazy(ids[2]));
  EXPECT_EQ(Content(profile, ids[0]), first);
  EXPECT_EQ(Content(profile, ids[1]), second);
  EXPECT_EQ(Content(profile, ids[2]), third);
}

TEST_F(IngestedContentTest, DeletingTheObjectItsTypeOrItsProfileKeepsTheText) {
  const std::string deleted = Order("o1", "a@x.com", 1);
  std::string a = Put(deleted);
  Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order",
                                "ProfileObjectUniqueKey": "o1", "ProfileId": ")" +
                                a + R"("})");
  std::string a_record = IngestedIds(a).at(0);
  EXPECT_FALSE(Lazy(a_record));
  EXPECT_EQ(Content(a, a_record), deleted);

  const std::string with_profile = Order("o2", "b@x.com", 2);
  std::string b = Put(with_profile);
  std::string b_record = IngestedIds(b).at(0);
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + b + R"("})");
  EXPECT_FALSE(Lazy(b_record));
  EXPECT_EQ(Content(b, b_record), with_profile);

  const std::string with_type = Order("o3", "c@x.com", 3);
  std::string c = Put(with_type);
  std::string c_record = IngestedIds(c).at(0);
  Ok("DeleteProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  EXPECT_FALSE(Lazy(c_record));
  EXPECT_EQ(Content(c, c_record), with_type);
}

TEST_F(IngestedContentTest, AMergedProfilesObjectStillAnswersItsRecord) {
  const std::string text = Order("o1", "gone@x.com", 4);
  std::string gone = Put(text);
  std::string main = Put(Order("o2", "main@x.com", 8));
  std::string record = IngestedIds(gone).at(0);
  Ok("MergeProfiles", R"({"DomainName": "d", "MainProfileId": ")" + main +
                          R"(", "ProfileIdsToBeMerged": [")" + gone + R"("]})");
  // The object moved to the main profile unchanged: the record still leaves it its text.
  EXPECT_TRUE(Lazy(record));
  EXPECT_EQ(Content(gone, record), text);
  // And keeps it when the moved object is replaced.
  Put(Order("o1", "main@x.com", 6));
  EXPECT_FALSE(Lazy(record));
  EXPECT_EQ(Content(gone, record), text);
}

TEST_F(IngestedContentTest, AnObjectOverTheTypesLimitKeepsItsText) {
  Ok("PutProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Last", "Description": "d",
    "AllowProfileCreation": true, "MaxProfileObjectCount": 1,
    "Fields": {"OrderId": {"Source": "_source.OrderId"},
               "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"}},
    "Keys": {"OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
             "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]}})");
  auto put = [&](const std::string& text) {
    json::object in;
    in["DomainName"] = "d";
    in["ObjectTypeName"] = "Last";
    in["Object"] = text;
    EXPECT_TRUE(Call("PutProfileObject", in).ok());
  };
  const std::string older = Order("l1", "l@x.com", 1);
  put(older);
  clock_.Advance(1000);
  put(Order("l2", "l@x.com", 2));  // drops l1, the older
  std::string profile = *Search("_email", "l@x.com").begin();
  std::vector<std::string> ids = IngestedIds(profile);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_FALSE(Lazy(ids[0]));
  EXPECT_EQ(Content(profile, ids[0]), older);
  EXPECT_TRUE(Lazy(ids[1]));
}

}  // namespace
}  // namespace profiled::service
