// File: pipeline.h
// The whole request pipeline as one pure function (Beast's handle_request idea): no sockets here.
// Stages, in order (see pipeline.cc): authenticate -> route -> [rate quota] -> bind -> validate ->
// [resource quotas] -> dispatch -> serialize, the quotas only with --emulate-quotas; a path under
// /_profiled/ is one of Profiled's extension operations instead. Any failure becomes an AWS-style
// error response; nothing throws out of Handle.
#pragma once

#include <string>

#include "api/extensions.h"
#include "auth/authenticator.h"
#include "common/http_types.h"
#include "service/registry.h"

namespace profiled::api {

class Quotas;

struct PipelineOptions {
  std::string region = "us-east-1";
  // AWS's quotas (`serve --emulate-quotas`, api/quotas.h); null: none. Owned by main.
  Quotas* quotas = nullptr;
};

class Pipeline {
 public:
  Pipeline(const service::Registry& registry, const auth::Authenticator& authenticator,
           PipelineOptions options);
  HttpResponse Handle(const HttpRequest& request) const;
  // Whether the request is one of the point reads (SearchProfiles, BatchGetProfile) that answer
  // from a warm store in microseconds: the server runs those on its io thread rather than paying
  // two thread hops. Only routes; authentication and the rest happen in Handle.
  bool IsQuickRead(const HttpRequest& request) const;
  // Whether the request is a write of one profile or object (CreateProfile, UpdateProfile,
  // PutProfileObject, ...): CPU work in microseconds around one store commit, which the server
  // can run on a fiber of its io thread (http::ServerOptions::run_in_fiber). Only routes.
  bool IsQuickWrite(const HttpRequest& request) const;

 private:
  // The name of the operation the request routes to; empty when it routes to none.
  static std::string_view OperationOf(const HttpRequest& request);
  // An extension operation (api/extensions.h): authenticated unless it authorises itself, served
  // by the registry under its name, its output written as the JSON body.
  HttpResponse HandleExtension(const HttpRequest& request, const ExtensionOperation& op,
                               boost::json::object input, const std::string& request_id) const;

  const service::Registry& registry_;
  const auth::Authenticator& authenticator_;
  PipelineOptions options_;
};

}  // namespace profiled::api
