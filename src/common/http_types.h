// File: http_types.h
// Plain request/response values passed between http/ (which owns sockets and Beast) and api/
// (which owns the wire contract). Neither side sees the other's library.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ascii.h"

namespace profiled {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request-target: percent-encoded path, then "?query" if any
  HeaderList headers;  // names as received; look up case-insensitively with FindHeader
  std::string body;
  std::string remote_address;  // peer IP, for logs and loopback checks
  // Set when http/ spooled the body to this file as it arrived (a large upload; `body` is then
  // empty). http/ removes the file once the request has been answered.
  std::string body_file;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  // Not sent: the operation name (or "-") for the access log line.
  std::string operation = "-";
};

// Returns the first header named `name` (ASCII case-insensitive), or nullptr.
inline const std::string* FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

}  // namespace profiled
