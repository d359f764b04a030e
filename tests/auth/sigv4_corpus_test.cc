// AWS's SigV4 test-suite vectors (tests/auth/vectors/aws, see its README): each signed request
// must verify at the suite's instant, and where the suite's intermediate files are present the
// canonical request and string to sign must match them byte for byte (Envoy's corpus test).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "auth/vector_util.h"
#include "auth/verifier.h"

namespace profiled::auth {
namespace {

using testing::At;
using testing::ParseRawRequest;
using testing::ReadFile;

struct Vector {
  std::string name;  // "<dir>/<header|query>"
  std::filesystem::path dir;
  std::string kind;  // "header" or "query"
};

std::vector<Vector> AllVectors() {
  std::vector<Vector> out;
  for (const auto& entry : std::filesystem::directory_iterator(testing::VectorsDir() / "aws")) {
    if (!entry.is_directory()) continue;
    for (std::string kind : {"header", "query"}) {
      if (std::filesystem::exists(entry.path() / (kind + "-signed-request.txt"))) {
        out.push_back({entry.path().filename().string() + "/" + kind, entry.path(), kind});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Vector& a, const Vector& b) { return a.name < b.name; });
  return out;
}

CredentialSet SuiteCredentials() {
  auto set = ParseCredentials(
      "[suite]\naws_access_key_id = AKIDEXAMPLE\n"
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
      "aws_account_id = 123456789012\n",
      "suite");
  return std::move(set).value();
}

VerifierOptions SuiteOptions() {
  VerifierOptions options;
  options.region = "us-east-1";
  options.service = "service";
  return options;
}

class AwsSuiteTest : public ::testing::TestWithParam<Vector> {};

TEST_P(AwsSuiteTest, SignedRequestVerifies) {
  const Vector& v = GetParam();
  HttpRequest request = ParseRawRequest(ReadFile(v.dir / (v.kind + "-signed-request.txt")));
  auto identity = VerifySigV4(request, SuiteCredentials(), SuiteOptions(), At("20150830T123600Z"));
  ASSERT_TRUE(identity.ok()) << identity.error().message();
  EXPECT_EQ(identity->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(identity->account_id, "123456789012");
}

TEST_P(AwsSuiteTest, AnyOtherSignatureIsRejected) {
  const Vector& v = GetParam();
  std::string text = ReadFile(v.dir / (v.kind + "-signed-request.txt"));
  // Flip the last hex digit of the signature.
  size_t at = text.find("Signature=");
  ASSERT_NE(at, std::string::npos);
  char& digit = text[at + std::string("Signature=").size() + 63];
  digit = digit == '0' ? '1' : '0';
  auto identity = VerifySigV4(ParseRawRequest(text), SuiteCredentials(), SuiteOptions(),
                              At("20150830T123600Z"));
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.error().code(), ErrorCode::kInvalidSignature);
}

INSTANTIATE_TEST_SUITE_P(Vectors, AwsSuiteTest, ::testing::ValuesIn(AllVectors()),
                         [](const ::testing::TestParamInfo<Vector>& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(AwsSuite, FindsTheVectors) { EXPECT_GE(AllVectors().size(), 20u); }

TEST(AwsSuite, IntermediateStepsMatchTheSuiteFiles) {
  int checked = 0;
  for (const Vector& v : AllVectors()) {
    auto creq_path = v.dir / (v.kind + "-canonical-request.txt");
    auto sts_path = v.dir / (v.kind + "-string-to-sign.txt");
    if (!std::filesystem::exists(creq_path)) continue;
    SCOPED_TRACE(v.name);
    ++checked;
    HttpRequest request = ParseRawRequest(ReadFile(v.dir / (v.kind + "-signed-request.txt")));
    std::string query = request.target.substr(request.target.find('?') + 1);
    auto claim =
        v.kind == "query"
            ? sigv4::ParsePresignedQuery(query)
            : sigv4::ParseAuthorizationHeader(*FindHeader(request.headers, "authorization"));
    ASSERT_TRUE(claim.ok()) << claim.error().message();
    std::string creq = BuildCanonicalRequest(request, *claim, sigv4::Sha256Hex(request.body));
    EXPECT_EQ(creq, ReadFile(creq_path));
    std::string sts = sigv4::StringToSign(
        "20150830T123600Z", sigv4::CredentialScopeString("20150830", "us-east-1", "service"), creq);
    EXPECT_EQ(sts, ReadFile(sts_path));
  }
  EXPECT_GE(checked, 1);
}

}  // namespace
}  // namespace profiled::auth
