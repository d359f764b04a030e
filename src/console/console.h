// File: console.h
// The web console at /console/ (docs/console.md): static files served from the binary on the
// API's own listener, ahead of the api pipeline and without SigV4, since they hold no data. The
// console reads and writes only through the public API, signing in the browser.
#pragma once

#include <optional>
#include <string>

#include "common/http_types.h"

namespace profiled::console {

struct ConsoleOptions {
  std::string region = "us-east-1";  // the region the browser signs for
  bool signature_required = false;   // --credentials: the console asks for a key
};

// The answer to a request under /console (a file, config.json, a redirect from /console to
// /console/, 404 or 405), or nullopt when the path is not the console's: no route of the model
// starts with /console.
std::optional<HttpResponse> Serve(const HttpRequest& request, const ConsoleOptions& options);

}  // namespace profiled::console
