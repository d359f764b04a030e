#include "aws/kinesis_client.h"

#include <openssl/evp.h>

#include <boost/json.hpp>

namespace profiled::aws {
namespace json = boost::json;
namespace {

std::string_view After(std::string_view type) {
  // "com.amazonaws.kinesis.v20131202#ResourceNotFoundException" -> the name.
  size_t hash = type.rfind('#');
  return hash == std::string_view::npos ? type : type.substr(hash + 1);
}

Error KinesisError(const HttpResponse& response, std::string_view what) {
  std::string type, message;
  boost::system::error_code ec;
  json::value body = json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    if (auto* t = body.as_object().if_contains("__type"); t && t->is_string()) {
      type = std::string(After(t->as_string()));
    }
    for (const char* key : {"message", "Message"}) {
      if (auto* m = body.as_object().if_contains(key); m && m->is_string()) {
        message = std::string(m->as_string());
      }
    }
  }
  std::string text = std::string(what) + ": HTTP " + std::to_string(response.status);
  if (!type.empty()) text += " " + type;
  if (!message.empty()) text += ": " + message;
  if (type == "ResourceNotFoundException") return Error::NotFound(std::move(text));
  if (response.status >= 500 || type == "ProvisionedThroughputExceededException" ||
      type == "LimitExceededException" || type == "ThrottlingException") {
    return Error::Unavailable(std::move(text));
  }
  return Error::BadRequest(std::move(text));
}

}  // namespace

Result<StreamArn> ParseStreamArn(std::string_view arn) {
  // arn:{partition}:kinesis:{region}:{account}:stream/{name}
  std::vector<std::string_view> parts;
  std::string_view rest = arn;
  for (int i = 0; i < 5; ++i) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) break;
    parts.push_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  constexpr std::string_view kStream = "stream/";
  if (parts.size() != 5 || parts[0] != "arn" || parts[2] != "kinesis" || parts[3].empty() ||
      !rest.starts_with(kStream) || rest.size() == kStream.size()) {
    return Error::BadRequest(
        "not a Kinesis data stream ARN "
        "(arn:aws:kinesis:region:account-id:stream/stream-name): " +
        std::string(arn));
  }
  return StreamArn{std::string(parts[3]), std::string(parts[4]),
                   std::string(rest.substr(kStream.size()))};
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

KinesisClient::KinesisClient(const AwsConfig& config, const Clock& clock)
    : config_(config), clock_(clock), http_(config.http) {}

Result<std::string> KinesisClient::Call(const StreamArn& stream, std::string_view operation,
                                        std::string body) {
  const std::string what = "Kinesis " + std::string(operation) + " " + stream.name;
  if (!config_.credentials) return NoCredentials(what);
  Endpoint endpoint =
      config_.kinesis_endpoint
          ? *config_.kinesis_endpoint
          : Endpoint{"https", "kinesis." + stream.region + ".amazonaws.com", 443, ""};
  HttpRequest request;
  request.method = "POST";
  request.target = endpoint.base_path.empty() ? "/" : endpoint.base_path + "/";
  request.headers = {{"Host", endpoint.HostHeader()},
                     {"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", "Kinesis_20131202." + std::string(operation)}};
  request.body = std::move(body);
  auth::SignRequest(request, *config_.credentials, {stream.region, "kinesis", false}, clock_.Now());
  auto response = http_.Send(endpoint, request);
  if (!response.ok()) return Error::Unavailable(what + ": " + response.error().message());
  if (response->status != 200) return KinesisError(*response, what);
  return std::move(response->body);
}

Result<std::vector<Status>> KinesisClient::PutRecords(
    std::string_view stream_arn, const std::vector<service::StreamRecord>& records) {
  ASSIGN_OR_RETURN(StreamArn stream, ParseStreamArn(stream_arn));
  json::array items;
  items.reserve(records.size());
  for (const service::StreamRecord& record : records) {
    items.push_back(
        json::object{{"Data", Base64Encode(record.data)}, {"PartitionKey", record.partition_key}});
  }
  json::object request{{"StreamName", stream.name}, {"Records", std::move(items)}};
  ASSIGN_OR_RETURN(std::string body, Call(stream, "PutRecords", json::serialize(request)));
  boost::system::error_code ec;
  json::value answer = json::parse(body, ec);
  const json::array* results = nullptr;
  if (!ec && answer.is_object()) {
    if (auto* r = answer.as_object().if_contains("Records"); r && r->is_array()) {
      results = &r->as_array();
    }
  }
  if (results == nullptr || results->size() != records.size()) {
    return Error::Unavailable("Kinesis PutRecords " + stream.name +
                              ": the answer does not list one result per record");
  }
  std::vector<Status> out;
  out.reserve(records.size());
  for (const json::value& result : *results) {
    const json::object* o = result.if_object();
    const json::value* code = o != nullptr ? o->if_contains("ErrorCode") : nullptr;
    if (code == nullptr || code->is_null()) {
      out.push_back(OkStatus());
      continue;
    }
    std::string text = code->is_string() ? std::string(code->as_string()) : "error";
    if (const json::value* m = o->if_contains("ErrorMessage"); m && m->is_string()) {
      text += ": " + std::string(m->as_string());
    }
    out.push_back(Error::Unavailable("Kinesis PutRecords " + stream.name + ": " + text));
  }
  return out;
}

Result<std::string> KinesisClient::StreamStatus(std::string_view stream_arn) {
  ASSIGN_OR_RETURN(StreamArn stream, ParseStreamArn(stream_arn));
  json::object request{{"StreamName", stream.name}};
  ASSIGN_OR_RETURN(std::string body,
                   Call(stream, "DescribeStreamSummary", json::serialize(request)));
  boost::system::error_code ec;
  json::value answer = json::parse(body, ec);
  if (!ec && answer.is_object()) {
    if (auto* d = answer.as_object().if_contains("StreamDescriptionSummary"); d && d->is_object()) {
      if (auto* s = d->as_object().if_contains("StreamStatus"); s && s->is_string()) {
        return std::string(s->as_string());
      }
    }
  }
  return Error::Unavailable("Kinesis DescribeStreamSummary " + stream.name +
                            ": the answer has no StreamStatus");
}

Status KinesisClient::CheckStream(std::string_view stream_arn) {
  ASSIGN_OR_RETURN(std::string status, StreamStatus(stream_arn));
  if (status == "ACTIVE" || status == "UPDATING") return OkStatus();
  return Error::Unavailable("Kinesis stream " + std::string(stream_arn) + " is " + status);
}

}  // namespace profiled::aws
