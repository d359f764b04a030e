// The keys objects give a profile under names its members never derive (an order's OrderId) are
// rows the profile holds, not values in its document (service/held_keys.h): searchable as before,
// kept after their object goes, let go by DeleteProfileKey and by the profile's deletion, moved by
// a merge; and a profile that still has such keys in its "_keys" (the layout before) keeps them.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "service/common.h"
#include "service/held_keys.h"
#include "service/profile_store.h"
#include "service/service_fixture.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::ServiceTest;

class HeldKeysTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d"})");
    Ok("PutProfileObjectType", fixture::kEmailOrderType);
  }

  void PutOrder(std::string_view order_id, std::string_view email) {
    Ok("PutProfileObject",
       R"({"DomainName": "d", "ObjectTypeName": "Order", "Object": "{\"OrderId\": \")" +
           std::string(order_id) + R"(\", \"email\": \")" + std::string(email) + R"(\"}"})");
  }

  // Every row of domain "d"'s index `name`, as "value ref".
  std::vector<std::string> Rows(std::string_view name) {
    std::vector<std::string> rows;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      rows.clear();
                      return ForEachIndexValue(
                          txn, kDomainD, name, "", [&](const std::string& value) -> Status {
                            return ForEachIndexRef(txn, kDomainD, name, value, "",
                                                   [&](const std::string& ref) -> Status {
                                                     rows.push_back(value + " " + ref);
                                                     return OkStatus();
                                                   });
                          });
                    })
                    .ok());
    return rows;
  }

  // The stored document of the profile, internal members included.
  json::object Stored(const std::string& id) {
    json::object profile;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(profile, LoadProfile(txn, kDomainD, id, false));
                      return OkStatus();
                    })
                    .ok());
    return profile;
  }

  void DeleteKey(const std::string& id, std::string_view name, std::string_view values) {
    Ok("DeleteProfileKey", R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "KeyName": ")" +
                               std::string(name) + R"(", "Values": )" + std::string(values) + "}");
  }
};

TEST_F(HeldKeysTest, OrderIdsAreHeldRowsAndTheDocumentDoesNotGrow) {
  PutOrder("o1", "ann@x.com");
  std::string ann = *Search("_email", "ann@x.com").begin();
  json::object before = Stored(ann);
  PutOrder("o2", "ann@x.com");
  PutOrder("o3", "ann@x.com");

  for (std::string order : {"o1", "o2", "o3"}) {
    EXPECT_EQ(Search("OrderId", order), std::set<std::string>{ann}) << order;
  }
  json::object after = Stored(ann);
  EXPECT_EQ(after.at("_keys"), before.at("_keys"));
  EXPECT_EQ(json::serialize(after.at("_keys")), R"({"_email":["ann@x.com"]})")
      << "the member-derived name stays in the document, the OrderIds do not";
  EXPECT_EQ(
      Rows(kHeldKeyIndex),
      (std::vector<std::string>{ann + " OrderId\no1", ann + " OrderId\no2", ann + " OrderId\no3"}));
  EXPECT_EQ(Rows("key/OrderId"), (std::vector<std::string>{"o1 " + ann, "o2 " + ann, "o3 " + ann}));
}

TEST_F(HeldKeysTest, FoundByItemsAndAndSearchSeeHeldKeys) {
  PutOrder("o1", "ann@x.com");
  PutOrder("o2", "bob@x.com");
  std::string ann = *Search("_email", "ann@x.com").begin();
  json::object r = Ok("SearchProfiles", R"({"DomainName": "d", "KeyName": "OrderId",
      "Values": ["o1", "o2", "o9"], "AdditionalSearchKeys": [
      {"KeyName": "_email", "Values": ["ann@x.com"]}], "LogicalOperator": "AND"})");
  ASSERT_EQ(r.at("Items").as_array().size(), 1u);
  const json::object& item = r.at("Items").as_array()[0].as_object();
  EXPECT_EQ(item.at("ProfileId").as_string(), ann);
  EXPECT_EQ(
      json::serialize(item.at("FoundByItems")),
      R"([{"KeyName":"OrderId","Values":["o1"]},{"KeyName":"_email","Values":["ann@x.com"]}])");

  json::object either = Ok("SearchProfiles", R"({"DomainName": "d", "KeyName": "_email",
      "Values": ["bob@x.com"], "AdditionalSearchKeys": [
      {"KeyName": "OrderId", "Values": ["o1"]}]})");
  EXPECT_EQ(either.at("Items").as_array().size(), 2u);
}

TEST_F(HeldKeysTest, AHeldKeyOutlivesItsObjectUntilDeleteProfileKey) {
  PutOrder("o1", "ann@x.com");
  PutOrder("o2", "ann@x.com");
  std::string ann = *Search("_email", "ann@x.com").begin();
  Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order", "ProfileId": ")" +
                                ann + R"(", "ProfileObjectUniqueKey": "o1"})");
  EXPECT_EQ(Search("OrderId", "o1"), std::set<std::string>{ann});

  DeleteKey(ann, "OrderId", R"(["o1", "o7"])");
  EXPECT_TRUE(Search("OrderId", "o1").empty());
  EXPECT_EQ(Search("OrderId", "o2"), std::set<std::string>{ann});
  EXPECT_EQ(Rows(kHeldKeyIndex), (std::vector<std::string>{ann + " OrderId\no2"}));
  EXPECT_EQ(Rows("key/OrderId"), (std::vector<std::string>{"o2 " + ann}));
}

TEST_F(HeldKeysTest, DeletingTheProfileLetsGoOfEveryRow) {
  PutOrder("o1", "ann@x.com");
  PutOrder("o2", "ann@x.com");
  PutOrder("o3", "bob@x.com");
  std::string ann = *Search("_email", "ann@x.com").begin();
  std::string bob = *Search("_email", "bob@x.com").begin();
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + ann + R"("})");
  EXPECT_TRUE(Search("OrderId", "o1").empty());
  EXPECT_EQ(Rows(kHeldKeyIndex), (std::vector<std::string>{bob + " OrderId\no3"}));
  EXPECT_EQ(Rows("key/OrderId"), (std::vector<std::string>{"o3 " + bob}));
}

TEST_F(HeldKeysTest, AMergeMovesTheHeldKeysToTheMainProfile) {
  PutOrder("o1", "ann@x.com");
  PutOrder("o2", "bob@x.com");
  PutOrder("o3", "bob@x.com");
  std::string ann = *Search("_email", "ann@x.com").begin();
  std::string bob = *Search("_email", "bob@x.com").begin();
  Ok("MergeProfiles", R"({"DomainName": "d", "MainProfileId": ")" + ann +
                          R"(", "ProfileIdsToBeMerged": [")" + bob + R"("]})");
  for (std::string order : {"o1", "o2", "o3"}) {
    EXPECT_EQ(Search("OrderId", order), std::set<std::string>{ann}) << order;
  }
  EXPECT_EQ(
      Rows(kHeldKeyIndex),
      (std::vector<std::string>{ann + " OrderId\no1", ann + " OrderId\no2", ann + " OrderId\no3"}));
  EXPECT_FALSE(Stored(ann).at("_keys").as_object().contains("OrderId"));
  // A new order of bob's email now goes to ann, and holds its key there.
  PutOrder("o4", "bob@x.com");
  EXPECT_EQ(Search("OrderId", "o4"), std::set<std::string>{ann});
}

// A value the document's "_keys" already gives (AddProfileKey, or an order stored before keys
// were held) is not held a second time, and DeleteProfileKey removes it whichever source has it.
TEST_F(HeldKeysTest, KeysInTheDocumentStayAndAreNotHeldTwice) {
  PutOrder("o1", "ann@x.com");
  std::string ann = *Search("_email", "ann@x.com").begin();
  Ok("AddProfileKey", R"({"DomainName": "d", "ProfileId": ")" + ann +
                          R"(", "KeyName": "OrderId", "Values": ["old1", "o2"]})");
  PutOrder("o2", "ann@x.com");
  EXPECT_EQ(Rows(kHeldKeyIndex), (std::vector<std::string>{ann + " OrderId\no1"}));
  EXPECT_EQ(json::serialize(Stored(ann).at("_keys").at("OrderId")), R"(["old1","o2"])");
  for (std::string order : {"old1", "o1", "o2"}) {
    EXPECT_EQ(Search("OrderId", order), std::set<std::string>{ann}) << order;
  }
  Ok("UpdateProfile",
     R"({"DomainName": "d", "ProfileId": ")" + ann + R"(", "EmailAddress": "ann2@x.com"})");
  EXPECT_EQ(Search("OrderId", "old1"), std::set<std::string>{ann});
  EXPECT_EQ(Search("_email", "ann@x.com"), std::set<std::string>{ann}) << "the order's _email";

  DeleteKey(ann, "OrderId", R"(["old1", "o1", "o2"])");
  EXPECT_TRUE(Rows(kHeldKeyIndex).empty());
  EXPECT_TRUE(Rows("key/OrderId").empty());
  EXPECT_FALSE(Stored(ann).at("_keys").as_object().contains("OrderId"));
}

}  // namespace
}  // namespace profiled::service
