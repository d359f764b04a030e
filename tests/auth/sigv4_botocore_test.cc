// Requests signed by the machine's botocore for the `profile` service (golden data from
// make_botocore_vectors.py): they must verify, the verifier's canonical request and string to
// sign must equal botocore's, and any tampering must be refused with AWS's error.
#include <gtest/gtest.h>

#include <string>

#include "auth/credentials.h"
#include "auth/sigv4_authenticator.h"
#include "auth/vector_util.h"
#include "auth/verifier.h"

namespace profiled::auth {
namespace {

using testing::At;
using testing::ParseRawRequest;
using testing::ReadFile;
using testing::SetHeader;

// The values make_botocore_vectors.py signs with.
constexpr char kSignedAt[] = "20261129T120000Z";
constexpr char kAccessKey[] = "AKIAPROFILEDTEST0001";
constexpr char kAccount[] = "111122223333";

const std::vector<std::string>& Names() {
  static const std::vector<std::string> names = {"create-domain",
                                                 "get-domain",
                                                 "list-domains",
                                                 "search-profiles",
                                                 "delete-object-type-escaped",
                                                 "presigned-get-domain",
                                                 "date-header-create-profile"};
  return names;
}

CredentialSet Keys() {
  return ParseCredentials(
             "[tester]\n"
             "aws_access_key_id = AKIAPROFILEDTEST0001\n"
             "aws_secret_access_key = pr0f1led/Secret+Key/ForTests00000000000000\n"
             "aws_account_id = 111122223333\n"
             "[other]\n"
             "aws_access_key_id = AKIAOTHER\n"
             "aws_secret_access_key = another-secret\n"
             "aws_account_id = 444455556666\n",
             "test")
      .value();
}

HttpRequest Load(const std::string& name) {
  return ParseRawRequest(ReadFile(testing::VectorsDir() / "botocore" / (name + ".txt")));
}

Result<Identity> Verify(const HttpRequest& request,
                        std::chrono::system_clock::time_point now = At(kSignedAt),
                        const std::string& region = "us-east-1") {
  VerifierOptions options;
  options.region = region;
  return VerifySigV4(request, Keys(), options, now);
}

void ExpectError(const Result<Identity>& result, ErrorCode code, const std::string& fragment) {
  ASSERT_FALSE(result.ok()) << "expected an error containing: " << fragment;
  EXPECT_EQ(result.error().code(), code) << result.error().message();
  EXPECT_NE(result.error().message().find(fragment), std::string::npos) << result.error().message();
}

const char kMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

class BotocoreTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BotocoreTest, Verifies) {
  auto identity = Verify(Load(GetParam()));
  ASSERT_TRUE(identity.ok()) << identity.error().message();
  EXPECT_EQ(identity->access_key_id, kAccessKey);
  EXPECT_EQ(identity->account_id, kAccount);
}

TEST_P(BotocoreTest, CanonicalRequestAndStringToSignEqualBotocores) {
  HttpRequest request = Load(GetParam());
  std::string query = request.target.find('?') == std::string::npos
                          ? ""
                          : request.target.substr(request.target.find('?') + 1);
  bool presigned = sigv4::HasPresignedQuery(query);
  auto claim = presigned
                   ? sigv4::ParsePresignedQuery(query)
                   : sigv4::ParseAuthorizationHeader(*FindHeader(request.headers, "authorization"));
  ASSERT_TRUE(claim.ok()) << claim.error().message();
  auto dir = testing::VectorsDir() / "botocore";
  std::string creq = BuildCanonicalRequest(request, *claim, sigv4::Sha256Hex(request.body));
  EXPECT_EQ(creq, ReadFile(dir / (GetParam() + ".creq")));
  EXPECT_EQ(sigv4::StringToSign(
                kSignedAt, sigv4::CredentialScopeString("20261129", "us-east-1", "profile"), creq),
            ReadFile(dir / (GetParam() + ".sts")));
}

TEST_P(BotocoreTest, AcceptedWithinFifteenMinutesEitherWay) {
  HttpRequest request = Load(GetParam());
  EXPECT_TRUE(Verify(request, At("20261129T121500Z")).ok());
  EXPECT_TRUE(Verify(request, At("20261129T114500Z")).ok());
}

TEST_P(BotocoreTest, TamperedPathIsRefused) {
  HttpRequest request = Load(GetParam());
  request.target.insert(1, "x");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
}

TEST_P(BotocoreTest, SignedHostHeaderChangedIsRefused) {
  HttpRequest request = Load(GetParam());
  SetHeader(request, "Host", "evil.example:8080");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
}

TEST_P(BotocoreTest, TamperedMethodIsRefused) {
  HttpRequest request = Load(GetParam());
  request.method = request.method == "GET" ? "DELETE" : "GET";
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
}

TEST_P(BotocoreTest, UnknownRegionIsRefusedNamingTheExpectedOne) {
  ExpectError(Verify(Load(GetParam()), At(kSignedAt), "eu-west-1"), ErrorCode::kInvalidSignature,
              "This endpoint serves 'eu-west-1', not 'us-east-1'");
}

INSTANTIATE_TEST_SUITE_P(Golden, BotocoreTest, ::testing::ValuesIn(Names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(Botocore, TamperedBodyIsRefused) {
  HttpRequest request = Load("create-domain");
  request.body = R"({"DefaultExpirationDays": 367})";
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
}

TEST(Botocore, TamperedQueryIsRefused) {
  HttpRequest request = Load("list-domains");
  request.target += "&extra=1";
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
}

TEST(Botocore, TamperedSignedHeaderIsRefused) {
  HttpRequest request = Load("create-domain");
  SetHeader(request, "Content-Type", "text/plain");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
}

TEST(Botocore, UnsignedHeadersMayChange) {
  HttpRequest request = Load("create-domain");
  SetHeader(request, "User-Agent", "something else");
  SetHeader(request, "X-Forwarded-For", "10.0.0.1");
  EXPECT_TRUE(Verify(request).ok());
}

TEST(Botocore, HeaderNamesAreCaseInsensitive) {
  HttpRequest request = Load("create-domain");
  for (auto& [name, value] : request.headers) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  EXPECT_TRUE(Verify(request).ok());
}

TEST(Botocore, ExpiredDateIsRefusedInAwsWords) {
  ExpectError(Verify(Load("get-domain"), At("20261129T121501Z")), ErrorCode::kInvalidSignature,
              "Signature expired: 20261129T120000Z is now earlier than 20261129T120001Z "
              "(20261129T121501Z - 15 min.)");
  ExpectError(Verify(Load("get-domain"), At("20261129T114459Z")), ErrorCode::kInvalidSignature,
              "Signature not yet current: 20261129T120000Z is still later than 20261129T115959Z "
              "(20261129T114459Z + 15 min.)");
  ExpectError(Verify(Load("date-header-create-profile"), At("20261130T000000Z")),
              ErrorCode::kInvalidSignature, "Signature expired");
}

TEST(Botocore, UnknownKeyIsUnrecognizedClient) {
  HttpRequest request = Load("get-domain");
  std::string& auth = const_cast<std::string&>(*FindHeader(request.headers, "Authorization"));
  auth.replace(auth.find(kAccessKey), std::string(kAccessKey).size(), "AKIANOBODY");
  ExpectError(Verify(request), ErrorCode::kUnrecognizedClient,
              "The security token included in the request is invalid.");
}

TEST(Botocore, SignedWithAnotherKeysSecretIsRefused) {
  // Same request, but claiming the other key: the signature was made with a different secret.
  HttpRequest request = Load("get-domain");
  std::string& auth = const_cast<std::string&>(*FindHeader(request.headers, "Authorization"));
  auth.replace(auth.find(kAccessKey), std::string(kAccessKey).size(), "AKIAOTHER");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
}

TEST(Botocore, MissingAuthorizationIsMissingAuthenticationToken) {
  HttpRequest request = Load("get-domain");
  std::erase_if(request.headers, [](const auto& h) { return h.first == "Authorization"; });
  auto result = Verify(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kMissingAuthenticationToken);
  EXPECT_EQ(result.error().message(), "Missing Authentication Token");
}

TEST(Botocore, MissingDateIsIncompleteSignature) {
  HttpRequest request = Load("get-domain");
  std::erase_if(request.headers, [](const auto& h) { return h.first == "X-Amz-Date"; });
  ExpectError(Verify(request), ErrorCode::kInvalidSignature,
              "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
              "header.");
  SetHeader(request, "X-Amz-Date", "2026-11-29T12:00:00Z");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature,
              "Date must be in ISO-8601 'basic format'. Got '2026-11-29T12:00:00Z'.");
}

TEST(Botocore, ScopeDateMustMatchTheRequestDate) {
  HttpRequest request = Load("get-domain");
  SetHeader(request, "X-Amz-Date", "20261130T000500Z");
  ExpectError(Verify(request, At("20261130T000000Z")), ErrorCode::kInvalidSignature,
              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
              "from HTTP: '20261129' != '20261130', from '20261130T000500Z'.");
}

TEST(Botocore, ScopeMustNameProfileAndTerminator) {
  HttpRequest request = Load("get-domain");
  std::string& auth = const_cast<std::string&>(*FindHeader(request.headers, "Authorization"));
  std::string original = auth;
  auth.replace(auth.find("/profile/"), 9, "/s3/");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature,
              "Credential should be scoped to correct service: 'profile'.");
  auth = original;
  auth.replace(auth.find("aws4_request"), 12, "aws5_request");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature,
              "Credential should be scoped with a valid terminator: 'aws4_request'");
}

TEST(Botocore, HostMustBeSigned) {
  HttpRequest request = Load("get-domain");
  std::string& auth = const_cast<std::string&>(*FindHeader(request.headers, "Authorization"));
  auth.replace(auth.find("SignedHeaders=host;x-amz-date"), 29, "SignedHeaders=x-amz-date");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature,
              "'Host' or ':authority' must be a 'SignedHeader'");
}

TEST(Botocore, MalformedAuthorizationIsIncompleteSignature) {
  HttpRequest request = Load("get-domain");
  SetHeader(request, "Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1");
  auto result = Verify(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidSignature);
}

TEST(Botocore, ContentShaHeaderMustMatchTheBody) {
  HttpRequest request = Load("create-domain");
  // Declaring the (true) hash of the body, unsigned, changes nothing.
  SetHeader(request, "x-amz-content-sha256", sigv4::Sha256Hex(request.body));
  EXPECT_TRUE(Verify(request).ok());
  // Declaring a hash of some other body is caught before the signature is even computed.
  SetHeader(request, "x-amz-content-sha256", sigv4::Sha256Hex("other"));
  ExpectError(Verify(request), ErrorCode::kInvalidSignature,
              "The provided 'x-amz-content-sha256' header does not match what was computed.");
}

TEST(Botocore, UnsignedPayloadIsAcceptedWhenSigned) {
  // Sign a request whose canonical payload is UNSIGNED-PAYLOAD, as a client may over TLS.
  HttpRequest request = Load("create-domain");
  SetHeader(request, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  sigv4::SignatureClaim claim =
      sigv4::ParseAuthorizationHeader(*FindHeader(request.headers, "authorization")).value();
  claim.signed_headers = {"content-type", "host", "x-amz-content-sha256", "x-amz-date"};
  claim.signed_headers_text = "content-type;host;x-amz-content-sha256;x-amz-date";
  std::string sts = sigv4::StringToSign(
      kSignedAt, sigv4::CredentialScopeString("20261129", "us-east-1", "profile"),
      BuildCanonicalRequest(request, claim, "UNSIGNED-PAYLOAD"));
  std::string signature =
      sigv4::Signature(sigv4::SigningKey("pr0f1led/Secret+Key/ForTests00000000000000", "20261129",
                                         "us-east-1", "profile"),
                       sts);
  SetHeader(request, "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAPROFILEDTEST0001/20261129/us-east-1/profile/"
            "aws4_request, SignedHeaders=" +
                claim.signed_headers_text + ", Signature=" + signature);
  EXPECT_TRUE(Verify(request).ok());
  request.body = "anything";  // the body is not covered: that is what UNSIGNED-PAYLOAD means
  EXPECT_TRUE(Verify(request).ok());
  SetHeader(request, "x-amz-content-sha256", sigv4::Sha256Hex(request.body));
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
}

TEST(Botocore, PresignedUrlExpiresAfterXAmzExpires) {
  HttpRequest request = Load("presigned-get-domain");
  EXPECT_TRUE(Verify(request, At("20261129T121500Z")).ok());
  ExpectError(Verify(request, At("20261129T121501Z")), ErrorCode::kInvalidSignature,
              "Signature expired: 20261129T120000Z is now earlier than 20261129T120001Z "
              "(20261129T121501Z - 900 sec.)");
  ExpectError(Verify(request, At("20261129T114459Z")), ErrorCode::kInvalidSignature,
              "Signature not yet current");
}

TEST(Botocore, PresignedUrlWithAuthorizationHeaderTooIsRefused) {
  HttpRequest request = Load("presigned-get-domain");
  request.headers.emplace_back("Authorization",
                               *FindHeader(Load("get-domain").headers, "authorization"));
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, "Only one auth mechanism allowed");
}

TEST(Botocore, PresignedUrlTamperedIsRefused) {
  HttpRequest request = Load("presigned-get-domain");
  std::string target = request.target;
  request.target.replace(request.target.find("X-Amz-Expires=900"), 17, "X-Amz-Expires=901");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
  request.target = target;
  request.target.replace(request.target.find("my-domain"), 9, "my-domaim");
  ExpectError(Verify(request), ErrorCode::kInvalidSignature, kMismatch);
}

TEST(SigV4Authenticator, UsesItsClockAndCredentials) {
  testing::FixedClock clock(At(kSignedAt));
  SigV4Authenticator authenticator("unused", Keys(), clock, VerifierOptions{});
  auto identity = authenticator.Authenticate(Load("search-profiles"));
  ASSERT_TRUE(identity.ok()) << identity.error().message();
  EXPECT_EQ(identity->account_id, kAccount);
  clock.Set(At("20261129T130000Z"));
  auto late = authenticator.Authenticate(Load("search-profiles"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), ErrorCode::kInvalidSignature);
}

}  // namespace
}  // namespace profiled::auth
