// libFuzzer target for SigV4 parsing and verification (see CMakeLists.txt for how to run it).
// Input: "<method>\n<Authorization header>\n<request target>\n<X-Amz-Date>\n<body...>", sent
// with Host "localhost:8080" and Content-Type "application/json". The key is the one of
// tests/auth/vectors/botocore, so seeds made from those requests verify.
// Properties checked beyond "no crash, no sanitizer report":
//   1. a request built from the input never authenticates with the input's own signature unless
//      that signature is the correct one (checked by re-signing);
//   2. the same request, signed correctly by our own steps, always verifies (the canonical
//      forms are deterministic and agree between signing and verifying).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "auth/verifier.h"

namespace {

using namespace profiled;
using namespace profiled::auth;

constexpr char kKey[] = "AKIAPROFILEDTEST0001";
constexpr char kSecret[] = "pr0f1led/Secret+Key/ForTests00000000000000";
constexpr char kDate[] = "20261129T120000Z";

const CredentialSet& Credentials() {
  static const CredentialSet set =
      ParseCredentials(std::string("[f]\naws_access_key_id = ") + kKey +
                           "\naws_secret_access_key = " + kSecret +
                           "\naws_account_id = 111122223333\n",
                       "fuzz")
          .value();
  return set;
}

std::string_view NextField(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view field = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return field;
}

std::string SignatureFor(const HttpRequest& request, const sigv4::SignatureClaim& claim,
                         const std::string& amz_date) {
  std::string creq = BuildCanonicalRequest(request, claim, sigv4::Sha256Hex(request.body));
  std::string sts = sigv4::StringToSign(
      amz_date, sigv4::CredentialScopeString(amz_date.substr(0, 8), "us-east-1", "profile"), creq);
  return sigv4::Signature(sigv4::SigningKey(kSecret, amz_date.substr(0, 8), "us-east-1", "profile"),
                          sts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string method(NextField(in));
  std::string authorization(NextField(in));
  std::string target(NextField(in));
  std::string amz_date(NextField(in));

  HttpRequest request;
  request.method = method;
  request.target = target;
  request.body = std::string(in);
  request.headers = {{"Host", "localhost:8080"},
                     {"Content-Type", "application/json"},
                     {"X-Amz-Date", amz_date},
                     {"Authorization", authorization}};
  const auto now = *sigv4::ParseAmzDate(kDate);
  VerifierOptions options;

  // The parsers and every canonical step on raw input.
  auto claim = sigv4::ParseAuthorizationHeader(authorization);
  std::string_view query = std::string_view(target).substr(std::min(
      target.size(), target.find('?') == std::string::npos ? target.size() : target.find('?') + 1));
  (void)sigv4::ParsePresignedQuery(query);
  (void)sigv4::ParseAmzDate(amz_date);
  (void)sigv4::ParseHttpDate(amz_date);
  auto verified = VerifySigV4(request, Credentials(), options, now);

  // Property 1: acceptance implies the input carried exactly the right signature.
  if (verified.ok()) {
    if (!claim.ok() || claim->credential.access_key_id != kKey) std::abort();
    if (claim->signature != SignatureFor(request, *claim, amz_date)) std::abort();
  }

  // Property 2: a correct signature over the same method, target and body always verifies.
  if (!sigv4::HasPresignedQuery(query)) {
    sigv4::SignatureClaim good;
    good.signed_headers = {"host", "x-amz-date"};
    good.signed_headers_text = "host;x-amz-date";
    request.headers = {{"Host", "localhost:8080"}, {"X-Amz-Date", kDate}};
    std::string signature = SignatureFor(request, good, kDate);
    request.headers.emplace_back("Authorization", std::string("AWS4-HMAC-SHA256 Credential=") +
                                                      kKey +
                                                      "/20261129/us-east-1/profile/aws4_request, "
                                                      "SignedHeaders=host;x-amz-date, Signature=" +
                                                      signature);
    if (!VerifySigV4(request, Credentials(), options, now).ok()) std::abort();
  }
  return 0;
}
