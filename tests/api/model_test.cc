#include "api/model.h"

#include <gtest/gtest.h>

namespace profiled::api {
namespace {

TEST(Model, LoadsEveryOperationOfTheEmbeddedModel) {
  const Model& model = Model::Get();
  EXPECT_EQ(model.api_version(), "2020-08-15");
  EXPECT_EQ(model.operations().size(), 106u);
  const Operation* op = model.FindOperation("CreateDomain");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->method, "POST");
  EXPECT_EQ(op->request_uri, "/domains/{DomainName}");
  ASSERT_NE(op->input, nullptr);
  EXPECT_EQ(op->input->name, "CreateDomainRequest");
  EXPECT_EQ(op->output->name, "CreateDomainResponse");
  EXPECT_FALSE(op->response_code.has_value());
  EXPECT_EQ(model.FindOperation("CreateRecommender")->response_code, 200);
  EXPECT_EQ(model.FindOperation("NoSuchOperation"), nullptr);
  EXPECT_EQ(&model, &Model::Get());  // parsed once
}

TEST(Model, KeepsMemberBindingsAndConstraints) {
  const Model& model = Model::Get();
  const Shape* req = model.FindShape("CreateDomainRequest");
  ASSERT_NE(req, nullptr);
  const Member* domain = req->FindMember("DomainName");
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(domain->location, Location::kUri);
  EXPECT_EQ(domain->location_name, "DomainName");
  EXPECT_TRUE(domain->required);
  EXPECT_EQ(domain->shape->type, ShapeType::kString);
  EXPECT_EQ(domain->shape->min, 1);
  EXPECT_EQ(domain->shape->max, 64);
  ASSERT_NE(domain->shape->pattern, nullptr);
  EXPECT_TRUE(domain->shape->pattern->Matches("my_domain-1"));
  EXPECT_FALSE(domain->shape->pattern->Matches("my domain"));
  EXPECT_TRUE(req->has_non_body_members);

  const Shape* list = model.FindShape("ListDomainsRequest");
  const Member* max = list->FindMember("MaxResults");
  EXPECT_EQ(max->location, Location::kQuery);
  EXPECT_EQ(max->location_name, "max-results");
  EXPECT_EQ(max->shape->type, ShapeType::kInteger);

  const Shape* gender = model.FindShape("Gender");
  ASSERT_FALSE(gender->enum_values.empty());
  EXPECT_EQ(gender->enum_text, "[MALE, FEMALE, UNSPECIFIED]");

  EXPECT_TRUE(model.FindShape("Address")->sensitive);
  EXPECT_TRUE(model.FindShape("Dimension")->is_union);
  EXPECT_EQ(model.FindShape("BadRequestException")->error_status, 400);
  EXPECT_EQ(model.FindShape("ThrottlingException")->error_status, 429);
  EXPECT_TRUE(model.FindShape("GetDomainResponse")->contains_timestamp);
  EXPECT_EQ(model.FindShape("TagKeyList")->member->name, "TagKey");
  EXPECT_EQ(model.FindShape("TagMap")->value->name, "TagValue");
}

TEST(Model, EveryPatternCompiles) {
  const Model& model = Model::Get();
  int patterns = 0;
  for (const std::string name : {"TagKey", "uuid", "name", "TagArn", "JobScheduleTime"}) {
    const Shape* s = model.FindShape(name);
    ASSERT_NE(s, nullptr) << name;
    ASSERT_NE(s->pattern, nullptr) << name;
    EXPECT_TRUE(s->pattern->ok()) << name;
    ++patterns;
  }
  EXPECT_EQ(patterns, 5);
}

// RE2 has no lookahead; TagKey's "^(?!aws:)..." is checked by hand.
TEST(Pattern, NegativeLookaheadIsCheckedByHand) {
  Pattern p("^(?!aws:)[a-zA-Z+-=._:/]+$");
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_TRUE(p.Matches("team"));
  EXPECT_TRUE(p.Matches("my:aws:key"));
  EXPECT_TRUE(p.Matches("awsx"));
  EXPECT_FALSE(p.Matches("aws:reserved"));
  EXPECT_FALSE(p.Matches("with space"));
  EXPECT_FALSE(p.Matches(""));
  // The model's own TagKey shape behaves the same.
  const Pattern& model_pattern = *Model::Get().FindShape("TagKey")->pattern;
  EXPECT_TRUE(model_pattern.Matches("team"));
  EXPECT_FALSE(model_pattern.Matches("aws:reserved"));
}

// Smithy patterns are searched, not anchored: TagArn's prefix pattern accepts whole ARNs.
TEST(Pattern, IsSearchedNotAnchored) {
  const Model& model = Model::Get();
  EXPECT_TRUE(model.FindShape("TagArn")->pattern->Matches(
      "arn:aws:profile:us-east-1:123456789012:domains/d"));
  EXPECT_FALSE(model.FindShape("TagArn")->pattern->Matches("xarn:aws:profile"));
  EXPECT_TRUE(model.FindShape("uuid")->pattern->Matches("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(model.FindShape("uuid")->pattern->Matches("0123456789abcdef"));
}

TEST(Pattern, UnsupportedSyntaxIsReported) {
  Pattern p("(?<=x)y");
  EXPECT_FALSE(p.ok());
  EXPECT_FALSE(p.error().empty());
}

TEST(Model, ParseRejectsDanglingReferences) {
  auto bad = Model::Parse(
      R"({"metadata":{},"operations":{},"shapes":{"A":{"type":"list","member":{"shape":"Missing"}}}})");
  EXPECT_FALSE(bad.ok());
  auto bad_type =
      Model::Parse(R"({"metadata":{},"operations":{},"shapes":{"A":{"type":"weird"}}})");
  EXPECT_FALSE(bad_type.ok());
}

}  // namespace
}  // namespace profiled::api
