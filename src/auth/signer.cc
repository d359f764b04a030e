#include "auth/signer.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "common/ascii.h"

namespace profiled::auth {
namespace {

void SetHeader(HttpRequest& request, std::string_view name, std::string value) {
  std::erase_if(request.headers, [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
  request.headers.emplace_back(std::string(name), std::move(value));
}

bool Unsigned(std::string_view lower_name) {
  return lower_name == "user-agent" || lower_name == "expect" ||
         lower_name == "transfer-encoding" || lower_name == "x-amzn-trace-id" ||
         lower_name == "content-length" || lower_name == "authorization";
}

}  // namespace

void SignRequest(HttpRequest& request, const SigningCredentials& credentials,
                 const SigningScope& scope, std::chrono::system_clock::time_point now) {
  const std::string amz_date = sigv4::FormatAmzDate(now);
  const std::string date = amz_date.substr(0, 8);
  SetHeader(request, "X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    SetHeader(request, "X-Amz-Security-Token", credentials.session_token);
  }
  const std::string payload_hash = sigv4::Sha256Hex(request.body);
  if (scope.s3) SetHeader(request, "X-Amz-Content-Sha256", payload_hash);
  std::erase_if(request.headers,
                [](const auto& h) { return EqualsIgnoreCase(h.first, "authorization"); });

  std::vector<std::string> names;
  for (const auto& [name, value] : request.headers) {
    std::string lower = AsciiStrToLower(name);
    if (!Unsigned(lower)) names.push_back(std::move(lower));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  std::string_view path = sigv4::TargetPath(request.target);
  const std::string canonical_uri =
      scope.s3 ? std::string(path.empty() ? "/" : path) : sigv4::CanonicalUri(path);
  const std::string signed_headers = sigv4::SignedHeadersString(names);
  const std::string canonical_request = sigv4::CanonicalRequest(
      request.method, canonical_uri,
      sigv4::CanonicalQueryString(sigv4::TargetQuery(request.target), /*drop_signature=*/false),
      sigv4::CanonicalHeaders(request.headers, names), signed_headers, payload_hash);
  const std::string credential_scope =
      sigv4::CredentialScopeString(date, scope.region, scope.service);
  const std::string signature = sigv4::Signature(
      sigv4::SigningKey(credentials.secret_access_key, date, scope.region, scope.service),
      sigv4::StringToSign(amz_date, credential_scope, canonical_request));
  request.headers.emplace_back(
      "Authorization", std::string(sigv4::kAlgorithm) + " Credential=" + credentials.access_key_id +
                           "/" + credential_scope + ", SignedHeaders=" + signed_headers +
                           ", Signature=" + signature);
}

}  // namespace profiled::auth
