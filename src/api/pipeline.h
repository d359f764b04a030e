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
  // How much a request may cost a network thread, from its route alone (one match of the
  // router; authentication and the rest happen in Handle):
  enum class Cost {
    // Anything else: long, or may call another service; a worker thread runs it.
    kOther,
    // A point read (SearchProfiles, BatchGetProfile) that answers from a warm store in
    // microseconds and never writes: the server may run it on its io thread rather than pay two
    // thread hops.
    kQuickRead,
    // A write of one profile or object (CreateProfile, UpdateProfile, PutProfileObject, ...): CPU
    // work in microseconds around one store commit, which the server may run on a fiber of its
    // io thread (http::Placement::kFiber).
    kQuickWrite,
  };
  Cost CostOf(const HttpRequest& request) const;

 private:
  // An extension operation (api/extensions.h): authenticated unless it authorises itself, served
  // by the registry under its name, its output written as the JSON body.
  HttpResponse HandleExtension(const HttpRequest& request, const ExtensionOperation& op,
                               boost::json::object input, const std::string& request_id) const;

  const service::Registry& registry_;
  const auth::Authenticator& authenticator_;
  PipelineOptions options_;
};

}  // namespace profiled::api
