// File: config.h
// Where the AWS services are and who Profiled is to them, read the way the AWS SDKs read it:
// endpoints from --s3-endpoint / --kinesis-endpoint, else AWS_ENDPOINT_URL_S3 /
// AWS_ENDPOINT_URL_KINESIS, else AWS_ENDPOINT_URL, else AWS itself (https, by region);
// credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/signer.h"
#include "aws/http_client.h"
#include "common/result.h"

namespace profiled::aws {

struct AwsConfig {
  std::string region = "us-east-1";
  std::optional<Endpoint> s3_endpoint;       // nullopt: https://{bucket}.s3.{region}.amazonaws.com
  std::optional<Endpoint> kinesis_endpoint;  // nullopt: https://kinesis.{region}.amazonaws.com
  std::optional<auth::SigningCredentials> credentials;  // nullopt: none in the environment
  HttpClientOptions http;
};

// `s3_flag` / `kinesis_flag`: the command line's values ("" when not given). `getenv` is
// injectable for tests. Errors: kBadRequest naming the flag or variable whose URL is malformed.
using EnvLookup = std::optional<std::string> (*)(std::string_view name);
std::optional<std::string> ProcessEnv(std::string_view name);
Result<AwsConfig> LoadAwsConfig(std::string region, std::string_view s3_flag,
                                std::string_view kinesis_flag, EnvLookup env = ProcessEnv);

// The kUnavailable error for a call made without credentials.
Error NoCredentials(std::string_view service);

}  // namespace profiled::aws
