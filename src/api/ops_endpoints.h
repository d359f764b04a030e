// File: ops_endpoints.h
// What the people who run Profiled read, served in front of the API pipeline and without SigV4:
//   GET /health   liveness: the process answers (200 "ok")
//   GET /ready    readiness: the store answers a read (200 "ready", else 503)
//   GET /metrics  Prometheus text format (docs/operations.md lists the families)
// No route of the model starts with these paths (the model's start with /domains, /tags,
// /templates, /integrations, /recommender-recipes; tests/api/ops_endpoints_test.cc checks it), so
// they cannot shadow an operation. Every other request goes to the pipeline, counted and timed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/request_metrics.h"
#include "common/http_types.h"
#include "store/store.h"

namespace profiled::api {

struct OpsOptions {
  // /metrics on the API listener; off when metrics are off or on their own listener.
  bool metrics_on_api_listener = true;
  // Whose domains /metrics reports profiles and objects of (the store has no list of accounts).
  std::vector<std::string> accounts;
  // At most this many domains per account are read per scrape (each is one small scan).
  size_t max_domains = 100;
};

class OpsEndpoints {
 public:
  using Next = std::function<HttpResponse(const HttpRequest&)>;

  // Requests are counted under the model's and the extensions' operation names. The store must
  // outlive this.
  OpsEndpoints(store::Store& store, OpsOptions options);

  // The open connections of the listeners, for /metrics (set once, before serving).
  void SetConnectionCounter(std::function<size_t()> counter) { connections_ = std::move(counter); }

  // The API listener's handler: an ops path is answered here, anything else by `next`, counted.
  HttpResponse Serve(const HttpRequest& request, const Next& next);
  // The --metrics-listen listener's handler: the ops paths, and 404 for anything else.
  HttpResponse ServeOpsOnly(const HttpRequest& request) const;

  // Whether the (raw) path is one of the ops paths.
  static bool IsOpsPath(std::string_view path);

  std::string RenderMetrics() const;

 private:
  std::optional<HttpResponse> Answer(const HttpRequest& request, bool metrics) const;
  HttpResponse Ready() const;
  void RenderStore(std::string& out) const;
  void RenderDomains(std::string& out) const;

  store::Store& store_;
  OpsOptions options_;
  RequestMetrics requests_;
  std::function<size_t()> connections_;
};

}  // namespace profiled::api
