#include "api/router.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace profiled::api {
namespace {

// Instantiates a requestUri template: each {Label} becomes "v-<Label>".
std::string Instantiate(const std::string& uri) {
  std::string out;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '{') {
      size_t close = uri.find('}', i);
      std::string name = uri.substr(i + 1, close - i - 1);
      if (!name.empty() && name.back() == '+') name.pop_back();
      out += "v-" + name;
      i = close;
    } else {
      out += uri[i];
    }
  }
  return out;
}

TEST(Router, EveryOperationRoutesToItself) {
  const Model& model = Model::Get();
  const Router& router = Router::Default();
  EXPECT_TRUE(router.conflicts().empty()) << router.conflicts().front();
  for (const Operation& op : model.operations()) {
    std::string path = Instantiate(op.request_uri);
    auto m = router.Match(op.method, path, "");
    ASSERT_TRUE(m.ok()) << op.name << " " << path << ": " << m.error().message();
    EXPECT_EQ(m->operation, &op) << op.method << " " << path << " routed to " << m->operation->name;
    // Every label of the template is bound, decoded.
    std::regex label(R"(\{([A-Za-z0-9_]+)\+?\})");
    for (std::sregex_iterator it(op.request_uri.begin(), op.request_uri.end(), label), end;
         it != end; ++it) {
      std::string name = (*it)[1];
      const std::string* value = m->FindLabel(name);
      ASSERT_NE(value, nullptr) << op.name << " " << name;
      EXPECT_EQ(*value, "v-" + name);
    }
    // A trailing slash routes the same.
    auto slash = router.Match(op.method, path + "/", "");
    ASSERT_TRUE(slash.ok()) << op.name;
    EXPECT_EQ(slash->operation, &op);
  }
}

TEST(Router, LiteralSegmentsBeatLabels) {
  const Router& router = Router::Default();
  auto del = router.Match("POST", "/domains/d/profiles/delete", "");
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->operation->name, "DeleteProfile");
  EXPECT_EQ(*del->FindLabel("DomainName"), "d");
  EXPECT_EQ(router.Match("POST", "/domains/d/profiles", "")->operation->name, "CreateProfile");
  EXPECT_EQ(router.Match("PUT", "/domains/d/profiles", "")->operation->name, "UpdateProfile");
  EXPECT_EQ(router.Match("POST", "/domains/d/profiles/keys/delete", "")->operation->name,
            "DeleteProfileKey");
  EXPECT_EQ(router.Match("POST", "/domains/d/profiles/objects/merge", "")->operation->name,
            "MergeProfiles");
  EXPECT_EQ(router.Match("POST", "/domains/d/integrations/delete", "")->operation->name,
            "DeleteIntegration");
  EXPECT_EQ(router.Match("GET", "/domains/d/workflows/w/steps", "")->operation->name,
            "GetWorkflowSteps");
  EXPECT_EQ(router.Match("PUT", "/domains/d/upload-jobs/j/stop", "")->operation->name,
            "StopUploadJob");
  EXPECT_EQ(router.Match("PUT", "/domains/d/upload-jobs/j", "")->operation->name, "StartUploadJob");
  // A label whose value happens to equal a literal elsewhere still routes by position.
  EXPECT_EQ(router.Match("POST", "/domains/delete", "")->operation->name, "CreateDomain");
  EXPECT_EQ(router.Match("GET", "/domains/profiles", "")->operation->name, "GetDomain");
}

TEST(Router, LabelsArePercentDecodedAfterSplitting) {
  const Router& router = Router::Default();
  auto m = router.Match(
      "GET", "/tags/arn%3Aaws%3Aprofile%3Aus-east-1%3A123456789012%3Adomains%2Fmy%20d", "");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->operation->name, "ListTagsForResource");
  EXPECT_EQ(*m->FindLabel("resourceArn"), "arn:aws:profile:us-east-1:123456789012:domains/my d");
  // An unencoded '/' is a segment separator, so this path is unknown.
  EXPECT_FALSE(router.Match("GET", "/tags/arn:aws:profile:x:1:domains/d", "").ok());
  // Encoded literal segments still match.
  EXPECT_EQ(router.Match("POST", "/domains/d/profiles/%64elete", "")->operation->name,
            "DeleteProfile");
}

TEST(Router, UnknownMethodOrPathIsUnknownOperation) {
  const Router& router = Router::Default();
  for (auto [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/nope"},
                                                        {"PATCH", "/domains/d"},
                                                        {"GET", "/domains/d/profiles/x/y/z"},
                                                        {"POST", "/domains//profiles"},
                                                        {"GET", "/"},
                                                        {"HEAD", "/domains"}}) {
    auto m = router.Match(method, path, "");
    ASSERT_FALSE(m.ok()) << method << " " << path;
    EXPECT_EQ(m.error().code(), ErrorCode::kUnknownOperation);
  }
  EXPECT_EQ(router.Match("GET", "/domains", "max-results=5")->operation->name, "ListDomains");
  EXPECT_EQ(router.Match("GET", "/domains/", "")->operation->name, "ListDomains");
}

// Greedy labels, fixed query strings and conflicts, on a small model of their own (the
// Customer Profiles model has none of the first two).
TEST(Router, GreedyLabelsFixedQueriesAndConflicts) {
  auto model = Model::Parse(R"({"metadata":{},"shapes":{},"operations":{
    "GetObject":{"http":{"method":"GET","requestUri":"/{Bucket}/{Key+}"}},
    "GetObjectAcl":{"http":{"method":"GET","requestUri":"/{Bucket}/{Key+}?acl"}},
    "GetBucket":{"http":{"method":"GET","requestUri":"/{Bucket}"}},
    "ListBuckets":{"http":{"method":"GET","requestUri":"/"}},
    "Twin":{"http":{"method":"GET","requestUri":"/{Other}"}},
    "Special":{"http":{"method":"GET","requestUri":"/{Bucket}/special"}}}})");
  ASSERT_TRUE(model.ok()) << model.error().message();
  Router router(**model);
  ASSERT_EQ(router.conflicts().size(), 1u);
  EXPECT_NE(router.conflicts()[0].find("GET /{}"), std::string::npos);

  auto obj = router.Match("GET", "/b/a/b%2Fc/d.txt", "");
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(obj->operation->name, "GetObject");
  EXPECT_EQ(*obj->FindLabel("Bucket"), "b");
  EXPECT_EQ(*obj->FindLabel("Key"), "a/b/c/d.txt");
  EXPECT_EQ(router.Match("GET", "/b/a/b", "acl")->operation->name, "GetObjectAcl");
  EXPECT_EQ(router.Match("GET", "/b/a/b", "x=1&acl=")->operation->name, "GetObjectAcl");
  EXPECT_EQ(router.Match("GET", "/b/special", "")->operation->name, "Special");
  EXPECT_EQ(router.Match("GET", "/b/special/more", "")->operation->name, "GetObject");
  EXPECT_EQ(router.Match("GET", "/", "")->operation->name, "ListBuckets");
  EXPECT_EQ(router.Match("GET", "", "")->operation->name, "ListBuckets");
}

}  // namespace
}  // namespace profiled::api
