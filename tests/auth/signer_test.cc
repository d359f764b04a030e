// The outbound signer (auth/signer.h) against requests signed by others: botocore's S3, Kinesis
// and Customer Profiles clients (vectors/botocore-clients, make_botocore_client_vectors.py, and
// vectors/botocore) and AWS's own test suite (vectors/aws). Each request is stripped of its
// signature and of the headers its signer did not sign, signed again at the same instant, and
// must carry exactly the same Authorization header.
#include "auth/signer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "auth/vector_util.h"
#include "auth/verifier.h"

namespace profiled::auth {
namespace {

using testing::At;
using testing::ParseRawRequest;
using testing::ReadFile;

// The values make_botocore_vectors.py and make_botocore_client_vectors.py sign with.
constexpr char kBotocoreAt[] = "20261129T120000Z";
constexpr char kBotocoreKey[] = "AKIAPROFILEDTEST0001";
constexpr char kBotocoreSecret[] = "pr0f1led/Secret+Key/ForTests00000000000000";
constexpr char kSessionToken[] = "FwoGZXIvYXdzEProfiledSessionToken+/=";

// Keeps only the headers `authorization` names in SignedHeaders (minus the ones the signer sets
// itself), so that what is left is what the original signer saw before signing.
HttpRequest Unsigned(HttpRequest request) {
  const std::string authorization = *FindHeader(request.headers, "authorization");
  auto claim = sigv4::ParseAuthorizationHeader(authorization);
  EXPECT_TRUE(claim.ok());
  std::erase_if(request.headers, [&](const auto& h) {
    std::string lower = AsciiStrToLower(h.first);
    bool is_signed = std::find(claim->signed_headers.begin(), claim->signed_headers.end(), lower) !=
                     claim->signed_headers.end();
    return !is_signed || lower == "x-amz-date" || lower == "x-amz-content-sha256" ||
           lower == "x-amz-security-token";
  });
  return request;
}

std::string SignedAuthorization(const HttpRequest& original, const SigningCredentials& keys,
                                const SigningScope& scope, const std::string& at) {
  HttpRequest request = Unsigned(original);
  SignRequest(request, keys, scope, At(at));
  const std::string* authorization = FindHeader(request.headers, "authorization");
  return authorization == nullptr ? "" : *authorization;
}

struct ClientVector {
  std::string name;
  std::string service;
  bool s3;
  bool session_token;
};

class BotocoreClientTest : public ::testing::TestWithParam<ClientVector> {};

TEST_P(BotocoreClientTest, AuthorizationEqualsBotocores) {
  const ClientVector& v = GetParam();
  HttpRequest request =
      ParseRawRequest(ReadFile(testing::VectorsDir() / "botocore-clients" / (v.name + ".txt")));
  SigningCredentials keys{kBotocoreKey, kBotocoreSecret, v.session_token ? kSessionToken : ""};
  EXPECT_EQ(SignedAuthorization(request, keys, {"us-east-1", v.service, v.s3}, kBotocoreAt),
            *FindHeader(request.headers, "authorization"));
}

INSTANTIATE_TEST_SUITE_P(
    Golden, BotocoreClientTest,
    ::testing::Values(ClientVector{"s3-put-object", "s3", true, false},
                      ClientVector{"s3-put-object-session-token", "s3", true, true},
                      ClientVector{"s3-list-objects-v2", "s3", true, true},
                      ClientVector{"kinesis-put-records", "kinesis", false, false}),
    [](const auto& info) {
      std::string name = info.param.name;
      for (char& c : name) c = c == '-' ? '_' : c;
      return name;
    });

TEST(Signer, ProfileRequestsEqualBotocores) {
  for (const char* name : {"create-domain", "get-domain", "list-domains", "search-profiles",
                           "delete-object-type-escaped"}) {
    HttpRequest request = ParseRawRequest(
        ReadFile(testing::VectorsDir() / "botocore" / (std::string(name) + ".txt")));
    EXPECT_EQ(SignedAuthorization(request, {kBotocoreKey, kBotocoreSecret, ""},
                                  {"us-east-1", "profile", false}, kBotocoreAt),
              *FindHeader(request.headers, "authorization"))
        << name;
  }
}

TEST(Signer, AwsSuiteHeaderVectorsSignTheSame) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::VectorsDir() / "aws")) {
    auto file = entry.path() / "header-signed-request.txt";
    if (!std::filesystem::exists(file)) continue;
    HttpRequest request = ParseRawRequest(ReadFile(file));
    // This one's signer signed Content-Length, which an SDK does not (the transport sets it).
    if (entry.path().filename() == "post-x-www-form-urlencoded") continue;
    EXPECT_EQ(SignedAuthorization(request,
                                  {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""},
                                  {"us-east-1", "service", false}, "20150830T123600Z"),
              *FindHeader(request.headers, "authorization"))
        << entry.path().filename();
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST(Signer, WhatItSignsVerifies) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/domains/my%20domain/profiles?x=a%2Fb";
  request.headers = {
      {"Host", "localhost:8080"}, {"Content-Type", "application/json"}, {"User-Agent", "profiled"}};
  request.body = R"({"FirstName":"Ada"})";
  SignRequest(request, {kBotocoreKey, kBotocoreSecret, ""}, {"us-east-1", "profile", false},
              At(kBotocoreAt));
  auto keys = ParseCredentials(std::string("[k]\naws_access_key_id = ") + kBotocoreKey +
                                   "\naws_secret_access_key = " + kBotocoreSecret +
                                   "\naws_account_id = 111122223333\n",
                               "test");
  ASSERT_TRUE(keys.ok());
  auto identity = VerifySigV4(request, *keys, VerifierOptions{}, At(kBotocoreAt));
  ASSERT_TRUE(identity.ok()) << identity.error().message();
  EXPECT_EQ(identity->account_id, "111122223333");
  // The body is part of the signature.
  request.body = R"({"FirstName":"Bob"})";
  EXPECT_FALSE(VerifySigV4(request, *keys, VerifierOptions{}, At(kBotocoreAt)).ok());
}

TEST(Signer, SigningTwiceReplacesTheEarlierSignature) {
  HttpRequest request;
  request.method = "GET";
  request.target = "/";
  request.headers = {{"Host", "example.amazonaws.com"}};
  SigningCredentials keys{"AKID", "secret", "token"};
  SignRequest(request, keys, {"us-east-1", "s3", true}, At("20150830T123600Z"));
  SignRequest(request, keys, {"us-east-1", "s3", true}, At("20150830T123700Z"));
  int authorizations = 0, dates = 0, tokens = 0;
  for (const auto& [name, value] : request.headers) {
    authorizations += EqualsIgnoreCase(name, "authorization");
    dates += EqualsIgnoreCase(name, "x-amz-date");
    tokens += EqualsIgnoreCase(name, "x-amz-security-token");
  }
  EXPECT_EQ(authorizations, 1);
  EXPECT_EQ(dates, 1);
  EXPECT_EQ(tokens, 1);
  EXPECT_EQ(*FindHeader(request.headers, "x-amz-date"), "20150830T123700Z");
}

}  // namespace
}  // namespace profiled::auth
