// libFuzzer target for the JSON binder and the validator (api/binder.h, api/validator.h): the
// input is the request body, bound and validated for every operation of the embedded model in
// turn (106 of them), so one interesting body reaches every input shape: nesting, unions, maps,
// lists, timestamps in every wire form, enums, patterns, lengths in code points, numbers at and
// beyond their ranges.
//
// Each operation's request is routed for real (Router::Default().Match on its URI template with
// every label filled in), so the RouteMatch the binder sees is the one the pipeline would pass.
// Properties checked beyond "no crash, no sanitizer report, no hang":
//   1. Bind and Validate fail only with kBadRequest (a bad body is the client's fault: 400);
//   2. a body that is not a JSON object never binds for an operation that has body members.
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/binder.h"
#include "api/model.h"
#include "api/router.h"
#include "api/validator.h"
#include "common/http_types.h"

namespace {

using namespace profiled;
using namespace profiled::api;

struct Case {
  const Operation* op;
  std::string target;
};

// "/domains/{DomainName}/profiles/{ProfileId}" -> "/domains/fuzzlabel/profiles/fuzzlabel".
std::string FillLabels(std::string_view uri) {
  std::string out;
  size_t i = 0;
  while (i < uri.size()) {
    if (uri[i] == '{') {
      size_t end = uri.find('}', i);
      if (end == std::string_view::npos) break;
      out += "fuzzlabel";
      i = end + 1;
    } else {
      out += uri[i++];
    }
  }
  return out;
}

const std::vector<Case>& Cases() {
  static const std::vector<Case>* cases = [] {
    auto* v = new std::vector<Case>;
    for (const Operation& op : Model::Get().operations()) {
      v->push_back(Case{&op, FillLabels(op.request_uri)});
    }
    if (v->size() < 100) std::abort();  // the model did not load as expected
    return v;
  }();
  return *cases;
}

bool HasBodyMembers(const Operation& op) {
  if (op.input == nullptr) return false;
  for (const Member& m : op.input->members) {
    if (m.location == Location::kBody) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  (void)ParseTimestamp(std::string_view(body).substr(0, 64));

  boost::system::error_code parse_ec;
  boost::json::value parsed = boost::json::parse(body, parse_ec);
  bool is_object = !parse_ec && parsed.is_object();
  bool blank = body.find_first_not_of(" \t\r\n") == std::string::npos;

  HttpRequest request;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  for (const Case& c : Cases()) {
    const Operation& op = *c.op;
    request.method = op.method;
    request.target = c.target;
    std::string_view target = request.target;
    size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query =
        q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    auto route = Router::Default().Match(op.method, path, query);
    if (!route.ok()) std::abort();  // every operation's own template must route
    // Two templates may share a shape (the router then picks one); bind for the one routed.
    const Operation& routed = *route->operation;
    auto input = Bind(routed, *route, query, request);
    if (!input.ok()) {
      if (input.error().code() != ErrorCode::kBadRequest) std::abort();  // property 1
      continue;
    }
    if (!is_object && !blank && HasBodyMembers(routed)) std::abort();  // property 2
    if (routed.input != nullptr) {
      Status valid = Validate(*routed.input, *input);
      if (!valid.ok() && valid.error().code() != ErrorCode::kBadRequest) std::abort();
    }
  }
  return 0;
}
