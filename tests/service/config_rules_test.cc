// Rules between configuration resources (service/config_rules.h, docs/resources.md "Rules
// between resources"), on each store. Each test names the AWS page its rule comes from, or says
// that the rule is Profiled's choice.
#include <boost/json.hpp>
#include <string>

#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::ServiceTest;

constexpr std::string_view kOrderType = R"({"ObjectTypeName": "Order", "Description": "orders",
  "AllowProfileCreation": true,
  "Fields": {"OrderId": {"Source": "_source.OrderId"},
             "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
             "total": {"Source": "_source.total"}},
  "Keys": {"OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
           "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]}})";

class ConfigRulesTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    for (const char* d : {"d", "e"}) {
      Ok("CreateDomain",
         R"({"DomainName": ")" + std::string(d) + R"(", "DefaultExpirationDays": 9})");
      json::object type = fixture::Obj(kOrderType);
      type["DomainName"] = d;
      ASSERT_TRUE(Call("PutProfileObjectType", type).ok());
    }
  }
  Result<json::object> PutIntegration(std::string_view domain, std::string_view uri) {
    return Call("PutIntegration", R"({"DomainName": ")" + std::string(domain) + R"(", "Uri": ")" +
                                      std::string(uri) + R"(", "ObjectTypeName": "Order"})");
  }
  void ExpectBadRequest(const Result<json::object>& r, std::string_view says) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
    EXPECT_NE(r.error().message().find(says), std::string::npos) << r.error().message();
  }
};

// https://docs.aws.amazon.com/customerprofiles/latest/APIReference/API_PutIntegration.html:
// "An integration can belong to only one domain."
TEST_F(ConfigRulesTest, AnIntegrationUriBelongsToOneDomain) {
  const std::string uri = "arn:aws:connect:us-east-1:123456789012:instance/i-1";
  ASSERT_TRUE(PutIntegration("d", uri).ok());
  ExpectBadRequest(PutIntegration("e", uri), "already belongs to domain d");
  EXPECT_TRUE(PutIntegration("d", uri).ok());  // replacing it in its own domain is fine
  ASSERT_TRUE(PutIntegration("e", "s3://other/uri").ok());

  // Once the integration is gone (deleted, or its domain deleted), another domain may take it.
  Ok("DeleteIntegration", R"({"DomainName": "d", "Uri": ")" + uri + "\"}");
  ASSERT_TRUE(PutIntegration("e", uri).ok());
  ExpectBadRequest(PutIntegration("d", uri), "already belongs to domain e");
  Ok("DeleteDomain", R"({"DomainName": "e"})");
  EXPECT_TRUE(PutIntegration("d", uri).ok());
  auto listed = Ok("ListAccountIntegrations", R"({"Uri": ")" + uri + "\"}");
  ASSERT_EQ(listed["Items"].as_array().size(), 1u);
  EXPECT_EQ(listed["Items"].as_array()[0].at("DomainName"), "d");
}

// https://docs.aws.amazon.com/customerprofiles/latest/APIReference/API_PutIntegration.html,
// ObjectTypeNames: "It supports the following event types: SegmentIdentify,
// ShopifyCreateCustomers, ShopifyUpdateCustomers, ShopifyCreateDraftOrders,
// ShopifyUpdateDraftOrders, ShopifyCreateOrders, and ShopifyUpdatedOrders."
TEST_F(ConfigRulesTest, ObjectTypeNamesKeysAreTheDocumentedEventTypes) {
  for (const char* event : {"SegmentIdentify", "ShopifyCreateCustomers", "ShopifyUpdateCustomers",
                            "ShopifyCreateDraftOrders", "ShopifyUpdateDraftOrders",
                            "ShopifyCreateOrders", "ShopifyUpdatedOrders"}) {
    EXPECT_TRUE(Call("PutIntegration", R"({"DomainName": "d", "Uri": "s3://b/)" +
                                           std::string(event) + R"(", "ObjectTypeNames": {")" +
                                           event + R"(": "Order"}})")
                    .ok())
        << event;
  }
  ExpectBadRequest(Call("PutIntegration", R"({"DomainName": "d", "Uri": "s3://b/x",
                        "ObjectTypeNames": {"ShopifyDeleteOrders": "Order"}})"),
                   "ShopifyDeleteOrders is not a supported event type");
}

// Profiled's choice (docs/resources.md): a segment definition may only name calculated
// attributes that exist (CreateSegmentDefinition checks it), so a definition a segment names
// cannot be deleted; the segment would silently change meaning.
TEST_F(ConfigRulesTest, ACalculatedAttributeASegmentUsesCannotBeDeleted) {
  Ok("CreateCalculatedAttributeDefinition",
     R"({"DomainName": "d", "CalculatedAttributeName": "spend", "Statistic": "SUM",
         "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}})");
  Ok("CreateSegmentDefinition",
     R"({"DomainName": "d", "SegmentDefinitionName": "big", "DisplayName": "big",
         "SegmentGroups": {"Groups": [{"Dimensions": [{"CalculatedAttributes":
           {"spend": {"DimensionType": "GREATER_THAN", "Values": ["100"]}}}]}]}})");
  Ok("CreateSegmentDefinition",
     R"({"DomainName": "d", "SegmentDefinitionName": "sql", "DisplayName": "sql",
         "SegmentSqlQuery": "SELECT * FROM profiles WHERE FirstName = 'spend'"})");
  auto del = Call("DeleteCalculatedAttributeDefinition",
                  R"({"DomainName": "d", "CalculatedAttributeName": "spend"})");
  ExpectBadRequest(del, "used by segment definition big");
  Ok("GetCalculatedAttributeDefinition",
     R"({"DomainName": "d", "CalculatedAttributeName": "spend"})");  // still there
  Ok("DeleteSegmentDefinition", R"({"DomainName": "d", "SegmentDefinitionName": "big"})");
  Ok("DeleteCalculatedAttributeDefinition",
     R"({"DomainName": "d", "CalculatedAttributeName": "spend"})");
}

}  // namespace
}  // namespace profiled::service
