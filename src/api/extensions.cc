#include "api/extensions.h"

#include <boost/json/parse.hpp>
#include <system_error>

#include "api/uri.h"
#include "common/ascii.h"
#include "common/hex.h"

namespace profiled::api {
namespace json = boost::json;
namespace {

constexpr std::string_view kPrefix = "/_profiled/";

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool IsLabel(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Binds the labels of `op`'s path into `input`; false when the path is not `op`'s.
bool MatchPath(const ExtensionOperation& op, const std::vector<std::string_view>& segments,
               json::object& input) {
  std::vector<std::string_view> pattern = Segments(op.path);
  if (pattern.size() != segments.size()) return false;
  json::object labels;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsLabel(pattern[i])) {
      std::string value = PercentDecode(segments[i]);
      if (value.empty()) return false;
      labels[pattern[i].substr(1, pattern[i].size() - 2)] = value;
    } else if (pattern[i] != segments[i]) {
      return false;
    }
  }
  for (auto& kv : labels) input[kv.key()] = std::move(kv.value());
  return true;
}

}  // namespace

const std::vector<ExtensionOperation>& ExtensionOperations() {
  static const std::vector<ExtensionOperation> operations = {
      {.name = "ProfiledStartIdentityResolutionJob",
       .method = "POST",
       .path = "/_profiled/domains/{DomainName}/identity-resolution-jobs"},
      {.name = "ProfiledPutUploadFile",
       .method = "PUT",
       .path = "/_profiled/uploads/{UploadId}",
       .raw_body = true,
       .sigv4 = false},
  };
  return operations;
}

std::vector<std::string> ExtensionOperationNames() {
  std::vector<std::string> names;
  for (const auto& op : ExtensionOperations()) names.emplace_back(op.name);
  return names;
}

bool IsExtensionPath(std::string_view path) { return path.starts_with(kPrefix); }

Result<ExtensionRequest> BindExtension(const HttpRequest& request, std::string_view path,
                                       std::string_view query) {
  std::vector<std::string_view> segments = Segments(path);
  ExtensionRequest bound;
  for (const auto& op : ExtensionOperations()) {
    if (op.method != request.method) continue;
    json::object labels;
    if (MatchPath(op, segments, labels)) {
      bound.operation = &op;
      bound.input = std::move(labels);
      break;
    }
  }
  if (!bound.operation) {
    return Error(ErrorCode::kUnknownOperation, "No Profiled extension operation matches " +
                                                   request.method + " " + std::string(path));
  }
  if (bound.operation->raw_body) {
    // A body http/ spooled to a file is handed over as the file's path. Both members are always
    // set, so that a query parameter of the same name can never stand in for them.
    bound.input["Body"] = request.body;
    bound.input["BodyFile"] = request.body_file;
    // A raw upload's x-amz-* headers (an S3 SSE-C key, say) are the operation's to check.
    for (const auto& [name, value] : request.headers) {
      if (StartsWithIgnoreCase(name, "x-amz-")) bound.input[AsciiStrToLower(name)] = value;
    }
  } else if (!request.body.empty()) {
    std::error_code ec;
    json::value body = json::parse(request.body, ec);
    if (ec || !body.is_object()) {
      return Error::BadRequest("The request body of " + std::string(bound.operation->name) +
                               " must be a JSON object");
    }
    for (auto& kv : body.as_object()) {
      if (!bound.input.contains(kv.key())) bound.input[kv.key()] = std::move(kv.value());
    }
  }
  // Labels and body members win over query parameters of the same name.
  for (auto& [key, value] : ParseQuery(query)) {
    if (!bound.input.contains(key)) bound.input[key] = value;
  }
  return bound;
}

}  // namespace profiled::api
