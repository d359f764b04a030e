// File: pipeline.h
// The whole request pipeline as one pure function (Beast's handle_request idea): no sockets here.
// Stages, in order (see pipeline.cc): authenticate -> route -> bind -> validate -> dispatch ->
// serialize. Any failure becomes an AWS-style error response; nothing throws out of Handle.
#pragma once

#include <string>

#include "auth/authenticator.h"
#include "common/http_types.h"
#include "service/registry.h"

namespace profiled::api {

struct PipelineOptions {
  std::string region = "us-east-1";
};

class Pipeline {
 public:
  Pipeline(const service::Registry& registry, const auth::Authenticator& authenticator,
           PipelineOptions options);
  HttpResponse Handle(const HttpRequest& request) const;
  // Whether the request is one of the point reads (SearchProfiles, BatchGetProfile, GetDomain)
  // that answer from a warm store in microseconds: the server runs those on its io thread rather
  // than paying two thread hops. Only routes; authentication and the rest happen in Handle.
  bool IsQuickRead(const HttpRequest& request) const;

 private:
  const service::Registry& registry_;
  const auth::Authenticator& authenticator_;
  PipelineOptions options_;
};

}  // namespace profiled::api
