#include "api/pipeline.h"

#include <boost/json/serialize.hpp>
#include <exception>
#include <string>
#include <utility>

#include "api/binder.h"
#include "api/errors.h"
#include "api/extensions.h"
#include "api/quotas.h"
#include "api/router.h"
#include "api/serializer.h"
#include "api/uri.h"
#include "api/validator.h"
#include "common/ids.h"
#include "common/log.h"

namespace profiled::api {

Pipeline::Pipeline(const service::Registry& registry, const auth::Authenticator& authenticator,
                   PipelineOptions options)
    : registry_(registry), authenticator_(authenticator), options_(std::move(options)) {
  // Load the model and build the routing table now, not on the first request.
  (void)Router::Default();
}

Pipeline::Cost Pipeline::CostOf(const HttpRequest& request) const {
  std::string_view path, query;
  SplitTarget(request.target, &path, &query);
  auto route = Router::Default().Match(request.method, path, query);
  if (!route.ok()) return Cost::kOther;
  const std::string& name = route->operation->name;
  // Only operations that never write: GetDomain first removes what expiry has made due
  // (service/expiry.h, AfterDueExpiry), which can be many write transactions, and that must not
  // hold a network thread.
  if (name == "SearchProfiles" || name == "BatchGetProfile") return Cost::kQuickRead;
  // One profile's document, its keys and history, or one object: bounded work, and every wait is
  // a store commit. Merges, deletions of whole types or domains and anything that calls another
  // service stay on the workers.
  if (name == "CreateProfile" || name == "UpdateProfile" || name == "PutProfileObject" ||
      name == "DeleteProfile" || name == "DeleteProfileObject" || name == "AddProfileKey" ||
      name == "DeleteProfileKey") {
    return Cost::kQuickWrite;
  }
  return Cost::kOther;
}

HttpResponse Pipeline::Handle(const HttpRequest& request) const {
  std::string request_id = NewUuid();
  std::string_view operation = "-";
  auto fail = [&](const Error& error) {
    HttpResponse response = ErrorResponse(error, request_id);
    response.operation = std::string(operation);
    return response;
  };
  try {
    std::string_view path, query;
    SplitTarget(request.target, &path, &query);
    if (IsExtensionPath(path)) {
      auto bound = BindExtension(request, path, query);
      if (!bound.ok()) {
        // Only a caller who may call anything learns which paths are not served.
        auto identity = authenticator_.Authenticate(request);
        return fail(identity.ok() ? bound.error() : identity.error());
      }
      operation = bound->operation->name;
      return HandleExtension(request, *bound->operation, std::move(bound->input), request_id);
    }

    auto identity = authenticator_.Authenticate(request);
    if (!identity.ok()) return fail(identity.error());
    auto route = Router::Default().Match(request.method, path, query);
    if (!route.ok()) return fail(route.error());
    const Operation& op = *route->operation;
    operation = op.name;
    if (options_.quotas && !options_.quotas->Admit(identity->account_id, op.name)) {
      HttpResponse response = ErrorResponse(kThrottlingException, "Rate exceeded", request_id);
      response.operation = op.name;
      return response;
    }

    auto input = Bind(op, *route, query, request);
    if (!input.ok()) return fail(input.error());
    if (op.input) {
      Status valid = Validate(*op.input, *input);
      if (!valid.ok()) return fail(valid.error());
    }

    const service::Handler* handler = registry_.Find(op.name);
    if (!handler) {
      return fail(
          Error::NotImplemented("Profiled does not implement the operation " + op.name + " yet"));
    }
    service::RequestContext context{identity->account_id, options_.region, request_id};
    if (const std::string* host = FindHeader(request.headers, "Host")) context.host = *host;
    if (options_.quotas) {
      Status within =
          options_.quotas->CheckLimits(registry_, context, op.name, *input, request.body.size());
      if (!within.ok()) return fail(within.error());
    }
    auto output = (*handler)(context, std::move(input).value());
    if (!output.ok()) return fail(output.error());
    return Serialize(op, std::move(output).value(), request_id);
  } catch (const std::exception& e) {
    // A handler bug must not take the server down or leak details; the type is enough to debug.
    log::Error("request " + request_id + " (" + std::string(operation) +
               "): unhandled exception: " + e.what());
  } catch (...) {
    log::Error("request " + request_id + " (" + std::string(operation) +
               "): unhandled non-standard exception");
  }
  return fail(Error::Internal("An internal error occurred. Request id: " + request_id));
}

HttpResponse Pipeline::HandleExtension(const HttpRequest& request, const ExtensionOperation& op,
                                       boost::json::object input,
                                       const std::string& request_id) const {
  auto fail = [&](const Error& error) {
    HttpResponse response = ErrorResponse(error, request_id);
    response.operation = std::string(op.name);
    return response;
  };
  service::RequestContext context{"", options_.region, request_id};
  if (op.sigv4) {
    auto identity = authenticator_.Authenticate(request);
    if (!identity.ok()) return fail(identity.error());
    context.account_id = identity->account_id;
  }
  const service::Handler* handler = registry_.Find(op.name);
  if (!handler) {
    return fail(Error::NotImplemented("Profiled does not implement the operation " +
                                      std::string(op.name) + " yet"));
  }
  auto output = (*handler)(context, std::move(input));
  if (!output.ok()) return fail(output.error());
  HttpResponse response;
  response.operation = std::string(op.name);
  response.headers.emplace_back("Content-Type", "application/json");
  response.headers.emplace_back("x-amzn-RequestId", request_id);
  response.body = boost::json::serialize(*output);
  return response;
}

}  // namespace profiled::api
