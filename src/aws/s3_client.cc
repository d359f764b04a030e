#include "aws/s3_client.h"

#include <charconv>

#include "auth/sigv4.h"
#include "common/hex.h"

namespace profiled::aws {
namespace {

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back(s[i]);
      continue;
    }
    std::string_view entity = s.substr(i + 1, semi - i - 1);
    if (entity == "amp")
      out.push_back('&');
    else if (entity == "lt")
      out.push_back('<');
    else if (entity == "gt")
      out.push_back('>');
    else if (entity == "quot")
      out.push_back('"');
    else if (entity == "apos")
      out.push_back('\'');
    else if (entity.size() > 1 && entity[0] == '#') {
      bool hex = entity[1] == 'x';
      std::string_view digits = entity.substr(hex ? 2 : 1);
      unsigned code = 0x80;
      auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      if (ec == std::errc() && end == digits.data() + digits.size() && code < 0x80) {
        out.push_back(static_cast<char>(code));
      }
      // S3 escapes only control characters this way; anything else is kept as written.
      else
        out.append(s.substr(i, semi - i + 1));
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

Error S3Error(const HttpResponse& response, std::string_view what) {
  std::string code = XmlText(response.body, "Code");
  std::string message = XmlText(response.body, "Message");
  std::string text = std::string(what) + ": HTTP " + std::to_string(response.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  if (response.status == 404) return Error::NotFound(std::move(text));
  if (response.status >= 500 || response.status == 429) {
    return Error::Unavailable(std::move(text));
  }
  return Error::BadRequest(std::move(text));
}

}  // namespace

std::string XmlText(std::string_view xml, std::string_view tag, size_t* pos) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  size_t start = xml.find(open, pos != nullptr ? *pos : 0);
  if (start == std::string_view::npos) {
    if (pos != nullptr) *pos = std::string_view::npos;
    return "";
  }
  start += open.size();
  size_t end = xml.find(close, start);
  if (end == std::string_view::npos) end = xml.size();
  if (pos != nullptr) *pos = end;
  return XmlUnescape(xml.substr(start, end - start));
}

S3Client::S3Client(const AwsConfig& config, const Clock& clock)
    : config_(config), clock_(clock), http_(config.http) {}

Result<HttpResponse> S3Client::Call(std::string_view method, std::string_view bucket,
                                    std::string_view key, std::string_view query, std::string body,
                                    HeaderList headers, std::string_view what) {
  if (!config_.credentials) return NoCredentials(what);
  Endpoint endpoint;
  std::string path;
  const std::string encoded_key = auth::sigv4::UriEncode(key, /*keep_slash=*/true);
  if (config_.s3_endpoint) {
    endpoint = *config_.s3_endpoint;
    path = endpoint.base_path + "/" + auth::sigv4::UriEncode(bucket, false);
    if (!key.empty()) path += "/" + encoded_key;
  } else {
    endpoint = Endpoint{"https", std::string(bucket) + ".s3." + config_.region + ".amazonaws.com",
                        443, ""};
    path = "/" + encoded_key;
  }
  HttpRequest request;
  request.method = std::string(method);
  request.target = query.empty() ? path : path + "?" + std::string(query);
  request.headers = std::move(headers);
  request.headers.emplace_back("Host", endpoint.HostHeader());
  request.body = std::move(body);
  auth::SignRequest(request, *config_.credentials, {config_.region, "s3", /*s3=*/true},
                    clock_.Now());
  auto response = http_.Send(endpoint, request);
  if (!response.ok()) {
    return Error::Unavailable(std::string(what) + ": " + response.error().message());
  }
  if (response->status < 200 || response->status > 299) return S3Error(*response, what);
  return response;
}

Status S3Client::PutObject(std::string_view bucket, std::string_view key, std::string_view body,
                           std::string_view content_type) {
  const std::string what = "S3 PutObject s3://" + std::string(bucket) + "/" + std::string(key);
  HeaderList headers;
  if (!content_type.empty()) headers.emplace_back("Content-Type", std::string(content_type));
  auto response = Call("PUT", bucket, key, "", std::string(body), std::move(headers), what);
  if (!response.ok()) return std::move(response).error();
  return OkStatus();
}

Result<std::string> S3Client::GetObject(std::string_view bucket, std::string_view key) {
  const std::string what = "S3 GetObject s3://" + std::string(bucket) + "/" + std::string(key);
  ASSIGN_OR_RETURN(HttpResponse response, Call("GET", bucket, key, "", "", {}, what));
  return std::move(response.body);
}

Result<std::vector<std::string>> S3Client::ListObjects(std::string_view bucket,
                                                       std::string_view prefix) {
  const std::string what =
      "S3 ListObjectsV2 s3://" + std::string(bucket) + "/" + std::string(prefix);
  std::vector<std::string> keys;
  std::string token;
  while (true) {
    std::string query = "list-type=2&encoding-type=url";
    if (!prefix.empty()) query += "&prefix=" + auth::sigv4::UriEncode(prefix, false);
    if (!token.empty()) query += "&continuation-token=" + auth::sigv4::UriEncode(token, false);
    ASSIGN_OR_RETURN(HttpResponse response, Call("GET", bucket, "", query, "", {}, what));
    // Keys come percent-encoded when the server honoured encoding-type=url (S3 does), else as
    // XML text.
    const bool url_encoded = XmlText(response.body, "EncodingType") == "url";
    size_t pos = 0;
    while (true) {
      std::string key = XmlText(response.body, "Key", &pos);
      if (pos == std::string::npos) break;
      keys.push_back(url_encoded ? PercentDecode(key) : std::move(key));
    }
    token = XmlText(response.body, "NextContinuationToken");
    if (XmlText(response.body, "IsTruncated") != "true" || token.empty()) break;
  }
  return keys;
}

}  // namespace profiled::aws
