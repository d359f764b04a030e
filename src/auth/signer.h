// File: signer.h
// Signs an outgoing request with SigV4: the client side of verifier.h, built from the same steps
// (sigv4.h), so what Profiled sends to S3 or Kinesis is canonicalised by the code that checks
// what it receives. Pure: the instant is passed in, nothing is read from the environment.
#pragma once

#include <chrono>
#include <string>

#include "common/http_types.h"

namespace profiled::auth {

struct SigningCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" unless temporary credentials (AWS_SESSION_TOKEN)
};

struct SigningScope {
  std::string region;
  std::string service;  // signing name: "s3", "kinesis"
  // S3 signs the path as sent (encoded once, not normalised) and requires
  // x-amz-content-sha256; every other service encodes the path twice, as botocore does.
  bool s3 = false;
};

// Signs `request` in place. `request.target` is the wire target (path percent-encoded, then
// "?query"); `request.headers` must hold Host. Sets X-Amz-Date, X-Amz-Security-Token (when
// credentials carry a session token), X-Amz-Content-Sha256 (S3), then Authorization, replacing
// any earlier value of each. Every header present is signed except those botocore leaves
// unsigned (User-Agent, Expect, Transfer-Encoding, X-Amzn-Trace-Id) and Content-Length, which the
// transport sets after signing.
void SignRequest(HttpRequest& request, const SigningCredentials& credentials,
                 const SigningScope& scope, std::chrono::system_clock::time_point now);

}  // namespace profiled::auth
