// The SigV4 steps one by one (sigv4.h), on AWS's documented examples and on the edge cases
// botocore's signer defines.
#include "auth/sigv4.h"

#include <gtest/gtest.h>

namespace profiled::auth::sigv4 {
namespace {

TEST(UriEncode, KeepsUnreservedAndEncodesTheRestUpperHex) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b+c/d=%", false), "a%20b%2Bc%2Fd%3D%25");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriEncode("\xE1\x88\xB4", false), "%E1%88%B4");
}

TEST(PercentDecode, DecodesEscapesAndLeavesMalformedOnesAndPlus) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%e1%88%b4"), "\xE1\x88\xB4");
}

TEST(CanonicalUri, EncodesTheWirePathOnceMoreForNonS3Services) {
  // botocore: quote(normalize_url_path(path), safe='/~') on the already-encoded path.
  EXPECT_EQ(CanonicalUri("/domains/my%20domain"), "/domains/my%2520domain");
  EXPECT_EQ(CanonicalUri("/domains/a%3Ab%2Fc"), "/domains/a%253Ab%252Fc");
  EXPECT_EQ(CanonicalUri("/domains/my-domain"), "/domains/my-domain");
  EXPECT_EQ(CanonicalUri("/example space/"), "/example%20space/");
}

TEST(CanonicalUri, NormalizesLikeBotocore) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("//example//"), "/example/");
  EXPECT_EQ(CanonicalUri("/./"), "/");
  EXPECT_EQ(CanonicalUri("/a/b/../c/./d"), "/a/c/d");
  EXPECT_EQ(CanonicalUri("/a/b/../.."), "/");
  EXPECT_EQ(CanonicalUri("/../../x"), "/x");
  EXPECT_EQ(CanonicalUri("/a/"), "/a/");
  // An encoded dot is not a dot segment: it is data.
  EXPECT_EQ(CanonicalUri("/a/%2E%2E"), "/a/%252E%252E");
}

TEST(CanonicalQueryString, SortsByEncodedNameThenValue) {
  EXPECT_EQ(CanonicalQueryString("", false), "");
  EXPECT_EQ(CanonicalQueryString("Param2=value2&Param1=value1", false),
            "Param1=value1&Param2=value2");
  EXPECT_EQ(CanonicalQueryString("b=2&a=2&a=1", false), "a=1&a=2&b=2");
  EXPECT_EQ(CanonicalQueryString("A=1&a=1", false), "A=1&a=1");
}

TEST(CanonicalQueryString, ReencodesStrictly) {
  EXPECT_EQ(CanonicalQueryString("next-token=a%2Bb%2Fc%3D%3D", false),
            "next-token=a%2Bb%2Fc%3D%3D");
  EXPECT_EQ(CanonicalQueryString("k=a+b", false), "k=a%2Bb");
  EXPECT_EQ(CanonicalQueryString("k=%7e%41", false), "k=~A");
  EXPECT_EQ(CanonicalQueryString("\xE1\x88\xB4=bar", false), "%E1%88%B4=bar");
  EXPECT_EQ(CanonicalQueryString("flag&x=", false), "flag=&x=");
  EXPECT_EQ(CanonicalQueryString("a=1&&b=2", false), "a=1&b=2");
}

TEST(CanonicalQueryString, DropsOnlyTheSignatureWhenAsked) {
  EXPECT_EQ(CanonicalQueryString("X-Amz-Signature=abc&X-Amz-Date=1", true), "X-Amz-Date=1");
  EXPECT_EQ(CanonicalQueryString("X-Amz-Signature=abc&X-Amz-Date=1", false),
            "X-Amz-Date=1&X-Amz-Signature=abc");
}

TEST(CanonicalHeaders, LowerCasesTrimsFoldsAndJoinsRepeats) {
  HeaderList headers = {{"Host", "example.amazonaws.com"},
                        {"My-Header1", "  a   b\t c  "},
                        {"X-Amz-Date", "20150830T123600Z"},
                        {"my-header1", "second"}};
  EXPECT_EQ(CanonicalHeaders(headers, {"host", "my-header1", "x-amz-date"}),
            "host:example.amazonaws.com\nmy-header1:a b c,second\nx-amz-date:20150830T123600Z\n");
  EXPECT_EQ(SignedHeadersString({"host", "my-header1", "x-amz-date"}),
            "host;my-header1;x-amz-date");
}

TEST(CanonicalHeaders, AbsentSignedHeaderIsEmptyNotSkipped) {
  EXPECT_EQ(CanonicalHeaders({{"Host", "h"}}, {"host", "x-amz-date"}), "host:h\nx-amz-date:\n");
}

TEST(CanonicalRequest, JoinsTheSixPartsOfGetVanilla) {
  HeaderList headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  std::string canonical_headers = CanonicalHeaders(headers, {"host", "x-amz-date"});
  std::string cr = CanonicalRequest("GET", CanonicalUri("/"), CanonicalQueryString("", false),
                                    canonical_headers, "host;x-amz-date", kEmptyPayloadHash);
  EXPECT_EQ(cr,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string sts = StringToSign("20150830T123600Z",
                                 CredentialScopeString("20150830", "us-east-1", "service"), cr);
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  std::string key =
      SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service");
  EXPECT_EQ(Signature(key, sts),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigningKey, MatchesAwsDocumentedDerivation) {
  // "Examples of how to derive a signing key for Signature Version 4" (AWS General Reference).
  EXPECT_EQ(HexEncode(SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                 "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(Hashing, Sha256AndHmacKnownAnswers) {
  EXPECT_EQ(Sha256Hex(""), kEmptyPayloadHash);
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(ParseAuthorizationHeader, ReadsTheThreeParameters) {
  auto claim = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/profile/aws4_request, "
      "SignedHeaders=Host;x-amz-date, Signature=abc123");
  ASSERT_TRUE(claim.ok()) << claim.error().message();
  EXPECT_EQ(claim->credential.access_key_id, "AKID");
  EXPECT_EQ(claim->credential.date, "20261129");
  EXPECT_EQ(claim->credential.region, "us-east-1");
  EXPECT_EQ(claim->credential.service, "profile");
  EXPECT_EQ(claim->credential.terminator, "aws4_request");
  EXPECT_EQ(claim->signed_headers_text, "Host;x-amz-date");
  EXPECT_EQ(claim->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(claim->signature, "abc123");
  EXPECT_FALSE(claim->presigned);
}

TEST(ParseAuthorizationHeader, AcceptsCommasWithoutSpacesAndAnyOrder) {
  auto claim = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Signature=ff,SignedHeaders=host,Credential=K/20261129/r/s/aws4_request");
  ASSERT_TRUE(claim.ok()) << claim.error().message();
  EXPECT_EQ(claim->signature, "ff");
  EXPECT_EQ(claim->credential.region, "r");
}

TEST(ParseAuthorizationHeader, NamesEveryMissingParameterInAwsWords) {
  auto claim = ParseAuthorizationHeader("Bearer token");
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.error().code(), ErrorCode::kInvalidSignature);
  EXPECT_EQ(claim.error().message(),
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.");
  auto partial = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=K/20261129/r/s/aws4_request, SignedHeaders=host");
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.error().message(), "Authorization header requires 'Signature' parameter.");
}

TEST(ParseAuthorizationHeader, RejectsOtherAlgorithmsBadCredentialsAndDuplicates) {
  auto other = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA512 Credential=K/20261129/r/s/aws4_request, SignedHeaders=host, Signature=a");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("AWS4-HMAC-SHA512"), std::string::npos);
  auto short_scope = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=K/20261129/r, SignedHeaders=host, Signature=a");
  ASSERT_FALSE(short_scope.ok());
  EXPECT_EQ(short_scope.error().code(), ErrorCode::kInvalidSignature);
  auto twice = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=K/20261129/r/s/aws4_request, SignedHeaders=host, "
      "Signature=a, Signature=b");
  ASSERT_FALSE(twice.ok());
}

TEST(ParsePresignedQuery, ReadsEveryParameterDecoded) {
  std::string query =
      "a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261129%2Fus-east-1%2F"
      "profile%2Faws4_request&X-Amz-Date=20261129T120000Z&X-Amz-Expires=900&"
      "X-Amz-SignedHeaders=host%3Bx-amz-date&X-Amz-Signature=beef";
  EXPECT_TRUE(HasPresignedQuery(query));
  EXPECT_FALSE(HasPresignedQuery("a=1&X-Amz-Date=1"));
  auto claim = ParsePresignedQuery(query);
  ASSERT_TRUE(claim.ok()) << claim.error().message();
  EXPECT_TRUE(claim->presigned);
  EXPECT_EQ(claim->credential.access_key_id, "AKID");
  EXPECT_EQ(claim->credential.service, "profile");
  EXPECT_EQ(claim->amz_date, "20261129T120000Z");
  EXPECT_EQ(claim->expires_seconds, 900);
  EXPECT_EQ(claim->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(claim->signature, "beef");
}

TEST(ParsePresignedQuery, RejectsMissingAndOutOfRangeParameters) {
  const std::string base =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=K%2F20261129%2Fr%2Fs%2Faws4_request&"
      "X-Amz-Date=20261129T120000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=a";
  EXPECT_TRUE(ParsePresignedQuery(base).ok());
  auto missing = ParsePresignedQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=a");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("must include 'X-Amz-Algorithm'"), std::string::npos);
  EXPECT_FALSE(ParsePresignedQuery(base + "&X-Amz-Expires=604801").ok());
  EXPECT_TRUE(ParsePresignedQuery(base + "&X-Amz-Expires=604800").ok());
  EXPECT_FALSE(ParsePresignedQuery(base + "&X-Amz-Expires=-1").ok());
  EXPECT_FALSE(ParsePresignedQuery(base + "&X-Amz-Expires=1e3").ok());
  EXPECT_FALSE(ParsePresignedQuery(base + "&X-Amz-Expires=99999999999999999999").ok());
  EXPECT_FALSE(ParsePresignedQuery(base + "&X-Amz-Signature=b").ok());
}

TEST(Dates, ParseAndFormatIsoBasic) {
  auto t = ParseAmzDate("20150830T123600Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count(),
            1440938160);
  EXPECT_EQ(FormatAmzDate(*t), "20150830T123600Z");
  EXPECT_EQ(FormatAmzDate(std::chrono::system_clock::time_point{}), "19700101T000000Z");
  EXPECT_EQ(FormatAmzDate(*ParseAmzDate("20240229T235959Z")), "20240229T235959Z");
  for (const char* bad : {"", "20150830T123600", "2015-08-30T12:36:00Z", "20150230T123600Z",
                          "20150830T243600Z", "20150830t123600Z", "2015083OT123600Z"}) {
    EXPECT_FALSE(ParseAmzDate(bad).has_value()) << bad;
  }
}

TEST(Dates, ParseHttpDateIncludingBotocoreZone) {
  auto gmt = ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT");
  ASSERT_TRUE(gmt.has_value());
  EXPECT_EQ(FormatAmzDate(*gmt), "20150830T123600Z");
  auto numeric = ParseHttpDate("Sun, 29 Nov 2026 12:00:00 -0000");
  ASSERT_TRUE(numeric.has_value());
  EXPECT_EQ(FormatAmzDate(*numeric), "20261129T120000Z");
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 +0200").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Foo 2015 12:36:00 GMT").has_value());
  EXPECT_FALSE(ParseHttpDate("30 Aug 2015").has_value());
}

}  // namespace
}  // namespace profiled::auth::sigv4
