// Object types and profile objects through the registry on a real SQLite store: the issue's
// scenario (orders resolved to profiles by email) and each resolution rule end to end.
#include <atomic>
#include <boost/json/serialize.hpp>
#include <set>
#include <thread>

#include "service/common.h"
#include "service/profile_object.h"
#include "service/service_fixture.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

constexpr std::string_view kOrderType = R"({"DomainName": "d", "ObjectTypeName": "Order",
  "Description": "orders", "AllowProfileCreation": true,
  "Fields": {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "phone": {"Source": "_source.phone", "Target": "_profile.PhoneNumber"},
    "first": {"Source": "_source.first", "Target": "_profile.FirstName"},
    "loyalty": {"Source": "_source.loyalty"},
    "total": {"Source": "_source.total"}
  },
  "Keys": {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
    "_phone": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["phone"]}],
    "loyaltyId": [{"StandardIdentifiers": ["PROFILE", "LOOKUP_ONLY"], "FieldNames": ["loyalty"]}]
  }})";

class ObjectServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d"})");
  }

  Result<json::object> Put(std::string_view type, std::string_view object) {
    json::object in;
    in["DomainName"] = "d";
    in["ObjectTypeName"] = type;
    in["Object"] = object;
    return Call("PutProfileObject", in);
  }
  std::string OnlyProfile(std::string_view key, std::string_view value) {
    auto ids = Search(key, value);
    EXPECT_EQ(ids.size(), 1u) << key << "=" << value;
    return ids.empty() ? "" : *ids.begin();
  }
  std::vector<std::string> Objects(const std::string& profile_id, std::string_view extra = "") {
    json::object r = Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "Order",
        "ProfileId": ")" + profile_id + "\"" + std::string(extra) +
                                                  "}");
    std::vector<std::string> keys;
    for (const auto& item : r["Items"].as_array()) {
      keys.emplace_back(item.at("ProfileObjectUniqueKey").as_string());
    }
    return keys;
  }
  json::object Profile(const std::string& id) {
    json::object r = Ok("SearchProfiles", R"({"DomainName": "d", "KeyName": "_profileId",
        "Values": [")" + id + R"("]})");
    return r.at("Items").as_array().at(0).as_object();
  }
};

TEST_F(ObjectServiceTest, ObjectTypeLifecycle) {
  json::object put = Ok("PutProfileObjectType", kOrderType);
  EXPECT_EQ(put.at("ObjectTypeName"), "Order");
  EXPECT_EQ(put.at("CreatedAt"), 1700000000.0);
  json::object got =
      Ok("GetProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  EXPECT_EQ(got.at("Keys"), put.at("Keys"));
  Ok("PutProfileObjectType",
     R"({"DomainName": "d", "ObjectTypeName": "Shop", "Description": "s",
         "TemplateId": "Shopify-customers", "Tags": {"team": "x"}})");
  json::object list = Ok("ListProfileObjectTypes", R"({"DomainName": "d", "MaxResults": 1})");
  ASSERT_EQ(list.at("Items").as_array().size(), 1u);
  ASSERT_TRUE(list.contains("NextToken"));
  json::object next =
      Ok("ListProfileObjectTypes", R"({"DomainName": "d", "NextToken": ")" +
                                       std::string(list.at("NextToken").as_string()) + "\"}");
  ASSERT_EQ(next.at("Items").as_array().size(), 1u);
  EXPECT_EQ(next.at("Items").as_array()[0].at("Tags").at("team"), "x");
  EXPECT_FALSE(next.contains("NextToken"));
  Ok("DeleteProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Shop"})");
  auto gone = Call("GetProfileObjectType", Obj(R"({"DomainName": "d", "ObjectTypeName": "Shop"})"));
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  auto bad = Call("PutProfileObjectType",
                  Obj(R"({"DomainName": "d", "ObjectTypeName": "_x", "Description": "d"})"));
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadRequest);
}

TEST_F(ObjectServiceTest, OrdersOfTwoCustomersMakeTwoProfiles) {
  Ok("PutProfileObjectType", kOrderType);
  auto a1 = Put("Order", R"({"OrderId": "o1", "email": "ann@x.com", "total": 10})");
  ASSERT_TRUE(a1.ok()) << a1.error().message();
  EXPECT_EQ(a1->at("ProfileObjectUniqueKey"), "o1");
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o2", "email": "bob@x.com", "total": 20})").ok());
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o3", "email": "ann@x.com", "total": 30})").ok());
  std::string ann = OnlyProfile("_email", "ann@x.com");
  std::string bob = OnlyProfile("_email", "bob@x.com");
  EXPECT_NE(ann, bob);
  EXPECT_EQ(Objects(ann), (std::vector<std::string>{"o1", "o3"}));
  EXPECT_EQ(Objects(bob), (std::vector<std::string>{"o2"}));
  EXPECT_EQ(Objects(ann, R"(, "ObjectFilter": {"KeyName": "OrderId", "Values": ["o3"]})"),
            (std::vector<std::string>{"o3"}));
  EXPECT_EQ(OnlyProfile("OrderId", "o3"), ann);  // UNIQUE values are searchable keys too
  json::object page = Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "Order",
      "ProfileId": ")" + ann + R"(", "MaxResults": 1})");
  EXPECT_EQ(page.at("Items").as_array().size(), 1u);
  EXPECT_TRUE(page.contains("NextToken"));

  json::object domain = Ok("GetDomain", R"({"DomainName": "d"})");
  (void)domain;
  Result<ObjectStats> stats = ObjectStats{};
  ASSERT_TRUE(store_
                  ->Read([&](store::Txn& txn) -> Status {
                    stats = CountObjects(txn, ctx_, "d");
                    return OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->object_count, 3);
  EXPECT_GT(stats->total_size, 100);

  // The INGESTED history names the object type and the object.
  json::object history =
      Ok("ListProfileHistoryRecords", R"({"DomainName": "d", "ProfileId": ")" + ann + "\"}");
  int ingested = 0;
  for (const auto& r : history.at("ProfileHistoryRecords").as_array()) {
    if (r.at("ActionType") == "INGESTED") {
      ++ingested;
      EXPECT_EQ(r.at("ObjectTypeName"), "Order");
    }
  }
  EXPECT_EQ(ingested, 2);
}

TEST_F(ObjectServiceTest, ReputReplacesAndDeleteRemoves) {
  Ok("PutProfileObjectType", kOrderType);
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o1", "email": "ann@x.com", "total": 1})").ok());
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o1", "email": "ann@x.com", "total": 2})").ok());
  std::string ann = OnlyProfile("_email", "ann@x.com");
  json::object r = Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "Order",
      "ProfileId": ")" + ann + "\"}");
  ASSERT_EQ(r.at("Items").as_array().size(), 1u);
  EXPECT_NE(std::string(r.at("Items").as_array()[0].at("Object").as_string()).find("\"total\": 2"),
            std::string::npos);
  Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order", "ProfileId": ")" +
                                ann + R"(", "ProfileObjectUniqueKey": "o1"})");
  EXPECT_TRUE(Objects(ann).empty());
  auto again = Call("DeleteProfileObject",
                    Obj(R"({"DomainName": "d", "ObjectTypeName": "Order", "ProfileId": ")" + ann +
                        R"(", "ProfileObjectUniqueKey": "o1"})"));
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
}

// Every index row of the domain whose name starts with `prefix`, as "name value ref".
std::vector<std::string> RowsUnder(store::Store& store, std::string_view prefix) {
  std::vector<std::string> rows;
  store::Scope scope{"123456789012", "d"};
  EXPECT_TRUE(store
                  .Read([&](store::Txn& txn) -> Status {
                    rows.clear();
                    for (std::string name : {"objkey/Order/OrderId", "objkey/Order/_email"}) {
                      if (!name.starts_with(prefix)) continue;
                      RETURN_IF_ERROR(ForEachIndexValue(
                          txn, scope, name, "", [&](const std::string& value) -> Status {
                            return ForEachIndexRef(txn, scope, name, value, "",
                                                   [&](const std::string& ref) -> Status {
                                                     rows.push_back(name + " " + value + " " + ref);
                                                     return OkStatus();
                                                   });
                          }));
                    }
                    return OkStatus();
                  })
                  .ok());
  return rows;
}

TEST_F(ObjectServiceTest, ObjectsHaveNoKeyRowsAndOldRecordsLoseTheirsWhenReplacedOrRemoved) {
  Ok("PutProfileObjectType", kOrderType);
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o1", "email": "ann@x.com"})").ok());
  EXPECT_TRUE(RowsUnder(*store_, "objkey/").empty());
  std::string ann = OnlyProfile("_email", "ann@x.com");

  // Two records as the first layout stored them: no "_v", a row per key value.
  store::Scope scope{"123456789012", "d"};
  ASSERT_TRUE(
      store_
          ->Write([&](store::Txn& txn) -> Status {
            for (std::string unique : {"o1", "o2"}) {
              json::object record{{"ObjectTypeName", "Order"},
                                  {"ProfileObjectUniqueKey", unique},
                                  {"ProfileId", ann},
                                  {"Object", R"({"OrderId": ")" + unique + R"("})"},
                                  {"Keys", {{"OrderId", {unique}}, {"_email", {"ann@x.com"}}}},
                                  {"Size", 17},
                                  {"CreatedAt", 1700000000.0},
                                  {"UpdatedAt", 1700000000.0}};
              RETURN_IF_ERROR(txn.Put(scope, kObjectKind, ObjectDocId("Order", unique),
                                      json::serialize(record)));
              RETURN_IF_ERROR(txn.IndexAdd(scope, ObjectProfileIndex("Order"), ann, unique));
              RETURN_IF_ERROR(
                  txn.IndexAdd(scope, ObjectKeyIndex("Order", "OrderId"), unique, unique));
              RETURN_IF_ERROR(
                  txn.IndexAdd(scope, ObjectKeyIndex("Order", "_email"), "ann@x.com", unique));
            }
            return OkStatus();
          })
          .ok());
  ASSERT_EQ(RowsUnder(*store_, "objkey/").size(), 4u);

  ASSERT_TRUE(Put("Order", R"({"OrderId": "o1", "email": "ann@x.com", "total": 2})").ok());
  EXPECT_EQ(
      RowsUnder(*store_, "objkey/"),
      (std::vector<std::string>{"objkey/Order/OrderId o2 o2", "objkey/Order/_email ann@x.com o2"}));
  Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order", "ProfileId": ")" +
                                ann + R"(", "ProfileObjectUniqueKey": "o2"})");
  EXPECT_TRUE(RowsUnder(*store_, "objkey/").empty());
  EXPECT_EQ(Objects(ann), (std::vector<std::string>{"o1"}));
}

TEST_F(ObjectServiceTest, AmbiguousKeyFallsThroughToTheNext) {
  Ok("PutProfileObjectType", kOrderType);
  Ok("CreateProfile", R"({"DomainName": "d", "EmailAddress": "shared@x.com", "FirstName": "A"})");
  Ok("CreateProfile", R"({"DomainName": "d", "EmailAddress": "shared@x.com", "FirstName": "B"})");
  json::object c = Ok("CreateProfile", R"({"DomainName": "d", "PhoneNumber": "+15550100"})");
  std::string target(c.at("ProfileId").as_string());
  ASSERT_TRUE(
      Put("Order", R"({"OrderId": "o9", "email": "shared@x.com", "phone": "+15550100"})").ok());
  EXPECT_EQ(Objects(target), (std::vector<std::string>{"o9"}));
}

TEST_F(ObjectServiceTest, LookupOnlyValuesAreNotSearchable) {
  Ok("PutProfileObjectType", kOrderType);
  json::object c = Ok("CreateProfile", R"({"DomainName": "d", "AccountNumber": "acc"})");
  std::string id(c.at("ProfileId").as_string());
  // Attach a loyalty key by hand so the LOOKUP_ONLY key can match.
  Ok("AddProfileKey", R"({"DomainName": "d", "ProfileId": ")" + id +
                          R"(", "KeyName": "loyaltyId", "Values": ["L1"]})");
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o1", "loyalty": "L1", "email": "new@x.com"})").ok());
  // _email matched nothing, the LOOKUP_ONLY key found the profile.
  EXPECT_EQ(Objects(id), (std::vector<std::string>{"o1"}));
  // A new LOOKUP_ONLY value is never stored.
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o2", "loyalty": "L2", "email": "new@x.com"})").ok());
  EXPECT_TRUE(Search("loyaltyId", "L2").empty());
  EXPECT_EQ(Search("_email", "new@x.com"), std::set<std::string>{id});
}

TEST_F(ObjectServiceTest, NoMatchWithoutProfileCreationIsRejected) {
  std::string type(kOrderType);
  type.replace(type.find("\"AllowProfileCreation\": true"), 28, "\"AllowProfileCreation\": false");
  Ok("PutProfileObjectType", type);
  auto r = Put("Order", R"({"OrderId": "o1", "email": "nobody@x.com"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
  EXPECT_TRUE(Search("_email", "nobody@x.com").empty());
  auto missing_unique = Put("Order", R"({"email": "nobody@x.com"})");
  EXPECT_EQ(missing_unique.error().code(), ErrorCode::kBadRequest);
}

TEST_F(ObjectServiceTest, ManualFirstNameSurvivesIngestion) {
  Ok("PutProfileObjectType", kOrderType);
  json::object c = Ok("CreateProfile",
                      R"({"DomainName": "d", "EmailAddress": "ann@x.com", "FirstName": "Annie"})");
  std::string id(c.at("ProfileId").as_string());
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o1", "email": "ann@x.com", "first": "Ann",
                               "phone": "+4712345678"})")
                  .ok());
  json::object p = Profile(id);
  EXPECT_EQ(p.at("FirstName"), "Annie");
  EXPECT_EQ(p.at("PhoneNumber"), "+4712345678");
  EXPECT_FALSE(p.contains("_ingested"));
}

TEST_F(ObjectServiceTest, DeletingTheTypeRemovesItsObjects) {
  Ok("PutProfileObjectType", kOrderType);
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o1", "email": "ann@x.com", "total": 4})").ok());
  ASSERT_TRUE(Put("Order", R"({"OrderId": "o2", "email": "ann@x.com", "total": 8})").ok());
  json::object stats =
      Ok("GetObjectTypeAttributeStatistics",
         R"({"DomainName": "d", "ObjectTypeName": "Order", "AttributeName": "total"})");
  EXPECT_EQ(stats.at("Statistics").at("Average"), 6.0);
  json::object values =
      Ok("ListObjectTypeAttributeValues",
         R"({"DomainName": "d", "ObjectTypeName": "Order", "AttributeName": "total"})");
  EXPECT_EQ(values.at("Items").as_array().size(), 2u);
  json::object attrs =
      Ok("ListObjectTypeAttributes", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  EXPECT_EQ(attrs.at("Items").as_array().size(), 6u);
  std::string ann = OnlyProfile("_email", "ann@x.com");
  Ok("DeleteProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  Ok("PutProfileObjectType", kOrderType);
  EXPECT_TRUE(Objects(ann).empty());
  Result<ObjectStats> s = ObjectStats{};
  ASSERT_TRUE(store_
                  ->Read([&](store::Txn& txn) -> Status {
                    s = CountObjects(txn, ctx_, "d");
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(s->object_count, 0);
  EXPECT_EQ(s->total_size, 0);
}

TEST_F(ObjectServiceTest, ConcurrentOrdersOfOneNewCustomerMakeOneProfile) {
  Ok("PutProfileObjectType", kOrderType);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r =
          Put("Order", R"({"OrderId": "c)" + std::to_string(i) + R"(", "email": "race@x.com"})");
      if (!r.ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::string id = OnlyProfile("_email", "race@x.com");
  EXPECT_EQ(Objects(id).size(), 8u);
}

TEST_F(ObjectServiceTest, TemplatesAreServed) {
  json::object list = Ok("ListProfileObjectTypeTemplates", "{}");
  EXPECT_GE(list.at("Items").as_array().size(), 7u);
  json::object t = Ok("GetProfileObjectTypeTemplate", R"({"TemplateId": "Salesforce-Account"})");
  EXPECT_EQ(t.at("SourceName"), "Salesforce");
  auto missing = Call("GetProfileObjectTypeTemplate", Obj(R"({"TemplateId": "x"})"));
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  json::object detected =
      Ok("DetectProfileObjectType",
         R"({"DomainName": "d", "Objects": ["{\"id\": \"1\", \"email\": \"a@b.co\"}"]})");
  EXPECT_EQ(detected.at("DetectedProfileObjectTypes").as_array().size(), 1u);
}

}  // namespace
}  // namespace profiled::service
