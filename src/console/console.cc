#include "console/console.h"

#include <string_view>

#include "console/assets.h"

namespace profiled::console {
namespace {

constexpr std::string_view kPrefix = "/console";

HttpResponse Plain(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "text/plain; charset=utf-8"},
                      {"X-Content-Type-Options", "nosniff"}};
  response.body = std::move(body);
  response.operation = "Console";
  return response;
}

// What the page may do: load its own files, call its own origin; no framing (it may hold a
// typed secret key), no inline script.
void AddFileHeaders(HttpResponse& response, std::string_view content_type) {
  response.headers = {
      {"Content-Type", std::string(content_type)},
      {"Cache-Control", "no-cache"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Content-Security-Policy",
       "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'none'"},
  };
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;  // a region has none
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::optional<HttpResponse> Serve(const HttpRequest& request, const ConsoleOptions& options) {
  std::string_view path(request.target);
  path = path.substr(0, path.find('?'));
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());
  if (!rest.empty() && rest.front() != '/') return std::nullopt;  // e.g. /consoles
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response = Plain(405, "The console is read with GET.\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  if (rest.empty()) {
    HttpResponse response = Plain(301, "");
    response.headers.emplace_back("Location", "/console/");
    return response;
  }
  std::string_view file = rest.substr(1);
  if (file.empty()) file = "index.html";
  HttpResponse response;
  response.operation = "Console";
  if (file == "config.json") {
    AddFileHeaders(response, "application/json");
    response.body = "{\"region\":" + JsonString(options.region) +
                    ",\"signatureRequired\":" + (options.signature_required ? "true" : "false") +
                    "}";
    return response;
  }
  for (const Asset& asset : Assets()) {
    if (asset.path != file) continue;
    AddFileHeaders(response, asset.content_type);
    response.body = std::string(asset.body);
    return response;
  }
  return Plain(404, "No such file in the console.\n");
}

}  // namespace profiled::console
