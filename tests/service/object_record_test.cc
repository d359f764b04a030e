// The pure steps of PutProfileObject (profile_object.h) and the history record layout
// (history_record.h).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <regex>

#include "service/history.h"
#include "service/history_record.h"
#include "service/profile_object.h"

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

ObjectKeyValue Key(std::string name, std::string value) {
  ObjectKeyValue k;
  k.def.name = std::move(name);
  k.value = std::move(value);
  return k;
}

TEST(ObjectRecord, KeysHoldEachValueOnceInOrder) {
  std::vector<ObjectKeyValue> keys{Key("OrderId", "o1"), Key("_email", "a@x"), Key("_email", "b@x"),
                                   Key("_email", "a@x")};
  EXPECT_EQ(ObjectKeysMember(keys), Obj(R"({"OrderId": ["o1"], "_email": ["a@x", "b@x"]})"));
  EXPECT_TRUE(ObjectKeysMember({}).empty());
}

TEST(ObjectRecord, NewRecordKeepsTheReplacedRecordsCreationTime) {
  std::vector<ObjectKeyValue> keys{Key("OrderId", "o1")};
  json::object fresh =
      NewObjectRecord("Order", "o1", "p1", R"({"OrderId":"o1"})", keys, nullptr, 50);
  EXPECT_EQ(fresh, Obj(R"({"ObjectTypeName": "Order", "ProfileObjectUniqueKey": "o1",
      "ProfileId": "p1", "Object": "{\"OrderId\":\"o1\"}", "Keys": {"OrderId": ["o1"]},
      "Size": 16, "CreatedAt": 50.0, "UpdatedAt": 50.0, "_v": 2})"));
  json::object replaced = NewObjectRecord("Order", "o1", "p2", "{}", keys, &fresh, 60);
  EXPECT_EQ(replaced.at("CreatedAt"), json::value(50.0));
  EXPECT_EQ(replaced.at("UpdatedAt"), json::value(60.0));
  EXPECT_EQ(replaced.at("Size"), 2);
  json::object no_time = Obj("{}");
  EXPECT_EQ(NewObjectRecord("Order", "o1", "p2", "{}", keys, &no_time, 70).at("CreatedAt"),
            json::value(70.0));
}

TEST(ObjectRecord, RejectionNamesTheTypeAndTheAmbiguousKeys) {
  Resolution r;
  EXPECT_EQ(RejectionMessage(r, "Order"),
            "No profile matches the object's keys and object type Order does not allow profile "
            "creation (AllowProfileCreation is false); the object was not stored");
  r.ambiguous = {"_email", "_phone"};
  EXPECT_NE(RejectionMessage(r, "Order")
                .find("keys (ambiguous, matching several profiles: _email _phone) and object type"),
            std::string::npos);
}

TEST(ObjectRecord, OverTheLimitAreTheOldest) {
  std::vector<json::object> records{Obj(R"({"id": "b", "UpdatedAt": 20})"),
                                    Obj(R"({"id": "a", "UpdatedAt": 10})"),
                                    Obj(R"({"id": "c", "UpdatedAt": 30})"), Obj(R"({"id": "n"})")};
  auto drop = ObjectsOverLimit(records, 2);
  ASSERT_EQ(drop.size(), 2u);
  EXPECT_EQ(drop[0].at("id"), "n");  // no UpdatedAt: oldest
  EXPECT_EQ(drop[1].at("id"), "a");
  EXPECT_TRUE(ObjectsOverLimit(records, 4).empty());
  EXPECT_TRUE(ObjectsOverLimit(records, 0).empty());  // no limit
  EXPECT_EQ(ObjectsOverLimit(records, 1).size(), 3u);
}

TEST(HistoryRecord, LayoutAndTheProfilesLastId) {
  json::object profile{{"ProfileId", "p1"}};
  RequestContext ctx{"123456789012", "us-east-1", "req"};
  json::object r = NewHistoryRecord(ctx, profile, {"INGESTED", "Order", "o1", "{\"a\":1}"}, 1.5);
  ASSERT_TRUE(r.at("Id").is_string());
  std::string id(r.at("Id").as_string());
  EXPECT_TRUE(std::regex_match(id, std::regex("[a-f0-9]{32}"))) << id;
  EXPECT_EQ(id.substr(0, 20), profile.at(kHistoryLastMember).as_string());
  std::vector<std::string> keys;
  for (const auto& [k, v] : r) keys.emplace_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"Id", "ObjectTypeName", "CreatedAt", "LastUpdatedAt",
                                            "ActionType", "ProfileObjectUniqueKey", "PerformedBy",
                                            "Content"}));
  EXPECT_EQ(r.at("ObjectTypeName"), "Order");
  EXPECT_EQ(r.at("CreatedAt"), json::value(1.5));
  EXPECT_EQ(r.at("LastUpdatedAt"), json::value(1.5));
  EXPECT_EQ(r.at("ActionType"), "INGESTED");
  EXPECT_EQ(r.at("ProfileObjectUniqueKey"), "o1");
  EXPECT_EQ(r.at("PerformedBy"), "arn:aws:iam::123456789012:root");
  EXPECT_EQ(r.at("Content"), "{\"a\":1}");
  json::object created = NewHistoryRecord(ctx, profile, {"CREATED", "_profile", "", ""}, 1.5);
  EXPECT_FALSE(created.contains("ProfileObjectUniqueKey"));
  EXPECT_LT(id, std::string(created.at("Id").as_string()));
}

}  // namespace
}  // namespace profiled::service
