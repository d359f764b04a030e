// File: upload_url.h
// The pre-signed upload URL of GetUploadJobPath, served by Profiled itself
// (PUT /_profiled/uploads/{UploadId}?X-Profiled-ValidUntil=..&X-Profiled-Signature=..).
// The signature is an HMAC-SHA256 over (account, domain, job id, ValidUntil) under a secret
// created once per store (a document in the system scope), so a URL survives a restart and is
// accepted by every server on one PostgreSQL database. No AWS signature is needed to use it, as
// with an S3 pre-signed PUT: the URL is the credential, until ValidUntil.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kUploadSecretKind = "upload_secret";  // system scope, id "hmac"
inline constexpr std::string_view kValidUntilParam = "X-Profiled-ValidUntil";
inline constexpr std::string_view kSignatureParam = "X-Profiled-Signature";
// The header an S3 SSE-C upload carries its key in; when present it must be the ClientToken.
inline constexpr std::string_view kCustomerKeyHeader = "x-amz-server-side-encryption-customer-key";

struct UploadLocation {
  std::string account;
  std::string domain;
  std::string job_id;
};

// "{account}.{domain}.{job}": account ids, domain names and job ids hold no '.'.
std::string UploadId(const UploadLocation& where);
Result<UploadLocation> ParseUploadId(std::string_view upload_id);

// The store's upload secret, made on first use (by whichever server gets there first).
Result<std::string> UploadSecret(store::Store& store);

// Lower-case hex HMAC-SHA256 of the location and `valid_until` (epoch seconds).
std::string SignUpload(std::string_view secret, const UploadLocation& where, int64_t valid_until);
// The ClientToken handed out with the URL: derived from the same inputs (under another label),
// so it need not be stored.
std::string UploadClientToken(std::string_view secret, const UploadLocation& where,
                              int64_t valid_until);

// Checks the query parameters of a PUT to the upload URL against the secret and `now`.
// Errors (all kInvalidSignature, 403): a parameter missing, a signature that does not match, a
// ValidUntil in the past; messages in S3's words.
Status VerifyUploadUrl(std::string_view secret, const UploadLocation& where,
                       std::string_view valid_until, std::string_view signature, int64_t now);

}  // namespace profiled::service
