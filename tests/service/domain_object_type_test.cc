// Domain object types through the registry on a real SQLite store: PutDomainObjectType creates
// or replaces, needs the domain's data store, and Get / List / Delete answer as AWS does.
#include "service/common.h"
#include "service/response_shape.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;

constexpr std::string_view kPut = R"({"DomainName": "d", "ObjectTypeName": "Order",
  "Description": "orders", "Fields": {"id": {"Source": "_source.id", "Target": "Order.id"}},
  "Tags": {"team": "crm"}})";

class DomainObjectTypeTest : public fixture::ServiceTest {
 protected:
  // What the operation answers a client (the output shape's members).
  json::object Ok(std::string_view op, std::string_view in) {
    return fixture::AsResponse(op, ServiceTest::Ok(op, in));
  }
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d", "DataStore": {"Enabled": true}})");
  }
};

TEST_F(DomainObjectTypeTest, PutGetListDelete) {
  json::object put = Ok("PutDomainObjectType", kPut);
  EXPECT_EQ(put.at("ObjectTypeName"), "Order");
  EXPECT_EQ(put.at("Description"), "orders");
  EXPECT_EQ(put.at("Fields"), Obj(R"({"id": {"Source": "_source.id", "Target": "Order.id"}})"));
  EXPECT_EQ(put.at("Tags"), Obj(R"({"team": "crm"})"));
  EXPECT_TRUE(put.contains("CreatedAt"));
  EXPECT_FALSE(put.contains("DomainName"));
  EXPECT_EQ(Ok("GetDomainObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})"), put);

  json::object list = Ok("ListDomainObjectTypes", R"({"DomainName": "d"})");
  ASSERT_EQ(list.at("Items").as_array().size(), 1u);
  EXPECT_EQ(list.at("Items").as_array()[0],
            Obj(R"({"ObjectTypeName": "Order", "Description": "orders", "CreatedAt": 1700000000.0,
                    "LastUpdatedAt": 1700000000.0, "Tags": {"team": "crm"}})"));

  EXPECT_EQ(Ok("DeleteDomainObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})"),
            json::object());
  auto gone = Call("GetDomainObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  auto again = Call("DeleteDomainObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
}

TEST_F(DomainObjectTypeTest, PutReplacesTheDefinition) {
  Ok("PutDomainObjectType", kPut);
  json::object replaced = Ok("PutDomainObjectType", R"({"DomainName": "d", "ObjectTypeName":
      "Order", "Fields": {"n": {"Source": "_source.n", "Target": "Order.n"}}})");
  EXPECT_FALSE(replaced.contains("Description"));
  EXPECT_EQ(replaced.at("Fields"), Obj(R"({"n": {"Source": "_source.n", "Target": "Order.n"}})"));
  // Tags stay with the ARN until untagged.
  EXPECT_EQ(replaced.at("Tags"), Obj(R"({"team": "crm"})"));
}

TEST_F(DomainObjectTypeTest, NeedsTheDataStoreAndTheDomain) {
  Ok("CreateDomain", R"({"DomainName": "plain"})");
  auto no_store = Call("PutDomainObjectType", Obj(R"({"DomainName": "plain", "ObjectTypeName":
      "Order", "Fields": {"id": {"Source": "_source.id", "Target": "Order.id"}}})"));
  ASSERT_FALSE(no_store.ok());
  EXPECT_EQ(no_store.error().code(), ErrorCode::kBadRequest);
  auto no_domain = Call("ListDomainObjectTypes", R"({"DomainName": "nope"})");
  ASSERT_FALSE(no_domain.ok());
  EXPECT_EQ(no_domain.error().code(), ErrorCode::kNotFound);
}

TEST_F(DomainObjectTypeTest, ListPagesInNameOrderAndDeleteDomainRemovesThem) {
  for (std::string name : {"C", "A", "B"}) {
    Ok("PutDomainObjectType", R"({"DomainName": "d", "ObjectTypeName": ")" + name +
                                  R"(", "Fields": {"f": {"Source": "s", "Target": "t"}}})");
  }
  json::object first = Ok("ListDomainObjectTypes", R"({"DomainName": "d", "MaxResults": 2})");
  ASSERT_EQ(first.at("Items").as_array().size(), 2u);
  EXPECT_EQ(first.at("Items").as_array()[0].at("ObjectTypeName"), "A");
  ASSERT_TRUE(first.contains("NextToken"));
  json::object in = Obj(R"({"DomainName": "d", "MaxResults": 2})");
  in["NextToken"] = first.at("NextToken");
  auto second = Call("ListDomainObjectTypes", in);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->at("Items").as_array().size(), 1u);
  EXPECT_EQ(second->at("Items").as_array()[0].at("ObjectTypeName"), "C");
  EXPECT_FALSE(second->contains("NextToken"));

  Ok("DeleteDomain", R"({"DomainName": "d"})");
  Ok("CreateDomain", R"({"DomainName": "d", "DataStore": {"Enabled": true}})");
  EXPECT_TRUE(Ok("ListDomainObjectTypes", R"({"DomainName": "d"})").at("Items").as_array().empty());
}

}  // namespace
}  // namespace profiled::service
