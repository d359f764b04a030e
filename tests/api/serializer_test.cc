#include "api/serializer.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <string>

#include "api/conform.h"

namespace profiled::api {
namespace {

namespace json = boost::json;

// A compact model with one operation whose output reaches every kind of nesting: a structure, a
// list of structures, a map of structures, a list of lists, a header, a status code and a
// document, with timestamps at several depths.
constexpr const char* kModel = R"({
  "metadata": {"apiVersion": "2020-08-15"},
  "operations": {
    "GetThing": {"http": {"method": "GET", "requestUri": "/things/{Name}"},
                 "input": "GetThingRequest", "output": "GetThingResponse"}
  },
  "shapes": {
    "GetThingRequest": {"type": "structure", "required": ["Name"],
      "members": {"Name": {"shape": "string", "location": "uri", "locationName": "Name"}}},
    "GetThingResponse": {"type": "structure", "members": {
      "Name": {"shape": "string"},
      "CreatedAt": {"shape": "timestamp"},
      "Version": {"shape": "string", "location": "header", "locationName": "x-thing-version"},
      "Code": {"shape": "integer", "location": "statusCode"},
      "Detail": {"shape": "Detail"},
      "Items": {"shape": "DetailList"},
      "ByKey": {"shape": "DetailMap"},
      "Grid": {"shape": "Grid"},
      "Labels": {"shape": "Labels"},
      "Raw": {"shape": "Raw"}}},
    "Detail": {"type": "structure", "members": {
      "Uri": {"shape": "string"},
      "At": {"shape": "timestamp"},
      "Renamed": {"shape": "string", "locationName": "renamed"},
      "Inner": {"shape": "Detail"}}},
    "DetailList": {"type": "list", "member": {"shape": "Detail"}},
    "DetailMap": {"type": "map", "key": {"shape": "string"}, "value": {"shape": "Detail"}},
    "Row": {"type": "list", "member": {"shape": "Detail"}},
    "Grid": {"type": "list", "member": {"shape": "Row"}},
    "Labels": {"type": "map", "key": {"shape": "string"}, "value": {"shape": "string"}},
    "Raw": {"type": "document"},
    "integer": {"type": "integer"},
    "string": {"type": "string"},
    "timestamp": {"type": "timestamp"}
  }
})";

class SerializerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = Model::Parse(kModel);
    ASSERT_TRUE(model.ok()) << model.error().message();
    model_ = std::move(model).value();
    op_ = model_->FindOperation("GetThing");
    ASSERT_NE(op_, nullptr);
  }

  // The body of the response to `output` (given as JSON text).
  std::string Body(std::string_view output) {
    HttpResponse r = Serialize(*op_, json::parse(output).as_object(), "rid");
    return r.body;
  }

  std::unique_ptr<Model> model_;
  const Operation* op_ = nullptr;
};

TEST_F(SerializerTest, WritesDeclaredMembersUnchangedInTheirOrder) {
  std::string out = R"({"Name":"n","Labels":{"a":"1","b":"2"},"Detail":{"Uri":"u","At":5}})";
  EXPECT_EQ(Body(out), out);
}

TEST_F(SerializerTest, DropsTopLevelMembersTheShapeDoesNotDeclare) {
  EXPECT_EQ(Body(R"({"_internal":1,"Name":"n","DomainName":"d","Extra":{"x":1}})"),
            R"({"Name":"n"})");
  EXPECT_EQ(Body(R"({"Stored":true})"), "{}");
}

TEST_F(SerializerTest, DropsUndeclaredMembersAtEveryDepth) {
  EXPECT_EQ(Body(R"({"Detail":{"Uri":"u","Status":"x","Inner":{"Uri":"v","Deep":1}}})"),
            R"({"Detail":{"Uri":"u","Inner":{"Uri":"v"}}})");
  // List elements, map values and lists of lists.
  EXPECT_EQ(Body(R"({"Items":[{"Uri":"a","x":1},{"y":2}],"ByKey":{"k":{"Uri":"b","z":3}},)"
                 R"("Grid":[[{"Uri":"c","w":4}],[]]})"),
            R"({"Items":[{"Uri":"a"},{}],"ByKey":{"k":{"Uri":"b"}},"Grid":[[{"Uri":"c"}],[]]})");
}

TEST_F(SerializerTest, KeepsMapKeysAndDocumentContents) {
  // A map's keys are data, not members; a document's contents are not the model's.
  EXPECT_EQ(Body(R"({"Labels":{"anything":"1"},"Raw":{"free":{"form":[1,2]}}})"),
            R"({"Labels":{"anything":"1"},"Raw":{"free":{"form":[1,2]}}})");
}

TEST_F(SerializerTest, LeavesValuesOfTheWrongKindAlone) {
  EXPECT_EQ(Body(R"({"Detail":"text","Items":{"a":1},"Labels":[1]})"),
            R"({"Detail":"text","Items":{"a":1},"Labels":[1]})");
}

TEST_F(SerializerTest, TurnsTimestampStringsIntoEpochSecondsAtAnyDepth) {
  json::object body = json::parse(Body(R"({"CreatedAt":"2023-11-14T22:13:20Z",)"
                                       R"("Items":[{"At":"2023-11-14T22:13:20Z"}],)"
                                       R"("ByKey":{"k":{"Inner":{"At":1700000000.5}}}})"))
                          .as_object();
  EXPECT_EQ(body.at("CreatedAt").to_number<double>(), 1700000000);
  EXPECT_EQ(body.at("Items").at(0).at("At").to_number<double>(), 1700000000);
  EXPECT_EQ(body.at("ByKey").at("k").at("Inner").at("At").to_number<double>(), 1700000000.5);
}

TEST_F(SerializerTest, MovesHeaderAndStatusMembersOutOfTheBody) {
  HttpResponse r = Serialize(
      *op_, json::parse(R"({"Version":"7","Name":"n","Code":202,"Other":1})").as_object(), "rid");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"Name":"n"})");
  bool found = false;
  for (const auto& [name, value] : r.headers) {
    if (name == "x-thing-version") {
      found = true;
      EXPECT_EQ(value, "7");
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(SerializerTest, DropsNulls) {
  EXPECT_EQ(Body(R"({"Name":null,"Detail":{"Uri":null,"At":1}})"), R"({"Detail":{"At":1}})");
}

TEST_F(SerializerTest, WritesRenamedMembersUnderTheirJsonKeys) {
  EXPECT_EQ(Body(R"({"Detail":{"Renamed":"r","Uri":"u"}})"),
            R"({"Detail":{"Uri":"u","renamed":"r"}})");
}

// The same walk conforms a request body: wire keys become member names.
TEST_F(SerializerTest, ConformToShapeRenamesTheOtherWayForRequests) {
  json::value v = json::parse(R"({"renamed":"r","Renamed":"dropped","x":1})");
  ConformToShape(*model_->FindShape("Detail"), v, Direction::kRequest);
  EXPECT_EQ(v, json::parse(R"({"Renamed":"r"})"));
}

TEST_F(SerializerTest, ConformToShapeWorksOnAnyShape) {
  json::value v = json::parse(R"([{"Uri":"a","x":1,"At":"2023-11-14T22:13:20Z"}])");
  ConformToShape(*model_->FindShape("DetailList"), v, Direction::kResponse);
  ASSERT_EQ(v.at(0).as_object().size(), 2u);
  EXPECT_EQ(v.at(0).at("Uri"), "a");
  EXPECT_EQ(v.at(0).at("At").to_number<double>(), 1700000000);
}

// The embedded model's shapes are the authority for the served operations: a stored document
// handed over whole comes out as the response shape.
TEST(SerializerEmbeddedModel, CreateEventStreamAnswersOnlyItsArnAndTags) {
  const Operation* op = Model::Get().FindOperation("CreateEventStream");
  ASSERT_NE(op, nullptr);
  json::object view = json::parse(R"({"EventStreamName":"s","Uri":"arn:aws:kinesis:x",)"
                                  R"("DomainName":"d","EventStreamArn":"arn:s","CreatedAt":1,)"
                                  R"("State":"RUNNING","Tags":{"k":"v"}})")
                          .as_object();
  HttpResponse r = Serialize(*op, std::move(view), "rid");
  EXPECT_EQ(r.body, R"({"EventStreamArn":"arn:s","Tags":{"k":"v"}})");
}

TEST(SerializerEmbeddedModel, SearchProfilesDropsInternalProfileMembers) {
  const Operation* op = Model::Get().FindOperation("SearchProfiles");
  ASSERT_NE(op, nullptr);
  HttpResponse r = Serialize(
      *op,
      json::parse(R"({"Items":[{"ProfileId":"p","_hlast":"x","Address":{"City":"c","_k":1},)"
                  R"("Attributes":{"_free":"kept"}}],"NextToken":"t"})")
          .as_object(),
      "rid");
  EXPECT_EQ(r.body,
            R"({"Items":[{"ProfileId":"p","Address":{"City":"c"},"Attributes":{"_free":"kept"}}],)"
            R"("NextToken":"t"})");
}

}  // namespace
}  // namespace profiled::api
