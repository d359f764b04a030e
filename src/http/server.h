// File: server.h
// HTTP/1.1 server on Boost.Beast. Knows nothing of profiles: it reads complete requests, hands
// each to one handler, writes the answer, and enforces the limits below. Beast is included only
// by server.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/http_types.h"
#include "common/result.h"

namespace profiled::http {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Where a request's handler runs.
enum class Placement {
  // A worker thread: the handler may block on anything, and the kernel preempts it.
  kWorker,
  // The io thread that read the request: for short reads, whose two thread hops
  // (io -> worker -> io) cost more than the work. The handler must not wait: it holds up the
  // thread's other connections.
  kIoThread,
  // A fiber of that io thread (common/fiber.h), which gives the thread back while it waits for a
  // store commit (common/completion.h): no worker hand-off, and the thread serves its other
  // connections meanwhile. The handler must wait on nothing else for long (a lock, a socket).
  // Treated as kWorker with shared_io_context (a fiber resumes on the thread that started it).
  kFiber,
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  int io_threads = 2;                     // sockets and parsing
  int worker_threads = 32;                // run the handler (which may block on the store)
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;    // larger bodies: kPayloadTooLarge (413)
  std::chrono::seconds idle_timeout{60};  // keep-alive idle and slow-request limit
  size_t max_connections = 1024;          // further connections are accepted and closed
  // Requests whose target starts with this prefix may carry up to upload_max_body_bytes instead
  // (the PUT of an upload job's file); empty: none may.
  std::string upload_path_prefix;
  size_t upload_max_body_bytes = 0;
  // Where such a request's body is written as it arrives (HttpRequest::body_file, a temporary
  // file removed once the request is answered), so that it never sits in memory; empty: in memory.
  std::string upload_spool_dir;
  // Added by http/: compatible defaults.
  std::chrono::seconds drain_timeout{10};  // Stop(): how long in-flight requests may finish
  bool handle_signals = true;              // Run() stops on SIGINT/SIGTERM
  // One io_context run by all io threads instead of one per thread (measured slower here; kept
  // for comparison).
  bool shared_io_context = false;
  // An io thread that has served without a pause this long yields its core to another io thread
  // that has waited that long for it, unless writes wait for commits (http/io_loop.h); 0: never.
  std::chrono::microseconds io_busy_slice{250};
  // Where each request's handler runs (Placement); it must be cheap, as it runs on the io
  // thread for every request. Unset: every request goes to a worker.
  std::function<Placement(const HttpRequest&)> placement;
  // Called instead of the handler, with the handler to call (or not): what runs in front of the
  // API for every request (api/ops_endpoints.h: /health, /ready, /metrics, request counters).
  std::function<HttpResponse(const HttpRequest&, const Handler&)> front;
};

// Renders a failure the server finds itself, before or instead of the handler: kBadRequest (a
// malformed request), kPayloadTooLarge (body over max_body_bytes), kHeadersTooLarge (request line
// and headers over max_header_bytes), kInternal (the handler threw). The wire form of errors
// belongs to api/ (api::ErrorResponse), which http/ must not include, so main passes it in.
using ErrorResponder = std::function<HttpResponse(const Error&)>;

class Server {
 public:
  virtual ~Server() = default;
  // The port actually bound (useful with port 0).
  virtual int port() const = 0;
  // Blocks until SIGINT/SIGTERM or Stop(); then stops accepting, drains in-flight requests and
  // returns.
  virtual void Run() = 0;
  // Thread-safe; makes Run() return after draining.
  virtual void Stop() = 0;
  // Connections open now (for /metrics). Thread-safe.
  virtual size_t open_connections() const = 0;
};

// Binds the listening socket (so errors surface before Run) and returns the server. Both
// callbacks are required.
Result<std::unique_ptr<Server>> CreateServer(ServerOptions options, Handler handler,
                                             ErrorResponder on_error);

}  // namespace profiled::http
