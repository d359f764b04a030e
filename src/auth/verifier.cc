#include "auth/verifier.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

#include "common/ascii.h"
#include "common/log.h"

namespace profiled::auth {
namespace {

using sigv4::SignatureClaim;

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidSignature, std::move(message));
}

constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

Error BadDate(std::string_view got) {
  return Invalid("Date must be in ISO-8601 'basic format'. Got '" + std::string(got) +
                 "'. See http://en.wikipedia.org/wiki/ISO_8601");
}

// The instant the request claims and its ISO 8601 basic form (the string-to-sign's date).
struct ClaimedDate {
  std::chrono::system_clock::time_point when;
  std::string amz_date;
};

Result<ClaimedDate> DateOf(const HttpRequest& request, const SignatureClaim& claim) {
  if (claim.presigned) {
    auto when = sigv4::ParseAmzDate(claim.amz_date);
    if (!when) return BadDate(claim.amz_date);
    return ClaimedDate{*when, claim.amz_date};
  }
  if (const std::string* amz_date = FindHeader(request.headers, "x-amz-date")) {
    auto when = sigv4::ParseAmzDate(*amz_date);
    if (!when) return BadDate(*amz_date);
    return ClaimedDate{*when, *amz_date};
  }
  if (const std::string* date = FindHeader(request.headers, "date")) {
    auto when = sigv4::ParseHttpDate(*date);
    if (!when) {
      return Invalid(
          "Date must be in RFC 7231 IMF-fixdate format (e.g. 'Sun, 30 Aug 2015 "
          "12:36:00 GMT'). Got '" +
          *date + "'.");
    }
    return ClaimedDate{*when, sigv4::FormatAmzDate(*when)};
  }
  return Invalid(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
}

Status CheckScope(const SignatureClaim& claim, const ClaimedDate& date,
                  const VerifierOptions& options) {
  const sigv4::CredentialScope& scope = claim.credential;
  if (scope.date != date.amz_date.substr(0, 8)) {
    return Invalid(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
        "date from HTTP: '" +
        scope.date + "' != '" + date.amz_date.substr(0, 8) + "', from '" + date.amz_date + "'.");
  }
  if (scope.region != options.region) {
    return Invalid("Credential should be scoped to a valid region. This endpoint serves '" +
                   options.region + "', not '" + scope.region + "'.");
  }
  if (scope.service != options.service) {
    return Invalid("Credential should be scoped to correct service: '" + options.service + "'.");
  }
  if (scope.terminator != sigv4::kTerminator) {
    return Invalid("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                   scope.terminator + "'.");
  }
  if (std::find(claim.signed_headers.begin(), claim.signed_headers.end(), "host") ==
      claim.signed_headers.end()) {
    return Invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return OkStatus();
}

Status CheckTime(const SignatureClaim& claim, const ClaimedDate& date,
                 const VerifierOptions& options, std::chrono::system_clock::time_point now) {
  using sigv4::FormatAmzDate;
  const std::string skew_minutes = std::to_string(options.max_skew.count() / 60);
  if (date.when > now + options.max_skew) {
    return Invalid("Signature not yet current: " + date.amz_date + " is still later than " +
                   FormatAmzDate(now + options.max_skew) + " (" + FormatAmzDate(now) + " + " +
                   skew_minutes + " min.)");
  }
  if (claim.presigned && claim.expires_seconds) {
    std::chrono::seconds expires(*claim.expires_seconds);
    if (now > date.when + expires) {
      return Invalid("Signature expired: " + date.amz_date + " is now earlier than " +
                     FormatAmzDate(now - expires) + " (" + FormatAmzDate(now) + " - " +
                     std::to_string(expires.count()) + " sec.)");
    }
    return OkStatus();
  }
  if (date.when < now - options.max_skew) {
    return Invalid("Signature expired: " + date.amz_date + " is now earlier than " +
                   FormatAmzDate(now - options.max_skew) + " (" + FormatAmzDate(now) + " - " +
                   skew_minutes + " min.)");
  }
  return OkStatus();
}

// x-amz-content-sha256 when sent (after checking it against the body, since it stands in for
// the body in the signature), else the SHA-256 of the body.
Result<std::string> PayloadHash(const HttpRequest& request) {
  const std::string* declared = FindHeader(request.headers, "x-amz-content-sha256");
  if (declared == nullptr) return sigv4::Sha256Hex(request.body);
  if (*declared == sigv4::kUnsignedPayload) return *declared;
  if (!EqualsIgnoreCase(*declared, sigv4::Sha256Hex(request.body))) {
    return Invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return *declared;
}

}  // namespace

std::string BuildCanonicalRequest(const HttpRequest& request, const SignatureClaim& claim,
                                  std::string_view payload_hash) {
  return sigv4::CanonicalRequest(request.method,
                                 sigv4::CanonicalUri(sigv4::TargetPath(request.target)),
                                 sigv4::CanonicalQueryString(sigv4::TargetQuery(request.target),
                                                             /*drop_signature=*/claim.presigned),
                                 sigv4::CanonicalHeaders(request.headers, claim.signed_headers),
                                 claim.signed_headers_text, payload_hash);
}

Result<Identity> VerifySigV4(const HttpRequest& request, const CredentialSet& credentials,
                             const VerifierOptions& options,
                             std::chrono::system_clock::time_point now) {
  const std::string* authorization = FindHeader(request.headers, "authorization");
  const bool presigned = sigv4::HasPresignedQuery(sigv4::TargetQuery(request.target));
  if (authorization != nullptr && presigned) {
    return Invalid(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter "
        "or the Authorization header should be specified.");
  }
  if (authorization == nullptr && !presigned) {
    return Error(ErrorCode::kMissingAuthenticationToken, "Missing Authentication Token");
  }
  ASSIGN_OR_RETURN(SignatureClaim claim,
                   presigned ? sigv4::ParsePresignedQuery(sigv4::TargetQuery(request.target))
                             : sigv4::ParseAuthorizationHeader(*authorization));
  ASSIGN_OR_RETURN(ClaimedDate date, DateOf(request, claim));
  RETURN_IF_ERROR(CheckScope(claim, date, options));
  RETURN_IF_ERROR(CheckTime(claim, date, options, now));
  const Credential* credential = credentials.Find(claim.credential.access_key_id);
  if (credential == nullptr) {
    return Error(ErrorCode::kUnrecognizedClient,
                 "The security token included in the request is invalid.");
  }
  ASSIGN_OR_RETURN(std::string payload_hash, PayloadHash(request));

  const std::string canonical_request = BuildCanonicalRequest(request, claim, payload_hash);
  const std::string string_to_sign = sigv4::StringToSign(
      date.amz_date,
      sigv4::CredentialScopeString(claim.credential.date, claim.credential.region,
                                   claim.credential.service),
      canonical_request);
  const std::string expected =
      sigv4::Signature(sigv4::SigningKey(credential->secret_access_key, claim.credential.date,
                                         claim.credential.region, claim.credential.service),
                       string_to_sign);
  if (claim.signature.size() != expected.size() ||
      CRYPTO_memcmp(claim.signature.data(), expected.data(), expected.size()) != 0) {
    if (log::GetLevel() <= log::Level::kDebug) {
      // Header values and the body hash only; never the secret, never the signature.
      log::Debug("sigv4 mismatch for key " + credential->access_key_id + "; canonical request:\n" +
                 canonical_request + "\nstring to sign:\n" + string_to_sign);
    }
    return Invalid(std::string(kSignatureMismatch));
  }
  return Identity{credential->access_key_id, credential->account_id};
}

}  // namespace profiled::auth
