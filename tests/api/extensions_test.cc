// Profiled's /_profiled/ operations: binding, and dispatch through the pipeline with and without
// SigV4.
#include "api/extensions.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <set>

#include "api/errors.h"
#include "api/model.h"
#include "api/pipeline.h"
#include "api/uri.h"

namespace profiled::api {
namespace {

namespace json = boost::json;

HttpRequest Req(std::string method, std::string target, std::string body = "") {
  return HttpRequest{std::move(method), std::move(target), {}, std::move(body), "127.0.0.1", ""};
}

Result<ExtensionRequest> BindTarget(const HttpRequest& request) {
  std::string_view path, query;
  SplitTarget(request.target, &path, &query);
  return BindExtension(request, path, query);
}

TEST(ExtensionsTest, NamesAreNotTheModelsAndAreUnique) {
  auto model = Model::Get().OperationNames();
  std::set<std::string> seen(model.begin(), model.end());
  for (const auto& name : ExtensionOperationNames()) {
    EXPECT_TRUE(name.starts_with("Profiled")) << name;
    EXPECT_TRUE(seen.insert(name).second) << name << " is a model name or listed twice";
  }
}

TEST(ExtensionsTest, EveryPathIsInTheExtensionSpaceAndNoModelRouteIs) {
  for (const auto& op : ExtensionOperations()) EXPECT_TRUE(IsExtensionPath(op.path)) << op.name;
  EXPECT_FALSE(IsExtensionPath("/domains/_profiled/"));
  EXPECT_FALSE(IsExtensionPath("/_profiledx/a"));
}

TEST(ExtensionsTest, BindsLabelsBodyAndQuery) {
  auto bound = BindTarget(Req("POST", "/_profiled/domains/my%2Ddomain/identity-resolution-jobs?X=1",
                              R"({"A": 2, "DomainName": "ignored"})"));
  ASSERT_TRUE(bound.ok()) << bound.error().message();
  EXPECT_EQ(bound->operation->name, "ProfiledStartIdentityResolutionJob");
  EXPECT_EQ(bound->input.at("DomainName"), "my-domain");  // the label wins over the body
  EXPECT_EQ(bound->input.at("A"), 2);
  EXPECT_EQ(bound->input.at("X"), "1");
}

TEST(ExtensionsTest, RawBodyIsKeptAsBody) {
  auto bound = BindTarget(Req("PUT", "/_profiled/uploads/abc?Signature=s", "a,b\n1,2\n"));
  ASSERT_TRUE(bound.ok()) << bound.error().message();
  EXPECT_EQ(bound->input.at("Body"), "a,b\n1,2\n");
  EXPECT_EQ(bound->input.at("UploadId"), "abc");
  EXPECT_EQ(bound->input.at("Signature"), "s");
}

TEST(ExtensionsTest, RefusesWhatItCannotBind) {
  auto unknown = BindTarget(Req("GET", "/_profiled/domains/d/identity-resolution-jobs"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kUnknownOperation);
  auto empty_label = BindTarget(Req("POST", "/_profiled/domains//identity-resolution-jobs"));
  EXPECT_FALSE(empty_label.ok());
  auto not_object = BindTarget(Req("POST", "/_profiled/domains/d/identity-resolution-jobs", "[1]"));
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().code(), ErrorCode::kBadRequest);
}

class CountingAuthenticator final : public auth::Authenticator {
 public:
  explicit CountingAuthenticator(bool accept) : accept_(accept) {}
  Result<auth::Identity> Authenticate(const HttpRequest&) const override {
    ++calls;
    if (!accept_) return Error(ErrorCode::kMissingAuthenticationToken, "Missing Authentication");
    return auth::Identity{"AKIDEXAMPLE", "111122223333"};
  }
  mutable int calls = 0;

 private:
  bool accept_;
};

TEST(ExtensionsPipelineTest, DispatchesSignedOperationsWithTheCallersAccount) {
  service::Registry registry;
  std::string account;
  registry.Register("ProfiledStartIdentityResolutionJob",
                    [&](const service::RequestContext& ctx, json::object input) {
                      account = ctx.account_id;
                      return Result<json::object>(json::object{{"JobId", input.at("DomainName")}});
                    });
  CountingAuthenticator auth(true);
  Pipeline pipeline(registry, auth, PipelineOptions{});
  HttpResponse r = pipeline.Handle(Req("POST", "/_profiled/domains/d1/identity-resolution-jobs"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"JobId":"d1"})"));
  EXPECT_EQ(account, "111122223333");
  EXPECT_EQ(r.operation, "ProfiledStartIdentityResolutionJob");
}

TEST(ExtensionsPipelineTest, UnsignedCallersGetTheAuthenticationErrorNotTheRoute) {
  service::Registry registry;
  CountingAuthenticator auth(false);
  Pipeline pipeline(registry, auth, PipelineOptions{});
  HttpResponse signed_op =
      pipeline.Handle(Req("POST", "/_profiled/domains/d1/identity-resolution-jobs"));
  EXPECT_EQ(signed_op.status, 403);
  HttpResponse unknown = pipeline.Handle(Req("GET", "/_profiled/nothing-here"));
  EXPECT_EQ(unknown.status, 403);
}

TEST(ExtensionsPipelineTest, SelfAuthorisingOperationsSkipSigV4AndUnservedOnesAre501) {
  service::Registry registry;
  CountingAuthenticator auth(false);
  Pipeline pipeline(registry, auth, PipelineOptions{});
  HttpResponse r = pipeline.Handle(Req("PUT", "/_profiled/uploads/u1", "x"));
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(auth.calls, 0);
  EXPECT_NE(r.body.find("ProfiledPutUploadFile"), std::string::npos);

  std::string account = "unset";
  registry.Register("ProfiledPutUploadFile", [&](const service::RequestContext& ctx, json::object) {
    account = ctx.account_id;
    return Result<json::object>(json::object{});
  });
  EXPECT_EQ(pipeline.Handle(Req("PUT", "/_profiled/uploads/u1", "x")).status, 200);
  EXPECT_EQ(account, "");
}

}  // namespace
}  // namespace profiled::api
