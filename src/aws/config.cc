#include "aws/config.h"

#include <cstdlib>

namespace profiled::aws {
namespace {

Result<std::optional<Endpoint>> EndpointFrom(std::string_view flag_name, std::string_view flag,
                                             std::string_view service_variable, EnvLookup env) {
  std::string source(flag_name);
  std::optional<std::string> url;
  if (!flag.empty()) {
    url = std::string(flag);
  } else if ((url = env(service_variable))) {
    source = service_variable;
  } else if ((url = env("AWS_ENDPOINT_URL"))) {
    source = "AWS_ENDPOINT_URL";
  }
  if (!url || url->empty()) return std::optional<Endpoint>();
  auto endpoint = ParseEndpoint(*url);
  if (!endpoint.ok()) return Error::BadRequest(source + ": " + endpoint.error().message());
  return std::optional<Endpoint>(std::move(*endpoint));
}

}  // namespace

std::optional<std::string> ProcessEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Result<AwsConfig> LoadAwsConfig(std::string region, std::string_view s3_flag,
                                std::string_view kinesis_flag, EnvLookup env) {
  AwsConfig config;
  config.region = std::move(region);
  ASSIGN_OR_RETURN(config.s3_endpoint,
                   EndpointFrom("--s3-endpoint", s3_flag, "AWS_ENDPOINT_URL_S3", env));
  ASSIGN_OR_RETURN(config.kinesis_endpoint, EndpointFrom("--kinesis-endpoint", kinesis_flag,
                                                         "AWS_ENDPOINT_URL_KINESIS", env));
  auto key = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (key && secret && !key->empty() && !secret->empty()) {
    config.credentials =
        auth::SigningCredentials{*key, *secret, env("AWS_SESSION_TOKEN").value_or("")};
  }
  return config;
}

Error NoCredentials(std::string_view service) {
  return Error::Unavailable(std::string(service) +
                            ": no AWS credentials: set AWS_ACCESS_KEY_ID and "
                            "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)");
}

}  // namespace profiled::aws
