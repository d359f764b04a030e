// File: http_client.h
// A small blocking HTTP/1.1 client for Profiled's outbound calls (S3, Kinesis): one connection
// per request, a deadline over the whole exchange, plain http or https (OpenSSL, verifying the
// peer against the system's CA store and the host name). It knows nothing of AWS; the S3 and
// Kinesis clients sign the request before handing it over.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/http_types.h"
#include "common/result.h"

namespace profiled::aws {

// Where a service is: scheme, host, port and an optional base path, from a URL such as
// "http://127.0.0.1:4567" or "https://s3.eu-west-1.amazonaws.com".
struct Endpoint {
  std::string scheme;     // "http" or "https"
  std::string host;       // without brackets for IPv6
  uint16_t port = 0;      // the scheme's default when the URL names none
  std::string base_path;  // "" or "/prefix" (no trailing '/')

  // The Host header: host, plus ":port" when it is not the scheme's default.
  std::string HostHeader() const;
  // "http://host:port/base" for messages.
  std::string ToString() const;
};

// Error kBadRequest naming `url` when it is not an http(s) URL with a host.
Result<Endpoint> ParseEndpoint(std::string_view url);

struct HttpClientOptions {
  // The whole exchange (resolve, connect, TLS, write, read) must end within this.
  std::chrono::milliseconds timeout{10'000};
  size_t max_response_bytes = 64 * 1024 * 1024;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` (method, target, headers with Host, body; Content-Length is set here) to
  // `endpoint` and returns the response, whatever its status. Errors: kUnavailable when the
  // endpoint cannot be reached or the exchange fails or times out (naming the endpoint).
  // Thread-safe: concurrent calls use separate connections.
  Result<HttpResponse> Send(const Endpoint& endpoint, const HttpRequest& request) const;

 private:
  struct Tls;
  HttpClientOptions options_;
  std::unique_ptr<Tls> tls_;  // the https context, made once
};

}  // namespace profiled::aws
