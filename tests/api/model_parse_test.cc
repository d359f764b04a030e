// Model::Parse's steps on tiny models: one shape's traits, container references, members and
// their indexes, the timestamp reachability fixed point, and operations.
#include <gtest/gtest.h>

#include <string>

#include "api/model.h"

namespace profiled::api {
namespace {

// A model of `shapes` (JSON members, no braces) and `operations`.
std::unique_ptr<Model> ParseOk(const std::string& shapes, const std::string& operations = "") {
  auto m = Model::Parse(R"({"metadata":{"apiVersion":"v1"},"shapes":{)" + shapes +
                        R"(},"operations":{)" + operations + "}}");
  EXPECT_TRUE(m.ok()) << m.error().message();
  return m.ok() ? std::move(m).value() : nullptr;
}

std::string ParseError(const std::string& shapes, const std::string& operations = "") {
  auto m = Model::Parse(R"({"shapes":{)" + shapes + R"(},"operations":{)" + operations + "}}");
  EXPECT_FALSE(m.ok());
  return m.ok() ? "" : m.error().message();
}

TEST(ModelParse, ShapeTraits) {
  auto m = ParseOk(R"(
      "S": {"type": "string", "min": 1, "max": 64, "pattern": "^[a-z]+$", "sensitive": true},
      "E": {"type": "string", "enum": ["A", "B", "C"]},
      "T": {"type": "timestamp", "timestampFormat": "iso8601"},
      "X": {"type": "structure", "members": {}, "exception": true,
            "error": {"httpStatusCode": 404}})");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->api_version(), "v1");
  const Shape* s = m->FindShape("S");
  EXPECT_EQ(s->type, ShapeType::kString);
  EXPECT_EQ(s->min, 1);
  EXPECT_EQ(s->max, 64);
  EXPECT_TRUE(s->sensitive);
  ASSERT_NE(s->pattern, nullptr);
  EXPECT_TRUE(s->pattern->Matches("abc"));
  const Shape* e = m->FindShape("E");
  EXPECT_EQ(e->enum_values, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(e->enum_text, "[A, B, C]");
  EXPECT_EQ(m->FindShape("T")->timestamp_format, TimestampFormat::kIso8601);
  EXPECT_TRUE(m->FindShape("X")->is_error);
  EXPECT_EQ(m->FindShape("X")->error_status, 404);
  EXPECT_FALSE(s->is_error);
}

TEST(ModelParse, BadTraitsAreRefused) {
  EXPECT_NE(ParseError(R"("S": {"type": "string", "pattern": "("})").find("pattern of S"),
            std::string::npos);
  EXPECT_NE(ParseError(R"("T": {"type": "timestamp", "timestampFormat": "julian"})")
                .find("timestampFormat"),
            std::string::npos);
  EXPECT_NE(ParseError(R"("S": {"type": 7})").find("malformed"), std::string::npos);
}

TEST(ModelParse, ContainersMayReferToShapesDeclaredLater) {
  auto m = ParseOk(R"(
      "L": {"type": "list", "member": {"shape": "S"}},
      "M": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "L"}},
      "S": {"type": "string"})");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->FindShape("L")->member, m->FindShape("S"));
  EXPECT_EQ(m->FindShape("M")->key, m->FindShape("S"));
  EXPECT_EQ(m->FindShape("M")->value, m->FindShape("L"));
  EXPECT_NE(ParseError(R"("M": {"type": "map", "key": {"shape": "Nope"}})")
                .find("M refers to a missing shape"),
            std::string::npos);
}

TEST(ModelParse, MembersBindingsRequiredAndIndexes) {
  auto m = ParseOk(R"(
      "S": {"type": "string"},
      "R": {"type": "structure", "required": ["Name"], "members": {
        "Name": {"shape": "S", "location": "uri", "locationName": "name"},
        "Token": {"shape": "S", "location": "querystring", "locationName": "next-token"},
        "Body": {"shape": "S", "locationName": "body", "jsonvalue": true},
        "Id": {"shape": "S", "idempotencyToken": true, "timestampFormat": "unixTimestamp"}}})");
  ASSERT_NE(m, nullptr);
  const Shape* r = m->FindShape("R");
  ASSERT_EQ(r->members.size(), 4u);
  const Member* name = r->FindMember("Name");
  ASSERT_NE(name, nullptr);
  EXPECT_TRUE(name->required);
  EXPECT_EQ(name->location, Location::kUri);
  EXPECT_EQ(name->location_name, "name");
  EXPECT_EQ(r->FindMember("Token")->location, Location::kQuery);
  EXPECT_FALSE(r->FindMember("Token")->required);
  EXPECT_TRUE(r->FindMember("Body")->jsonvalue);
  EXPECT_TRUE(r->FindMember("Id")->idempotency_token);
  EXPECT_EQ(r->FindMember("Id")->timestamp_format, TimestampFormat::kEpochSeconds);
  // Body members by their JSON key only; the others are not in the body.
  EXPECT_EQ(r->FindBodyMember("body"), r->FindMember("Body"));
  EXPECT_EQ(r->FindBodyMember("Id"), r->FindMember("Id"));
  EXPECT_EQ(r->FindBodyMember("name"), nullptr);
  EXPECT_EQ(r->FindBodyMember("Body"), nullptr);
  EXPECT_TRUE(r->has_non_body_members);
  EXPECT_TRUE(r->body_renames);
}

TEST(ModelParse, MemberErrorsNameTheirPlace) {
  EXPECT_NE(ParseError(R"("R": {"type": "structure", "members": {"A": {"shape": "Nope"}}})")
                .find("R.A refers to a missing shape"),
            std::string::npos);
  EXPECT_NE(ParseError(R"("S": {"type": "string"}, "R": {"type": "structure",
                "required": ["B"], "members": {"A": {"shape": "S"}}})")
                .find("R requires an unknown member B"),
            std::string::npos);
  EXPECT_NE(ParseError(R"("S": {"type": "string"}, "R": {"type": "structure",
                "members": {"A": {"shape": "S", "location": "cookie"}}})")
                .find("unknown member location cookie"),
            std::string::npos);
}

TEST(ModelParse, TimestampReachabilityThroughRecursion) {
  auto m = ParseOk(R"(
      "T": {"type": "timestamp"},
      "S": {"type": "string"},
      "Node": {"type": "structure", "members": {"Kids": {"shape": "Kids"}, "Leaf": {"shape": "Leaf"}}},
      "Kids": {"type": "list", "member": {"shape": "Node"}},
      "Leaf": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "T"}},
      "Plain": {"type": "structure", "members": {"Self": {"shape": "Plain"}, "S": {"shape": "S"}}})");
  ASSERT_NE(m, nullptr);
  for (const char* yes : {"T", "Node", "Kids", "Leaf"}) {
    EXPECT_TRUE(m->FindShape(yes)->contains_timestamp) << yes;
  }
  for (const char* no : {"S", "Plain"}) EXPECT_FALSE(m->FindShape(no)->contains_timestamp) << no;
}

TEST(ModelParse, Operations) {
  auto m = ParseOk(R"("In": {"type": "structure", "members": {}},
                      "Out": {"type": "structure", "members": {}},
                      "Err": {"type": "structure", "members": {}, "exception": true})",
                   R"("Do": {"http": {"method": "PUT", "requestUri": "/x/{Y}", "responseCode": 201},
                             "input": "In", "output": "Out", "errors": ["Err"],
                             "idempotent": true},
                      "Bare": {"http": {"method": "GET", "requestUri": "/"}, "readonly": true})");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->operations().size(), 2u);
  const Operation* op = m->FindOperation("Do");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->method, "PUT");
  EXPECT_EQ(op->request_uri, "/x/{Y}");
  EXPECT_EQ(op->response_code, 201);
  EXPECT_EQ(op->input, m->FindShape("In"));
  EXPECT_EQ(op->output, m->FindShape("Out"));
  EXPECT_EQ(op->errors, (std::vector<const Shape*>{m->FindShape("Err")}));
  EXPECT_TRUE(op->idempotent);
  const Operation* bare = m->FindOperation("Bare");
  EXPECT_EQ(bare->input, nullptr);
  EXPECT_FALSE(bare->response_code.has_value());
  EXPECT_TRUE(bare->readonly);
  EXPECT_EQ(m->OperationNames(), (std::vector<std::string>{"Do", "Bare"}));
  EXPECT_NE(ParseError("", R"("Do": {"http": {"method": "GET", "requestUri": "/"},
                                     "input": "Nope"})")
                .find("missing input shape of Do"),
            std::string::npos);
  EXPECT_NE(ParseError("", R"("Do": {"http": {"method": "GET", "requestUri": "/"},
                                     "errors": ["Nope"]})")
                .find("missing error shape of Do"),
            std::string::npos);
}

}  // namespace
}  // namespace profiled::api
