// File: verifier.h
// Verifies one request's SigV4 signature (Authorization header or presigned query) against a
// credential set at a given instant. Pure: no clock, no file, no state; it only reads.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/authenticator.h"
#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "common/http_types.h"
#include "common/result.h"

namespace profiled::auth {

struct VerifierOptions {
  std::string region = "us-east-1";  // the only region a credential scope may name
  std::string service = "profile";   // the signing name of Customer Profiles
  // How far X-Amz-Date (or Date) may be from now, either way.
  std::chrono::seconds max_skew{15 * 60};
};

// Returns the identity of the key that signed `request`.
// Errors:
//   kMissingAuthenticationToken  neither an Authorization header nor a presigned query;
//   kInvalidSignature            malformed signature parameters, wrong scope (date, region,
//                                service, terminator), date out of the allowed window, a body
//                                that does not match x-amz-content-sha256, or a signature that
//                                does not match;
//   kUnrecognizedClient          the access key id is not in `credentials`.
Result<Identity> VerifySigV4(const HttpRequest& request, const CredentialSet& credentials,
                             const VerifierOptions& options,
                             std::chrono::system_clock::time_point now);

// The canonical request the verifier signs for `request` under `claim` (exposed for tests and
// for debugging a client that disagrees).
std::string BuildCanonicalRequest(const HttpRequest& request, const sigv4::SignatureClaim& claim,
                                  std::string_view payload_hash);

}  // namespace profiled::auth
