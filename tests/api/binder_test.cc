#include "api/binder.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace profiled::api {
namespace {

namespace json = boost::json;

Result<json::object> BindRequest(const std::string& method, const std::string& target,
                                 const std::string& body, HeaderList headers = {}) {
  std::string_view path = target, query;
  size_t q = target.find('?');
  if (q != std::string::npos) {
    path = std::string_view(target).substr(0, q);
    query = std::string_view(target).substr(q + 1);
  }
  auto route = Router::Default().Match(method, path, query);
  if (!route.ok()) return route.error();
  HttpRequest req{method, target, std::move(headers), body, "127.0.0.1", ""};
  return Bind(*route->operation, *route, query, req);
}

TEST(Binder, MergesPathLabelsAndBody) {
  auto in = BindRequest("POST", "/domains/my%2Ddomain",
                        R"({"DefaultExpirationDays": 7, "Unknown": 1, "DomainName": "x",
                            "Matching": {"Enabled": true, "Bogus": [1]}, "DeadLetterQueueUrl": null})");
  ASSERT_TRUE(in.ok()) << in.error().message();
  EXPECT_EQ(in->at("DomainName"), "my-domain");  // the label wins over a body member
  EXPECT_EQ(in->at("DefaultExpirationDays"), 7);
  EXPECT_FALSE(in->contains("Unknown"));
  EXPECT_FALSE(in->contains("DeadLetterQueueUrl"));  // null is absent
  EXPECT_EQ(in->at("Matching").as_object().size(), 1u);
}

TEST(Binder, ConvertsQueryMembers) {
  auto in = BindRequest("GET", "/domains?max-results=25&next-token=a%2Bb+c&other=1", "");
  ASSERT_TRUE(in.ok()) << in.error().message();
  EXPECT_EQ(in->at("MaxResults"), 25);
  EXPECT_TRUE(in->at("MaxResults").is_int64());
  EXPECT_EQ(in->at("NextToken"), "a+b c");
  EXPECT_FALSE(in->contains("other"));

  auto bad = BindRequest("GET", "/domains?max-results=many", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(bad.error().message().find("'MaxResults'"), std::string::npos);
  EXPECT_NE(bad.error().message().find("integer"), std::string::npos);
}

TEST(Binder, QueryListsCollectRepeatedKeys) {
  auto in = BindRequest(
      "DELETE", "/tags/arn%3Aaws%3Aprofile%3Aus-east-1%3A1%3Adomains%2Fd?tagKeys=a&tagKeys=b%20c",
      "");
  ASSERT_TRUE(in.ok()) << in.error().message();
  EXPECT_EQ(in->at("resourceArn"), "arn:aws:profile:us-east-1:1:domains/d");
  EXPECT_EQ(in->at("tagKeys"), json::array({"a", "b c"}));
}

TEST(Binder, QueryBooleans) {
  auto in = BindRequest("GET", "/domains/d/calculated-attributes?include-details=true", "");
  // ListCalculatedAttributeDefinitions has no boolean; find the operation that does.
  const Model& model = Model::Get();
  for (const Operation& op : model.operations()) {
    if (!op.input) continue;
    for (const Member& m : op.input->members) {
      if (m.location == Location::kQuery && m.shape->type == ShapeType::kBoolean) {
        RouteMatch route;
        route.operation = &op;
        std::string q = m.location_name + "=true";
        HttpRequest req{op.method, "/", {}, "", "", ""};
        auto bound = Bind(op, route, q, req);
        ASSERT_TRUE(bound.ok()) << op.name;
        EXPECT_EQ(bound->at(m.name), true) << op.name;
        auto bad = Bind(op, route, m.location_name + "=yes", req);
        EXPECT_FALSE(bad.ok()) << op.name;
      }
    }
  }
  (void)in;
}

TEST(Binder, MalformedJsonIsBadRequest) {
  for (std::string body : {"{", "[1,2]", "\"x\"", "{\"DefaultExpirationDays\": }"}) {
    auto in = BindRequest("POST", "/domains/d", body);
    ASSERT_FALSE(in.ok()) << body;
    EXPECT_EQ(in.error().code(), ErrorCode::kBadRequest) << body;
  }
  auto empty = BindRequest("POST", "/domains/d", "  \n");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 1u);  // just the label
}

TEST(Binder, BodyTimestampsBecomeEpochSeconds) {
  auto in =
      BindRequest("POST", "/domains/d/workflows",
                  R"({"QueryStartDate": 1700000000.5, "QueryEndDate": "2023-11-14T22:13:20Z"})");
  ASSERT_TRUE(in.ok()) << in.error().message();
  EXPECT_DOUBLE_EQ(in->at("QueryStartDate").to_number<double>(), 1700000000.5);
  EXPECT_DOUBLE_EQ(in->at("QueryEndDate").to_number<double>(), 1700000000);
}

TEST(Binder, ParsesEveryTimestampForm) {
  EXPECT_DOUBLE_EQ(*ParseTimestamp("1700000000"), 1700000000);
  EXPECT_DOUBLE_EQ(*ParseTimestamp("1700000000.25"), 1700000000.25);
  EXPECT_DOUBLE_EQ(*ParseTimestamp("2023-11-14T22:13:20Z"), 1700000000);
  EXPECT_DOUBLE_EQ(*ParseTimestamp("2023-11-14T22:13:20.5Z"), 1700000000.5);
  EXPECT_DOUBLE_EQ(*ParseTimestamp("2023-11-14T23:13:20+01:00"), 1700000000);
  EXPECT_DOUBLE_EQ(*ParseTimestamp("2023-11-14"), 1699920000);
  EXPECT_DOUBLE_EQ(*ParseTimestamp("Tue, 14 Nov 2023 22:13:20 GMT"), 1700000000);
  EXPECT_DOUBLE_EQ(*ParseTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_FALSE(ParseTimestamp("yesterday").has_value());
  EXPECT_FALSE(ParseTimestamp("2023-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseTimestamp("").has_value());
}

}  // namespace
}  // namespace profiled::api
