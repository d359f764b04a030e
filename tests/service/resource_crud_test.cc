// The generic named-resource helper (resource_crud.h) through a registry on a real SQLite store:
// a toy spec exercising create / duplicate / upsert / get / update / list paging / delete, the
// hooks, tags on the ARN, and the rules of calculated attribute expressions. Handlers answer with
// the resource's whole view; keeping each output shape's members is the serializer's job
// (tests/api/serializer_test.cc).
#include "service/resource_crud.h"

#include "service/calculated_attribute.h"
#include "service/common.h"
#include "service/movable_clock.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;

class ResourceCrudTest : public fixture::ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore(clock_));
    ResourceSpec spec;
    spec.kind = "widget";
    spec.collection = "widgets";
    spec.label = "Widget";
    spec.name_member = "WidgetName";
    spec.arn_member = "WidgetArn";
    spec.create_members = {"Color", "Size"};
    spec.update_members = {"Color"};
    spec.prepare = [this](store::Txn&, const RequestContext&, std::string_view, json::object& doc,
                          const json::object* previous) -> Status {
      ++prepared_;
      if (GetStringOr(doc, "Color", "") == "plaid") return Error::BadRequest("no plaid");
      doc["Revision"] = previous ? GetInt(*previous, "Revision").value_or(0) + 1 : 1;
      return OkStatus();
    };
    spec.derive = [](json::object& view) { view["Shiny"] = true; };
    RegisterResource(registry_, env_, spec,
                     {.create = "CreateWidget",
                      .get = "GetWidget",
                      .update = "UpdateWidget",
                      .list = "ListWidgets",
                      .del = "DeleteWidget"});
    ASSERT_TRUE(Call("CreateDomain", R"({"DomainName": "d"})").ok());
  }
  fixture::SteppingClock clock_;
  int prepared_ = 0;
};

TEST_F(ResourceCrudTest, CreateGetUpdateDelete) {
  auto created = Call("CreateWidget", R"({"DomainName": "d", "WidgetName": "w",
      "Color": "red", "Size": 3, "Ignored": 1, "Tags": {"k": "v"}})");
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->at("WidgetArn"), "arn:aws:profile:us-east-1:123456789012:domains/d/widgets/w");
  EXPECT_EQ(created->at("Color"), "red");
  EXPECT_EQ(created->at("Tags").as_object().at("k"), "v");
  EXPECT_EQ(created->at("Shiny"), true);
  EXPECT_FALSE(created->contains("Ignored"));  // not a create member, so not stored
  EXPECT_EQ(created->at("Revision"), 1);       // the stored document, prepared
  EXPECT_EQ(created->at("DomainName"), "d");

  auto dup = Call("CreateWidget", R"({"DomainName": "d", "WidgetName": "w", "Color": "blue"})");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kBadRequest);

  auto updated = Call("UpdateWidget", R"({"DomainName": "d", "WidgetName": "w",
      "Color": "blue", "Size": 99})");
  ASSERT_TRUE(updated.ok()) << updated.error().message();
  EXPECT_EQ(updated->at("Color"), "blue");
  EXPECT_EQ(updated->at("Size"), 3);  // not an update member
  EXPECT_EQ(updated->at("CreatedAt"), created->at("CreatedAt"));
  EXPECT_GT(updated->at("LastUpdatedAt").as_double(), created->at("LastUpdatedAt").as_double());

  auto rejected = Call("UpdateWidget", R"({"DomainName": "d", "WidgetName": "w",
      "Color": "plaid"})");
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().message(), "no plaid");
  auto got = Call("GetWidget", R"({"DomainName": "d", "WidgetName": "w"})");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->at("Color"), "blue");  // the failed update rolled back

  auto deleted = Call("DeleteWidget", R"({"DomainName": "d", "WidgetName": "w"})");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->at("Message"), "Widget w was deleted.");
  for (std::string_view op : {"GetWidget", "DeleteWidget", "UpdateWidget"}) {
    auto r = Call(op, R"({"DomainName": "d", "WidgetName": "w"})");
    ASSERT_FALSE(r.ok()) << op;
    EXPECT_EQ(r.error().code(), ErrorCode::kNotFound) << op;
  }
  // The tags went with it: re-creating shows none.
  auto again = Call("CreateWidget", R"({"DomainName": "d", "WidgetName": "w"})");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->contains("Tags"));
}

TEST_F(ResourceCrudTest, MissingDomainIsNotFound) {
  for (std::string_view op : {"CreateWidget", "GetWidget", "ListWidgets", "DeleteWidget"}) {
    auto r = Call(op, R"({"DomainName": "nope", "WidgetName": "w"})");
    ASSERT_FALSE(r.ok()) << op;
    EXPECT_EQ(r.error().code(), ErrorCode::kNotFound) << op;
    EXPECT_NE(r.error().message().find("nope"), std::string::npos) << op;
  }
}

TEST_F(ResourceCrudTest, ListPagesWithTokensBoundToTheListing) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Call("CreateWidget", R"({"DomainName": "d", "WidgetName": "w)" + std::to_string(i) +
                                         R"(", "Color": "c"})")
                    .ok());
  }
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    std::string in = R"({"DomainName": "d", "MaxResults": 2)";
    if (!token.empty()) in += R"(, "NextToken": ")" + token + "\"";
    auto r = Call("ListWidgets", in + "}");
    ASSERT_TRUE(r.ok()) << r.error().message();
    for (const auto& item : r->at("Items").as_array()) {
      names.emplace_back(item.as_object().at("WidgetName").as_string());
      EXPECT_EQ(item.as_object().at("Color"), "c");  // each item is the whole view
      EXPECT_EQ(item.as_object().at("Shiny"), true);
    }
    token = r->contains("NextToken") ? std::string(r->at("NextToken").as_string()) : "";
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(names, (std::vector<std::string>{"w0", "w1", "w2", "w3", "w4"}));
  EXPECT_EQ(pages, 3);

  // A token of another listing is refused.
  std::string foreign = EncodeToken("ListDomains", "w0");
  auto r = Call("ListWidgets", R"({"DomainName": "d", "NextToken": ")" + foreign + "\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
}

TEST_F(ResourceCrudTest, PrepareSeesThePreviousDocument) {
  ASSERT_TRUE(Call("CreateWidget", R"({"DomainName": "d", "WidgetName": "w"})").ok());
  ASSERT_TRUE(Call("UpdateWidget", R"({"DomainName": "d", "WidgetName": "w"})").ok());
  ASSERT_TRUE(Call("UpdateWidget", R"({"DomainName": "d", "WidgetName": "w"})").ok());
  EXPECT_EQ(prepared_, 3);
  EXPECT_EQ(GetInt(StoredDoc("widget", "w"), "Revision").value_or(0), 3);
}

TEST_F(ResourceCrudTest, SubResourceExistsByCollection) {
  ASSERT_TRUE(Call("CreateEventStream", R"({"DomainName": "d", "EventStreamName": "s",
      "Uri": "arn:aws:kinesis:us-east-1:123456789012:stream/x"})")
                  .ok());
  auto check = [&](std::string_view rest) {
    bool exists = false;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(exists, SubResourceExists(txn, ctx_, "d", rest));
                      return OkStatus();
                    })
                    .ok());
    return exists;
  };
  EXPECT_TRUE(check("event-streams/s"));
  EXPECT_FALSE(check("event-streams/t"));
  EXPECT_FALSE(check("layouts/s"));
  EXPECT_FALSE(check("unknown-things/s"));
  EXPECT_FALSE(check("event-streams/"));
  EXPECT_FALSE(check("event-streams"));
}

TEST(CalculatedAttributeRules, ExpressionElementsMustBeListedAndOfOneType) {
  auto parse = [](std::string_view text) { return ParseAttributeDetails(Obj(text)); };
  auto ok = parse(R"({"Attributes": [{"Name": "a"}, {"Name": "Order.b"}],
                      "Expression": "{Order.a} + {Order.b}"})");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].object_type, "Order");
  EXPECT_EQ((*ok)[1].attribute, "b");
  EXPECT_FALSE(parse(R"({"Attributes": [{"Name": "a"}], "Expression": "a"})").ok());
  EXPECT_FALSE(parse(R"({"Attributes": [{"Name": "a"}], "Expression": "{Order.c}"})").ok());
  EXPECT_FALSE(parse(R"({"Attributes": [{"Name": "a"}], "Expression": "{a}"})").ok());
  EXPECT_FALSE(parse(R"({"Attributes": [{"Name": "a"}], "Expression": "{Order.a"})").ok());
  EXPECT_FALSE(
      parse(R"({"Attributes": [{"Name": "a"}], "Expression": "{Order.a} + {Case.a}"})").ok());
}

}  // namespace
}  // namespace profiled::service
