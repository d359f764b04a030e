// libFuzzer target for the raw HTTP/1.1 bytes a client sends: the server's own RequestParser
// (http/request_parser.h, shared with http/server.cc), fed the way Session::Parse feeds it:
// whatever arrived so far, put() over the buffer, consume what was used, wait for more on
// need_more, and a fresh parser for each pipelined request.
//
// Input: byte 0 chooses the read size (1..64 bytes per "read", so requests split at every
// possible point, as slow or hostile clients split them); the rest are the bytes on the wire.
// Each input is parsed twice: with the server's default limits (16 KiB of header, 1 MiB of
// body) and with tiny ones (256 B of header, 32 B of body) so that the limit paths, which need
// large inputs at the real sizes, are reached too.
//
// Properties checked beyond "no crash, no sanitizer report":
//   1. a completed request's body never exceeds the body limit (the 413 path must fire first);
//   2. a request that completes has a method, a target, and a Content-Length that matches its
//      body when it declared one;
//   3. parsing always makes progress or stops: no loop without consuming input.
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "common/http_types.h"
#include "http/request_parser.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using beast::error_code;
using profiled::HttpRequest;

using profiled::http::RequestParser;

void CheckCompleted(const HttpRequest& request, size_t max_body) {
  if (request.body.size() > max_body) std::abort();  // property 1
  if (request.method.empty() || request.target.empty()) std::abort();
  const std::string* length = profiled::FindHeader(request.headers, "Content-Length");
  const std::string* chunked = profiled::FindHeader(request.headers, "Transfer-Encoding");
  if (length != nullptr && chunked == nullptr) {
    uint64_t declared = 0;
    auto [ptr, ec] = std::from_chars(length->data(), length->data() + length->size(), declared);
    if (ec == std::errc() && ptr == length->data() + length->size() &&
        declared != request.body.size()) {
      std::abort();  // property 2
    }
  }
}

// Session::StartRequest + Session::Parse over a connection delivering `wire` `chunk` bytes at a
// time. Returns the number of requests completed.
int ParseConnection(std::string_view wire, size_t chunk, size_t max_header, size_t max_body) {
  beast::flat_buffer buffer;
  HttpRequest request;
  std::optional<RequestParser> parser;
  int completed = 0;
  auto start_request = [&] {
    request.method.clear();
    request.target.clear();
    request.body.clear();
    parser.emplace(&request, max_body);
    parser->header_limit(static_cast<uint32_t>(max_header));
  };
  start_request();
  size_t offset = 0;
  for (;;) {
    // "Read": append the next chunk, as async_read_some into buffer_.prepare() would.
    if (offset < wire.size()) {
      size_t n = std::min(chunk, wire.size() - offset);
      auto dst = buffer.prepare(n);
      std::memcpy(dst.data(), wire.data() + offset, n);
      buffer.commit(n);
      offset += n;
    } else if (buffer.size() == 0) {
      return completed;  // EOF: the server closes
    }
    bool need_read = false;
    int spins = 0;
    while (!need_read) {
      if (++spins > 100000) std::abort();  // property 3
      error_code ec;
      size_t used = parser->put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) {
        if (offset >= wire.size()) return completed;  // EOF mid-request: closed
        need_read = true;
        break;
      }
      if (ec) {
        // 413, 431 or 400: the server answers and closes; a body-limit stop must have fired
        // before the body grew past the limit.
        if (request.body.size() > max_body) std::abort();
        return completed;
      }
      if (parser->is_done()) {
        CheckCompleted(request, max_body);
        ++completed;
        if (!parser->keep_alive()) return completed;
        start_request();
        if (buffer.size() == 0) need_read = true;
        continue;
      }
      if (used == 0 || buffer.size() == 0) {
        if (offset >= wire.size() && used == 0) return completed;
        need_read = true;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = static_cast<size_t>(data[0] % 64) + 1;
  std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  // http::ServerOptions defaults.
  ParseConnection(wire, chunk, 16 * 1024, 1024 * 1024);
  ParseConnection(wire, chunk, 256, 32);
  // Everything at once, as when a client's whole pipeline is already in the socket buffer.
  ParseConnection(wire, wire.size() + 1, 16 * 1024, 1024 * 1024);
  return 0;
}
