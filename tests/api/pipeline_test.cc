#include "api/pipeline.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/errors.h"
#include "api/model.h"

namespace profiled::api {
namespace {

namespace json = boost::json;

std::string Header(const HttpResponse& r, std::string_view name) {
  const std::string* v = FindHeader(r.headers, name);
  return v ? *v : "<absent>";
}

json::object Body(const HttpResponse& r) { return json::parse(r.body).as_object(); }

// Numbers compare by value (the golden files hold 1700000000.0 where the binder has 1700000000).
bool SameJson(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const json::value* other = y.if_contains(kv.key());
      if (!other || !SameJson(kv.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SameJson(x[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

class FixedAuthenticator final : public auth::Authenticator {
 public:
  explicit FixedAuthenticator(std::optional<Error> error = std::nullopt) : error_(error) {}
  Result<auth::Identity> Authenticate(const HttpRequest&) const override {
    if (error_) return *error_;
    return auth::Identity{"AKIDEXAMPLE", "111122223333"};
  }

 private:
  std::optional<Error> error_;
};

class PipelineTest : public ::testing::Test {
 protected:
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    Pipeline pipeline(registry_, auth_, PipelineOptions{"eu-west-1"});
    return pipeline.Handle(HttpRequest{method, target, {}, body, "127.0.0.1", ""});
  }

  service::Registry registry_;
  FixedAuthenticator auth_;
  service::RequestContext last_context_;
  json::object last_input_;
};

TEST_F(PipelineTest, DispatchesBoundInputAndSerializesOutput) {
  registry_.Register(
      "CreateDomain",
      [this](const service::RequestContext& ctx, json::object input) -> Result<json::object> {
        last_context_ = ctx;
        last_input_ = input;
        return json::object{{"DomainName", input.at("DomainName")},
                            {"DefaultExpirationDays", input.at("DefaultExpirationDays")},
                            {"CreatedAt", 1700000000.5},
                            {"LastUpdatedAt", "2023-11-14T22:13:20Z"}};
      });
  HttpResponse r = Call("POST", "/domains/d1", R"({"DefaultExpirationDays": 9})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.operation, "CreateDomain");
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  std::string request_id = Header(r, "x-amzn-RequestId");
  EXPECT_EQ(request_id.size(), 36u);
  json::object body = Body(r);
  EXPECT_EQ(body.at("DomainName"), "d1");
  EXPECT_EQ(body.at("DefaultExpirationDays"), 9);
  EXPECT_EQ(body.at("CreatedAt").to_number<double>(), 1700000000.5);
  EXPECT_EQ(body.at("LastUpdatedAt").to_number<double>(), 1700000000);  // epoch seconds

  EXPECT_EQ(last_context_.account_id, "111122223333");
  EXPECT_EQ(last_context_.region, "eu-west-1");
  EXPECT_EQ(last_context_.request_id, request_id);
  EXPECT_EQ(last_input_.at("DomainName"), "d1");
}

// Only point reads that never write may hold a network thread (--io-thread-reads), and only
// single-profile writes may run on its fibers (--io-thread-writes).
TEST_F(PipelineTest, QuickReadsAndWritesAreTheSingleProfileOnes) {
  Pipeline pipeline(registry_, auth_, PipelineOptions{});
  auto cost = [&](const std::string& method, const std::string& target) {
    return pipeline.CostOf(HttpRequest{method, target, {}, "", "127.0.0.1", ""});
  };
  using Cost = Pipeline::Cost;
  EXPECT_EQ(cost("POST", "/domains/d/profiles/search"), Cost::kQuickRead);
  EXPECT_EQ(cost("POST", "/domains/d/batch-get-profiles"), Cost::kQuickRead);
  // GetDomain removes what expiry has made due before it counts (service/expiry.h).
  EXPECT_EQ(cost("GET", "/domains/d"), Cost::kOther);
  EXPECT_EQ(cost("POST", "/domains/d/profiles"), Cost::kQuickWrite);  // CreateProfile
  EXPECT_EQ(cost("PUT", "/domains/d/profiles"), Cost::kQuickWrite);   // UpdateProfile
  EXPECT_EQ(cost("PUT", "/domains/d/profiles/objects"), Cost::kQuickWrite);
  EXPECT_EQ(cost("POST", "/domains/d/profiles/delete"), Cost::kQuickWrite);    // DeleteProfile
  EXPECT_EQ(cost("POST", "/domains/d/profiles/objects/merge"), Cost::kOther);  // MergeProfiles
  EXPECT_EQ(cost("DELETE", "/domains/d"), Cost::kOther);
  EXPECT_EQ(cost("GET", "/nothing/here"), Cost::kOther);
}

TEST_F(PipelineTest, UnservedOperationIsNotImplemented) {
  HttpResponse r = Call("PUT", "/domains/d/integrations", R"({"Uri":"u"})");
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(r.operation, "PutIntegration");
  EXPECT_EQ(Header(r, "x-amzn-ErrorType"), "NotImplementedException");
  EXPECT_EQ(Body(r).at("Message"), "Profiled does not implement the operation PutIntegration yet");
}

TEST_F(PipelineTest, UnknownPathIsUnknownOperation) {
  HttpResponse r = Call("GET", "/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.operation, "-");
  EXPECT_EQ(Header(r, "x-amzn-ErrorType"), "UnknownOperationException");
  EXPECT_NE(Header(r, "x-amzn-RequestId"), "<absent>");
}

TEST_F(PipelineTest, ValidationFailureIsBadRequestNamingTheMember) {
  bool called = false;
  registry_.Register("CreateDomain",
                     [&](const service::RequestContext&, json::object) -> Result<json::object> {
                       called = true;
                       return json::object();
                     });
  HttpResponse r = Call("POST", "/domains/bad%20name", R"({"DefaultExpirationDays": 9})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Header(r, "x-amzn-ErrorType"), "BadRequestException");
  EXPECT_EQ(Body(r).at("Message"),
            "1 validation error detected: Value 'bad name' at 'DomainName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_-]+$");
  EXPECT_FALSE(called);

  HttpResponse malformed = Call("POST", "/domains/d", "{not json");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(Header(malformed, "x-amzn-ErrorType"), "BadRequestException");
  EXPECT_FALSE(called);
}

TEST_F(PipelineTest, HandlerErrorsAndExceptionsBecomeAwsErrors) {
  registry_.Register("GetDomain",
                     [](const service::RequestContext&, json::object) -> Result<json::object> {
                       return Error::NotFound("Domain d does not exist");
                     });
  registry_.Register(
      "DeleteDomain",
      [](const service::RequestContext&, json::object input) -> Result<json::object> {
        (void)input.at("NoSuchMember");  // throws
        return json::object();
      });
  HttpResponse nf = Call("GET", "/domains/d");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.operation, "GetDomain");
  EXPECT_EQ(Header(nf, "x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(Body(nf).at("Message"), "Domain d does not exist");

  HttpResponse boom = Call("DELETE", "/domains/d");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.operation, "DeleteDomain");
  EXPECT_EQ(Header(boom, "x-amzn-ErrorType"), "InternalServerException");
}

TEST_F(PipelineTest, AuthenticationFailuresStopBeforeRouting) {
  FixedAuthenticator denied(Error(ErrorCode::kInvalidSignature, "The signature does not match"));
  Pipeline pipeline(registry_, denied, PipelineOptions{});
  HttpResponse r = pipeline.Handle(HttpRequest{"GET", "/domains", {}, "", "", ""});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Header(r, "x-amzn-ErrorType"), "InvalidSignatureException");
  EXPECT_EQ(Body(r).at("Message"), "The signature does not match");
}

TEST_F(PipelineTest, StatusCodeMemberSetsTheStatus) {
  registry_.Register(
      "CreateSegmentEstimate",
      [](const service::RequestContext&, json::object) -> Result<json::object> {
        return json::object{{"DomainName", "d"}, {"EstimateId", "e"}, {"StatusCode", 202}};
      });
  HttpResponse r =
      Call("POST", "/domains/d/segment-estimates", R"({"SegmentQuery":{"Groups":[]}})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_FALSE(Body(r).contains("StatusCode"));
  EXPECT_EQ(Body(r).at("EstimateId"), "e");
}

TEST(Errors, OneTableForEveryCode) {
  struct Row {
    ErrorCode code;
    std::string_view type;
    int status;
  };
  for (const Row& row : std::vector<Row>{
           {ErrorCode::kBadRequest, "BadRequestException", 400},
           {ErrorCode::kNotFound, "ResourceNotFoundException", 404},
           {ErrorCode::kInternal, "InternalServerException", 500},
           {ErrorCode::kUnavailable, "InternalServerException", 503},
           {ErrorCode::kConflict, "InternalServerException", 500},
           {ErrorCode::kNotImplemented, "NotImplementedException", 501},
           {ErrorCode::kUnknownOperation, "UnknownOperationException", 404},
           {ErrorCode::kPayloadTooLarge, "RequestEntityTooLargeException", 413},
           {ErrorCode::kHeadersTooLarge, "RequestHeaderFieldsTooLarge", 431},
           {ErrorCode::kMissingAuthenticationToken, "MissingAuthenticationTokenException", 403},
           {ErrorCode::kInvalidSignature, "InvalidSignatureException", 403},
           {ErrorCode::kUnrecognizedClient, "UnrecognizedClientException", 403}}) {
    AwsError e = AwsErrorFor(row.code);
    EXPECT_EQ(e.type, row.type);
    EXPECT_EQ(e.status, row.status);
    HttpResponse r = ErrorResponse(Error(row.code, "why \"quoted\""), "rid");
    EXPECT_EQ(r.status, row.status);
    EXPECT_EQ(Header(r, "x-amzn-ErrorType"), row.type);
    EXPECT_EQ(Header(r, "x-amzn-RequestId"), "rid");
    EXPECT_EQ(Body(r).at("Message"), "why \"quoted\"");
  }
  // The model's own errors that Profiled produces carry the model's statuses. (Its
  // AccessDeniedException has no code: nothing here refuses; ThrottlingException has none either:
  // only the pipeline throttles, with kThrottlingException, quota_test.cc.)
  for (auto [shape, code] : std::vector<std::pair<std::string, ErrorCode>>{
           {"BadRequestException", ErrorCode::kBadRequest},
           {"ResourceNotFoundException", ErrorCode::kNotFound},
           {"InternalServerException", ErrorCode::kInternal}}) {
    EXPECT_EQ(Model::Get().FindShape(shape)->error_status, AwsErrorFor(code).status) << shape;
    EXPECT_EQ(AwsErrorFor(code).type, shape);
  }
}

// Requests captured from botocore (tests/api/golden/capture.py) bind to exactly the parameters
// the client was given.
TEST(Golden, BotocoreRequestsBindToTheirParameters) {
  std::filesystem::path dir = std::filesystem::path(PROFILED_SOURCE_DIR) / "tests/api/golden";
  int cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    json::object golden = json::parse(text.str()).as_object();
    std::string name(golden.at("name").as_string());
    HttpRequest request;
    request.method = std::string(golden.at("method").as_string());
    request.target = std::string(golden.at("target").as_string());
    request.body = std::string(golden.at("body").as_string());
    for (const auto& kv : golden.at("headers").as_object()) {
      request.headers.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
    }
    service::Registry registry;
    json::object seen;
    registry.Register(
        name, [&](const service::RequestContext&, json::object input) -> Result<json::object> {
          seen = input;
          return json::object();
        });
    FixedAuthenticator auth;
    Pipeline pipeline(registry, auth, PipelineOptions{});
    HttpResponse r = pipeline.Handle(request);
    EXPECT_EQ(r.operation, name) << entry.path();
    EXPECT_LT(r.status, 300) << name << ": " << r.body;
    EXPECT_TRUE(SameJson(seen, golden.at("input")))
        << name << ": bound " << json::serialize(seen) << " expected "
        << json::serialize(golden.at("input"));
    ++cases;
  }
  EXPECT_GE(cases, 8);
}

}  // namespace
}  // namespace profiled::api
