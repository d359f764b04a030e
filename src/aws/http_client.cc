#include "aws/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <functional>
#include <mutex>
#include <optional>

namespace profiled::aws {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Made at the first https request, not with the client: loading the system's CA bundle
// (set_default_verify_paths parses every certificate in it) was a fifth of the server's start-up
// CPU, paid by every start, though most servers never call an https endpoint.
struct HttpClient::Tls {
  std::once_flag made;
  std::optional<asio::ssl::context> context;

  asio::ssl::context& Context() {
    std::call_once(made, [this] {
      context.emplace(asio::ssl::context::tls_client);
      context->set_default_verify_paths();
      context->set_verify_mode(asio::ssl::verify_peer);
    });
    return *context;
  }
};

namespace {

uint16_t DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

Error Unreachable(const Endpoint& endpoint, std::string_view what) {
  return Error::Unavailable(endpoint.ToString() + ": " + std::string(what));
}

// Runs the exchange's asynchronous steps on a private io_context, so that one deadline covers
// them all (Beast's timeouts apply to asynchronous operations only).
template <typename Stream>
Result<HttpResponse> Exchange(
    asio::io_context& ioc, Stream& stream, beast::tcp_stream& tcp, const Endpoint& endpoint,
    const HttpRequest& request, const HttpClientOptions& options,
    const std::function<void(std::function<void(beast::error_code)>)>& handshake) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  for (const auto& [name, value] : request.headers) req.insert(name, value);
  req.set(bhttp::field::connection, "close");
  req.body() = request.body;
  req.prepare_payload();

  beast::error_code failure;
  std::string failed_step;
  auto fail = [&](beast::error_code ec, const char* step) {
    if (!failure) {
      failure = ec;
      failed_step = step;
    }
  };
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  parser.header_limit(64 * 1024);
  bool done = false;

  auto read = [&] {
    bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
      if (ec) return fail(ec, "read");
      done = true;
    });
  };
  auto write = [&] {
    bhttp::async_write(stream, req, [&](beast::error_code ec, size_t) {
      if (ec) return fail(ec, "write");
      read();
    });
  };
  tcp::resolver resolver(ioc);
  resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                         [&](beast::error_code ec, tcp::resolver::results_type results) {
                           if (ec) return fail(ec, "resolve");
                           tcp.async_connect(results,
                                             [&](beast::error_code ec, const tcp::endpoint&) {
                                               if (ec) return fail(ec, "connect");
                                               handshake([&](beast::error_code ec) {
                                                 if (ec) return fail(ec, "TLS handshake");
                                                 write();
                                               });
                                             });
                         });
  tcp.expires_after(options.timeout);
  ioc.run_for(options.timeout + std::chrono::milliseconds(100));
  if (!done) {
    if (failure && failure != beast::error::timeout) {
      return Unreachable(endpoint, failed_step + " failed: " + failure.message());
    }
    return Unreachable(endpoint,
                       "no response within " + std::to_string(options.timeout.count()) + " ms");
  }
  bhttp::response<bhttp::string_body> res = parser.release();
  HttpResponse response;
  response.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(res.body());
  return response;
}

}  // namespace

std::string Endpoint::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != DefaultPort(scheme)) h += ":" + std::to_string(port);
  return h;
}

std::string Endpoint::ToString() const { return scheme + "://" + HostHeader() + base_path; }

Result<Endpoint> ParseEndpoint(std::string_view url) {
  auto bad = [&] {
    return Error::BadRequest(
        "endpoint URL must be http://host[:port] or https://host[:port], not '" + std::string(url) +
        "'");
  };
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return bad();
  Endpoint endpoint;
  endpoint.scheme = std::string(parsed->scheme());
  if (endpoint.scheme != "http" && endpoint.scheme != "https") return bad();
  endpoint.host = std::string(parsed->encoded_host_address());
  if (endpoint.host.empty() || parsed->has_query() || parsed->has_userinfo()) return bad();
  endpoint.port = DefaultPort(endpoint.scheme);
  if (parsed->has_port()) {
    std::string_view p = parsed->port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (ec != std::errc() || end != p.data() + p.size() || value == 0 || value > 65535) {
      return bad();
    }
    endpoint.port = static_cast<uint16_t>(value);
  }
  endpoint.base_path = std::string(parsed->encoded_path());
  while (!endpoint.base_path.empty() && endpoint.base_path.back() == '/') {
    endpoint.base_path.pop_back();
  }
  return endpoint;
}

HttpClient::HttpClient(HttpClientOptions options)
    : options_(options), tls_(std::make_unique<Tls>()) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Send(const Endpoint& endpoint, const HttpRequest& request) const {
  try {
    asio::io_context ioc;
    if (endpoint.scheme != "https") {
      beast::tcp_stream stream(ioc);
      return Exchange(ioc, stream, stream, endpoint, request, options_,
                      [](std::function<void(beast::error_code)> next) { next({}); });
    }
    beast::ssl_stream<beast::tcp_stream> stream(ioc, tls_->Context());
    if (!SSL_set_tlsext_host_name(stream.native_handle(), endpoint.host.c_str())) {
      return Unreachable(endpoint, "cannot set the TLS server name");
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
    return Exchange(ioc, stream, beast::get_lowest_layer(stream), endpoint, request, options_,
                    [&](std::function<void(beast::error_code)> next) {
                      stream.async_handshake(asio::ssl::stream_base::client, std::move(next));
                    });
  } catch (const std::exception& e) {
    return Unreachable(endpoint, e.what());
  }
}

}  // namespace profiled::aws
