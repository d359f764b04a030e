// File: sigv4.h
// AWS Signature Version 4 as pure functions, one per step of AWS's documentation, so that each
// step can be checked on its own against AWS's test-suite files (as Envoy's aws/utility.h and
// RGW's get_v4_* functions do). Nothing here reads a clock, a file or a credential store: the
// verifier (verifier.h) strings these steps together.
//
// The canonical forms follow botocore's SigV4Auth (the signer of the AWS CLI and boto3) for a
// non-S3 service, because that is the client Profiled must accept byte for byte.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/hex.h"
#include "common/http_types.h"
#include "common/result.h"

namespace profiled::auth::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// SHA-256 of the empty string: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// The longest X-Amz-Expires AWS accepts on a presigned URL: one week.
inline constexpr int64_t kMaxPresignExpiresSeconds = 7 * 24 * 3600;

// ---- Encoding and hashing -------------------------------------------------------------------

// Percent-encodes every byte except the RFC 3986 unreserved set (A-Z a-z 0-9 - _ . ~), and
// except '/' when `keep_slash`; hex digits are upper case. This is Python's
// quote(s, safe='-_.~' or '/~'), which botocore uses.
std::string UriEncode(std::string_view in, bool keep_slash);
std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
// PercentDecode (without plus_as_space: '+' stays '+') and HexEncode are common/hex.h's.

// The path and the query (without '?') of a raw request-target.
inline std::string_view TargetPath(std::string_view target) {
  return target.substr(0, target.find('?'));
}
inline std::string_view TargetQuery(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

// ---- Canonical request (AWS step 1) ---------------------------------------------------------

// The canonical URI of a raw (still percent-encoded, as received) request path: dot segments
// and empty segments removed (RFC 3986 5.2.4 plus AWS's '//' rule), then percent-encoded once
// more, keeping '/'. This is botocore's `quote(normalize_url_path(path), safe='/~')`: for
// non-S3 services the wire path is already encoded once by the client, so the canonical form
// is encoded twice ("/a%20b" -> "/a%2520b"). An empty path is "/".
std::string CanonicalUri(std::string_view raw_path);

// The canonical query string of a raw query (the part after '?', without it): each name and
// value percent-decoded then strictly re-encoded, pairs sorted by encoded name then value,
// joined with '&'; a pair without '=' gets an empty value. With `drop_signature`, the
// X-Amz-Signature parameter is left out (presigned URLs sign everything but it).
std::string CanonicalQueryString(std::string_view raw_query, bool drop_signature);

// "name:value\n" for each name in `signed_headers` (lower case, in the given order): the values
// of every header of that name, in the order received, each trimmed with inner runs of
// whitespace folded to one space, joined by ','. A signed header that is absent contributes
// "name:\n", so the signature will not match rather than being silently skipped.
std::string CanonicalHeaders(const HeaderList& headers,
                             const std::vector<std::string>& signed_headers);

// "host;x-amz-date": the signed header names joined by ';'.
std::string SignedHeadersString(const std::vector<std::string>& signed_headers);

// The six parts joined by '\n'; `canonical_headers` already ends each line with '\n'.
std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash);

// ---- String to sign, signing key, signature (AWS steps 2-4) ---------------------------------

// "20150830/us-east-1/service/aws4_request".
std::string CredentialScopeString(std::string_view date, std::string_view region,
                                  std::string_view service);
// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request" (raw bytes).
std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service);
// Lower-case hex HMAC-SHA256 of the string to sign under the signing key.
std::string Signature(std::string_view signing_key, std::string_view string_to_sign);

// ---- What the client claims -----------------------------------------------------------------

struct CredentialScope {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::string terminator;  // "aws4_request" when well formed
};

// The signature parameters of a request, from its Authorization header or its presigned query.
struct SignatureClaim {
  CredentialScope credential;
  std::string signed_headers_text;          // as sent, e.g. "host;x-amz-date"
  std::vector<std::string> signed_headers;  // the same, split and lower-cased
  std::string signature;                    // as sent (64 lower-case hex when well formed)
  bool presigned = false;
  // Presigned only: X-Amz-Date and X-Amz-Expires from the query (header requests take the date
  // from the X-Amz-Date or Date header).
  std::string amz_date;
  std::optional<int64_t> expires_seconds;
};

// Parses "AKID/20150830/us-east-1/service/aws4_request". Error kInvalidSignature.
Result<CredentialScope> ParseCredential(std::string_view text);

// Parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...". Commas and spaces
// between the parameters are both accepted, as AWS does. Errors are kInvalidSignature with
// AWS's IncompleteSignatureException wording.
Result<SignatureClaim> ParseAuthorizationHeader(std::string_view header);

// True if the raw query carries presigned-URL parameters (X-Amz-Algorithm, X-Amz-Credential
// or X-Amz-Signature).
bool HasPresignedQuery(std::string_view raw_query);

// Parses X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires (optional),
// X-Amz-SignedHeaders and X-Amz-Signature from a raw query. Error kInvalidSignature.
Result<SignatureClaim> ParsePresignedQuery(std::string_view raw_query);

// ---- Dates ----------------------------------------------------------------------------------

// Parses ISO 8601 basic format "20150830T123600Z".
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text);
// Parses an RFC 7231 IMF-fixdate "Sun, 30 Aug 2015 12:36:00 GMT" (the Date header).
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view text);
// Formats as "20150830T123600Z" (seconds are truncated).
std::string FormatAmzDate(std::chrono::system_clock::time_point t);

}  // namespace profiled::auth::sigv4
