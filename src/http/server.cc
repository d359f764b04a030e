// File: server.cc
// The HTTP/1.1 server behind http::Server, on Boost.Asio with Beast's HTTP parser.
//
// Shape (see server.h for the contract):
//  - one io_context per io thread (the default), sockets dealt round-robin by a single acceptor.
//    Measured with tests/http/http_bench_main.cc and wrk (static answer, -t1 -c64), interleaved
//    with ../shared/bench/limit: server CPU per request was ~13-15 us with two io_contexts and
//    ~11-21 us with one shared two-thread io_context (strands), against ~9.5 us for the limit
//    server, which runs no worker hop. The box was heavily loaded by parallel builds, so treat
//    these as a ranking, not as figures. ServerOptions::shared_io_context keeps the other mode;
//  - each connection is a Session that reads with its own loop over a reused flat_buffer and a
//    parser that writes straight into a reused HttpRequest (no Beast message/fields allocations);
//  - the handler runs on a separate WorkerPool (it may block on a database commit); the response
//    is written back on the session's executor from a reused head buffer plus the body, unchanged;
//  - one timer per session with a lazily re-armed deadline: the whole request (idle wait included)
//    must arrive within idle_timeout, which also bounds writes and the lingering close.
#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <new>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/fiber.h"
#include "common/log.h"
#include "common/mutex.h"
#include "http/io_loop.h"
#include "http/request_parser.h"

namespace profiled::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using beast::error_code;

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kKeepBodyCapacity = 256 * 1024;
// A lingering close (after 400/413) waits at most this long for the client to stop sending.
constexpr std::chrono::seconds kLingerLimit{5};
constexpr std::chrono::seconds kLingerLimitStopping{1};

void AppendUint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Splits "host:port" / "[v6]:port" and resolves it to one endpoint.
Result<tcp::endpoint> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Error::BadRequest("listen address must be host:port");
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return Error::BadRequest("bad port in listen address '" + listen + "'");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  error_code aec;
  auto address = asio::ip::make_address(host, aec);
  if (!aec) return tcp::endpoint(address, static_cast<unsigned short>(port));
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, port_text, aec);
  if (aec || results.empty()) {
    return Error::BadRequest("cannot resolve '" + host + "': " + aec.message());
  }
  return results.begin()->endpoint();
}

class ServerImpl;
class Session;

// Runs handlers off the io threads. Idle workers wait on their own condition variable and are
// woken last-in first-out, so under light or moderate load the same few threads stay hot instead
// of all of them rotating (asio::thread_pool wakes waiters in turn); a task is a session pointer,
// so posting one allocates nothing.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();  // stops, drops queued tasks, joins
  void Post(std::shared_ptr<Session> task) EXCLUDES(mu_);
  // Lets the workers finish the queue, then joins them.
  void Join() EXCLUDES(mu_);

 private:
  struct Worker {
    std::condition_variable cv;
    // Handed over directly when the worker was idle; guarded by the pool's mu_ (which the
    // analysis cannot name from here).
    std::shared_ptr<Session> task;
  };
  void Loop(Worker* self) EXCLUDES(mu_);

  Mutex mu_;
  std::deque<std::shared_ptr<Session>> queue_ GUARDED_BY(mu_);
  std::vector<Worker*> idle_ GUARDED_BY(mu_);  // a stack
  bool stop_ GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerImpl* server, tcp::socket socket, uint64_t id);
  ~Session();

  void Start();
  // Runs on the session's executor when the server begins to stop.
  void OnServerStopping();
  // Runs on a worker thread: calls the handler and posts the response back to the session.
  void RunHandler();
  // Runs the handler into response_, turning anything it throws into a 500.
  void CallHandler();
  // Runs the handler on a fiber of this io thread (Placement::kFiber).
  void StartFiber();
  // Runs the fiber until it waits or finishes; once finished, writes the response.
  void StepFiber();
  uint64_t id() const { return id_; }
  asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  enum class State { kReading, kContinue, kHandling, kWriting, kLingering, kClosed };

  void StartRequest();
  // Removes the spooled body of the last request (HttpRequest::body_file), if any.
  void RemoveBodyFile();
  void Read();
  void OnRead(const error_code& ec, size_t n);
  void Parse();
  void Dispatch();
  void WriteResponse();
  void OnWritten(const error_code& ec);
  void RespondError(Error error);
  void Linger();
  void Close();
  void SetDeadline(Clock::time_point deadline);
  void ArmTimer();
  void OnTimer();
  // Uses request_, response_ and started_; called by whichever thread owns them at the time.
  void LogAccess();

  ServerImpl* server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  uint64_t id_;
  State state_ = State::kReading;
  Clock::time_point deadline_ = Clock::time_point::max();
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  bool header_seen_ = false;
  bool keep_alive_ = true;
  bool lingering_close_ = false;
  bool http10_ = false;
  bool head_ = false;
  HttpRequest request_;
  HttpResponse response_;
  std::string head_buffer_;
  std::string log_line_;  // used by LogAccess only
  // The handler's fiber while it runs; it holds a reference to this session, dropped when it ends.
  std::unique_ptr<Fiber> fiber_;
  Clock::time_point started_;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, Handler handler, ErrorResponder on_error)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        on_error_(std::move(on_error)),
        pool_(std::in_place, std::max(1, options_.worker_threads)) {
    int io_threads = std::max(1, options_.io_threads);
    if (options_.shared_io_context) {
      iocs_.push_back(std::make_unique<asio::io_context>(io_threads));
    } else {
      for (int i = 0; i < io_threads; ++i) iocs_.push_back(std::make_unique<asio::io_context>(1));
    }
    for (auto& ioc : iocs_) guards_.push_back(asio::make_work_guard(*ioc));
    acceptor_.emplace(*iocs_[0]);
    accept_retry_.emplace(*iocs_[0]);
  }

  ~ServerImpl() override {
    for (auto& ioc : iocs_) ioc->stop();
    // Pending handlers hold sessions whose sockets belong to the io_contexts, and sessions
    // unregister under mu_: drop the pool's handlers first, then the io_contexts, while the rest
    // of this object is still alive.
    pool_.reset();
    accept_retry_.reset();
    acceptor_.reset();
    guards_.clear();
    iocs_.clear();
  }

  Status Listen() {
    ASSIGN_OR_RETURN(tcp::endpoint endpoint, ParseListen(options_.listen));
    error_code ec;
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error::Unavailable(ec.message());
    port_ = acceptor_->local_endpoint().port();
    return OkStatus();
  }

  int port() const override { return port_; }
  size_t open_connections() const override { return connections_.load(std::memory_order_relaxed); }

  void Run() override {
    std::optional<asio::signal_set> signals;
    if (options_.handle_signals) {
      signals.emplace(*iocs_[0], SIGINT, SIGTERM);
      signals->async_wait([this](const error_code& ec, int) {
        if (!ec) Stop();
      });
    }
    asio::post(*iocs_[0], [this] { Accept(); });
    int io_threads = std::max(1, options_.io_threads);
    // Outlives the threads. A fiber is a request waiting for a store write (Placement::kFiber).
    IoThreads registered(static_cast<size_t>(io_threads), &fibers_);
    std::vector<std::thread> threads;
    for (int i = 0; i < io_threads; ++i) {
      asio::io_context* ioc = iocs_[static_cast<size_t>(i) % iocs_.size()].get();
      threads.emplace_back([ioc, slice = options_.io_busy_slice, &registered, i] {
        RunIoContext(*ioc, slice, registered, static_cast<size_t>(i));
      });
    }

    MutexLock lock(mu_);
    while (!stop_requested_) lock.Wait(cv_);
    // Stop() has closed the acceptor and asked every session to finish; wait for them, bounded.
    auto drain_until = Clock::now() + options_.drain_timeout;
    while (!sessions_.empty()) {
      if (!lock.WaitUntil(cv_, drain_until)) break;
    }
    size_t left = sessions_.size();
    if (fibers_.load(std::memory_order_acquire) > 0) {
      // A fiber's handler waits for a store write, which the store always answers; its stack
      // holds frames that must run to the end before the io threads may stop.
      log::Warn("http: waiting for " + std::to_string(fibers_.load()) +
                " request(s) on fibers to finish");
      while (fibers_.load(std::memory_order_acquire) > 0) {
        lock.WaitUntil(cv_, Clock::now() + std::chrono::seconds(1));
      }
    }
    lock.Unlock();
    if (left > 0) {
      log::Warn("http: " + std::to_string(left) +
                " connection(s) still open after the drain timeout");
    }
    if (signals) {
      asio::post(*iocs_[0], [&signals] {
        error_code ignored;
        signals->cancel(ignored);
      });
    }
    for (auto& guard : guards_) guard.reset();
    for (auto& ioc : iocs_) ioc->stop();
    for (auto& t : threads) t.join();
    pool_->Join();
  }

  void Stop() override {
    bool expected = false;
    if (!stopping_.compare_exchange_strong(expected, true)) return;
    asio::post(*iocs_[0], [this] {
      error_code ignored;
      acceptor_->close(ignored);
      accept_retry_->cancel();
    });
    std::vector<std::shared_ptr<Session>> live;
    {
      MutexLock lock(mu_);
      stop_requested_ = true;
      for (auto& [id, weak] : sessions_) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) {
      asio::post(s->executor(), [s] { s->OnServerStopping(); });
    }
    cv_.notify_all();
  }

  // For sessions.
  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  const Handler& handler() const { return handler_; }
  const ErrorResponder& on_error() const { return on_error_; }
  WorkerPool& pool() { return *pool_; }
  void FiberStarted() { fibers_.fetch_add(1, std::memory_order_relaxed); }
  void FiberFinished() EXCLUDES(mu_) {
    if (fibers_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    MutexLock lock(mu_);
    if (stop_requested_) cv_.notify_all();
  }

  void Register(const std::shared_ptr<Session>& s) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    sessions_.emplace(s->id(), s);
  }
  void Unregister(uint64_t id) EXCLUDES(mu_) {
    connections_.fetch_sub(1, std::memory_order_relaxed);
    bool notify;
    {
      MutexLock lock(mu_);
      sessions_.erase(id);
      notify = stop_requested_ && sessions_.empty();
    }
    if (notify) cv_.notify_all();
  }

 private:
  void Accept() {
    asio::io_context& ioc = *iocs_[next_ioc_++ % iocs_.size()];
    auto on_accept = [this](const error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
      if (ec) {
        // EMFILE and friends: do not spin; try again shortly.
        log::Warn("http: accept failed: " + ec.message());
        accept_retry_->expires_after(std::chrono::milliseconds(50));
        accept_retry_->async_wait([this](const error_code& wec) {
          if (!wec) Accept();
        });
        return;
      }
      if (stopping() || connections_.load(std::memory_order_relaxed) >= options_.max_connections) {
        error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
      } else {
        connections_.fetch_add(1, std::memory_order_relaxed);
        auto session = std::make_shared<Session>(this, std::move(socket), next_session_id_++);
        Register(session);
        asio::post(session->executor(), [session] { session->Start(); });
      }
      Accept();
    };
    if (options_.shared_io_context) {
      acceptor_->async_accept(asio::make_strand(ioc), std::move(on_accept));
    } else {
      acceptor_->async_accept(ioc, std::move(on_accept));
    }
  }

  ServerOptions options_;
  Handler handler_;
  ErrorResponder on_error_;
  std::optional<WorkerPool> pool_;
  std::vector<std::unique_ptr<asio::io_context>> iocs_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<asio::steady_timer> accept_retry_;
  int port_ = 0;
  size_t next_ioc_ = 0;           // acceptor thread only
  uint64_t next_session_id_ = 1;  // acceptor thread only
  std::atomic<size_t> connections_{0};
  std::atomic<bool> stopping_{false};
  // Handlers running on fibers (Placement::kFiber): the io threads run until every one has
  // finished, since each is resumed by an io thread.
  std::atomic<size_t> fibers_{0};

  Mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ GUARDED_BY(mu_) = false;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_ GUARDED_BY(mu_);
};

// ---------------------------------------------------------------- Session

Session::Session(ServerImpl* server, tcp::socket socket, uint64_t id)
    : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()), id_(id) {}

Session::~Session() {
  parser_.reset();  // closes a body file still being written
  RemoveBodyFile();
  server_->Unregister(id_);
}

void Session::RemoveBodyFile() {
  if (request_.body_file.empty()) return;
  std::remove(request_.body_file.c_str());
  request_.body_file.clear();
}

void Session::Start() {
  error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  auto endpoint = socket_.remote_endpoint(ec);
  if (ec || server_->stopping()) {
    Close();
    return;
  }
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  request_.remote_address = address.to_string();
  timer_.expires_at(Clock::time_point::max());
  StartRequest();
  ArmTimer();
}

void Session::StartRequest() {
  state_ = State::kReading;
  request_.method.clear();
  request_.target.clear();
  // Keep the buffers' capacity between requests, but not a huge one-off body's.
  if (request_.body.capacity() > kKeepBodyCapacity) {
    std::string().swap(request_.body);
  } else {
    request_.body.clear();
  }
  RemoveBodyFile();
  parser_.emplace(&request_, server_->options().max_body_bytes,
                  server_->options().upload_path_prefix, server_->options().upload_max_body_bytes,
                  server_->options().upload_spool_dir);
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(server_->options().max_header_bytes, UINT32_MAX)));
  header_seen_ = false;
  // One deadline for the idle wait and the whole request: a request that trickles in is cut.
  SetDeadline(Clock::now() + server_->options().idle_timeout);
  if (buffer_.size() > 0) {
    Parse();  // a pipelined request is already here
  } else {
    Read();
  }
}

void Session::Read() {
  socket_.async_read_some(
      buffer_.prepare(kReadChunk),
      [self = shared_from_this()](const error_code& ec, size_t n) { self->OnRead(ec, n); });
}

void Session::OnRead(const error_code& ec, size_t n) {
  if (state_ == State::kClosed) return;
  if (ec) {
    if (ec == asio::error::eof && parser_->got_some()) {
      // The client half-closed mid-request; nothing sensible can be answered.
      log::Debug("http: connection closed mid-request");
    }
    Close();
    return;
  }
  buffer_.commit(n);
  Parse();
}

void Session::Parse() {
  for (;;) {
    error_code ec;
    size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) break;
    if (ec == bhttp::error::body_limit) {
      RespondError(Error(ErrorCode::kPayloadTooLarge,
                         "Request body of " + std::to_string(parser_->too_large_bytes()) +
                             " bytes exceeds the limit of " + std::to_string(parser_->max_body()) +
                             " bytes"));
      return;
    }
    if (ec == bhttp::error::header_limit) {
      RespondError(Error(ErrorCode::kHeadersTooLarge,
                         "Request header exceeds the limit of " +
                             std::to_string(server_->options().max_header_bytes) + " bytes"));
      return;
    }
    if (ec && parser_->spool_error() != 0) {
      // Retryable once the disk has room again: 503, as S3 answers a PUT it cannot store.
      RespondError(Error::Unavailable("The request body could not be stored on the server: " +
                                      std::string(std::strerror(parser_->spool_error()))));
      return;
    }
    if (ec) {
      RespondError(Error::BadRequest("Malformed HTTP request: " + ec.message()));
      return;
    }
    if (parser_->is_done()) {
      Dispatch();
      return;
    }
    if (!header_seen_ && parser_->is_header_done()) {
      header_seen_ = true;
      // Clients that sent Expect: 100-continue wait for this before sending the body (the AWS CLI
      // does so for large bodies). If the body has started arriving anyway, it is not needed.
      if (parser_->expect_continue() && buffer_.size() == 0 && parser_->http_version() >= 11) {
        state_ = State::kContinue;
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                          [self = shared_from_this()](const error_code& wec, size_t) {
                            if (self->state_ == State::kClosed) return;
                            if (wec) return self->Close();
                            self->state_ = State::kReading;
                            self->Read();
                          });
        return;
      }
    }
    if (used == 0 || buffer_.size() == 0) break;
  }
  Read();
}

void Session::Dispatch() {
  state_ = State::kHandling;
  deadline_ = Clock::time_point::max();  // the handler's own time is not the client's fault
  keep_alive_ = parser_->keep_alive();
  http10_ = parser_->http_version() < 11;
  head_ = request_.method == "HEAD";
  started_ = Clock::now();
  const auto& placement = server_->options().placement;
  switch (placement ? placement(request_) : Placement::kWorker) {
    case Placement::kIoThread:
      CallHandler();
      LogAccess();
      WriteResponse();
      return;
    case Placement::kFiber:
      if (server_->options().shared_io_context) break;
      StartFiber();
      return;
    case Placement::kWorker:
      break;
  }
  server_->pool().Post(shared_from_this());
}

void Session::RunHandler() {
  // The session does not touch request_ or response_ while the handler runs; the pool's mutex
  // and the post back order the accesses between threads.
  CallHandler();
  // Logged here rather than on the io thread: the write(2) to stderr stays off the io threads.
  LogAccess();
  asio::post(executor(), [self = shared_from_this()] {
    if (self->state_ == State::kClosed) return;
    self->WriteResponse();
  });
}

void Session::StartFiber() {
  auto self = shared_from_this();
  try {
    // The resumption is posted to this session's io_context, which one thread runs: it cannot
    // run before the fiber has switched out, and it runs on the thread the fiber's stack was made
    // for.
    fiber_ = std::make_unique<Fiber>(
        [this] { CallHandler(); },
        [self] { asio::post(self->executor(), [self] { self->StepFiber(); }); });
  } catch (const std::bad_alloc&) {
    // No memory for a stack: a worker runs it instead.
    server_->pool().Post(std::move(self));
    return;
  }
  server_->FiberStarted();
  StepFiber();
}

void Session::StepFiber() {
  fiber_->Resume();
  if (!fiber_->done()) return;  // waiting; its completion posts StepFiber again
  fiber_.reset();               // the caller of this function holds the session
  server_->FiberFinished();
  LogAccess();
  if (state_ == State::kClosed) return;
  WriteResponse();
}

void Session::CallHandler() {
  try {
    const auto& front = server_->options().front;
    response_ = front ? front(request_, server_->handler()) : server_->handler()(request_);
  } catch (const std::exception& e) {
    log::Error(std::string("http: handler threw: ") + e.what());
    response_ = server_->on_error()(Error::Internal("An internal error occurred"));
  } catch (...) {
    log::Error("http: handler threw a non-exception");
    response_ = server_->on_error()(Error::Internal("An internal error occurred"));
  }
}

void Session::RespondError(Error error) {
  keep_alive_ = false;
  lingering_close_ = true;
  http10_ = false;
  head_ = false;
  started_ = Clock::now();
  response_ = server_->on_error()(error);
  response_.operation = "-";
  WriteResponse();
}

void Session::WriteResponse() {
  state_ = State::kWriting;
  if (server_->stopping()) keep_alive_ = false;
  SetDeadline(Clock::now() + server_->options().idle_timeout);

  int status = response_.status;
  if (status < 100 || status > 999) status = 500;
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  std::string& h = head_buffer_;
  h.clear();
  h.append("HTTP/1.1 ");
  AppendUint(h, static_cast<uint64_t>(status));
  h.push_back(' ');
  h.append(reason.data(), reason.size());
  h.append("\r\n");
  for (const auto& [name, value] : response_.headers) {
    // Framing is ours to decide.
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
        EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    h.append(name).append(": ").append(value).append("\r\n");
  }
  bool no_body = status == 204 || status == 304 || status < 200;
  if (!no_body) {
    h.append("Content-Length: ");
    AppendUint(h, response_.body.size());
    h.append("\r\n");
  }
  if (!keep_alive_) {
    h.append("Connection: close\r\n");
  } else if (http10_) {
    h.append("Connection: keep-alive\r\n");
  }
  h.append("\r\n");

  std::array<asio::const_buffer, 2> buffers{asio::buffer(h), asio::const_buffer()};
  if (!head_ && !no_body) buffers[1] = asio::buffer(response_.body);
  asio::async_write(socket_, buffers, [self = shared_from_this()](const error_code& ec, size_t) {
    self->OnWritten(ec);
  });
}

void Session::OnWritten(const error_code& ec) {
  if (state_ == State::kClosed) return;
  if (lingering_close_) LogAccess();  // error answers of our own; handled requests logged earlier
  if (ec) {
    Close();
    return;
  }
  if (!keep_alive_ || server_->stopping()) {
    // After an error response the client may still be sending; otherwise the request was read
    // whole and, unless more was pipelined behind it, closing now cannot reset the response.
    if (lingering_close_ || buffer_.size() > 0) {
      Linger();
    } else {
      Close();
    }
    return;
  }
  StartRequest();
}

void Session::LogAccess() {
  if (log::GetLevel() > log::Level::kInfo) return;
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  std::string& line = log_line_;
  line.clear();
  line.append("access ");
  line.append(request_.method.empty() ? "-" : request_.method);
  line.push_back(' ');
  std::string_view target = request_.target;
  target = target.substr(0, target.find('?'));  // query strings may carry anything; not logged
  if (target.empty()) target = "-";
  line.append(target);
  line.append(" op=").append(response_.operation.empty() ? "-" : response_.operation);
  line.append(" status=");
  AppendUint(line, static_cast<uint64_t>(response_.status));
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, " ms=%.2f", ms);
  line.append(buf, static_cast<size_t>(n > 0 ? n : 0));
  if (log::GetFormat() == log::Format::kJson) {
    std::string status = std::to_string(response_.status);
    std::string_view millis(buf + 4, static_cast<size_t>(n > 4 ? n - 4 : 0));  // past " ms="
    log::WriteFields(log::Level::kInfo, "access",
                     {{"method", request_.method},
                      {"path", target},
                      {"op", response_.operation.empty() ? "-" : response_.operation},
                      {"status", status},
                      {"ms", millis}});
    return;
  }
  log::Info(line);
}

// Closes after the response without resetting it: the client may still be sending (a body we
// refused, pipelined requests), and closing with unread data makes the kernel send RST, which can
// destroy the response before the client reads it. So: half-close, discard input until EOF or a
// short deadline, then close.
void Session::Linger() {
  if (state_ != State::kLingering) {
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      Close();
      return;
    }
    state_ = State::kLingering;
    auto limit = server_->stopping() ? kLingerLimitStopping : kLingerLimit;
    SetDeadline(Clock::now() + std::min<Clock::duration>(server_->options().idle_timeout, limit));
  }
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](const error_code& rec, size_t) {
                            if (self->state_ == State::kClosed) return;
                            if (rec) return self->Close();
                            self->Linger();
                          });
}

void Session::OnServerStopping() {
  // An idle keep-alive connection is closed now; a request being read, handled or written is let
  // finish (its response then says Connection: close).
  if (state_ == State::kReading && !parser_->got_some() && buffer_.size() == 0) {
    Close();
  } else if (state_ == State::kLingering) {
    SetDeadline(std::min(deadline_, Clock::now() + kLingerLimitStopping));
  }
}

void Session::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timer_.cancel();
}

void Session::SetDeadline(Clock::time_point deadline) {
  deadline_ = deadline;
  // The timer is re-armed lazily when it fires; only an earlier deadline needs it moved now.
  if (deadline < timer_.expiry()) {
    timer_.expires_at(deadline);
    ArmTimer();
  }
}

void Session::ArmTimer() {
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    self->OnTimer();
  });
}

void Session::OnTimer() {
  if (state_ == State::kClosed) return;
  auto now = Clock::now();
  if (deadline_ != Clock::time_point::max() && now >= deadline_) {
    if (state_ == State::kReading && parser_->got_some()) {
      log::Debug("http: request not received within the idle timeout; closing");
    }
    Close();
    return;
  }
  timer_.expires_at(deadline_ == Clock::time_point::max() ? now + server_->options().idle_timeout
                                                          : deadline_);
  ArmTimer();
}

// ---------------------------------------------------------------- WorkerPool

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>());
  for (auto& w : workers_) threads_.emplace_back([this, w = w.get()] { Loop(w); });
}

WorkerPool::~WorkerPool() {
  std::deque<std::shared_ptr<Session>> dropped;
  {
    MutexLock lock(mu_);
    stop_ = true;
    dropped.swap(queue_);
  }
  Join();
}

void WorkerPool::Post(std::shared_ptr<Session> task) {
  MutexLock lock(mu_);
  if (!idle_.empty()) {
    Worker* w = idle_.back();
    idle_.pop_back();
    w->task = std::move(task);
    lock.Unlock();
    w->cv.notify_one();
    return;
  }
  queue_.push_back(std::move(task));
}

void WorkerPool::Join() {
  {
    MutexLock lock(mu_);
    stop_ = true;
    for (Worker* w : idle_) w->cv.notify_one();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void WorkerPool::Loop(Worker* self) {
  MutexLock lock(mu_);
  for (;;) {
    std::shared_ptr<Session> task;
    if (!queue_.empty()) {
      task = std::move(queue_.front());
      queue_.pop_front();
    } else if (stop_) {
      return;
    } else {
      idle_.push_back(self);
      while (self->task == nullptr && !stop_) lock.Wait(self->cv);
      if (!self->task) {
        // Stopping; leave the idle stack so no task is handed to a worker that is gone.
        idle_.erase(std::find(idle_.begin(), idle_.end(), self));
        continue;
      }
      task = std::move(self->task);
    }
    lock.Unlock();
    task->RunHandler();
    task.reset();  // may destroy the session; not under mu_
    lock.Lock();
  }
}

}  // namespace

Result<std::unique_ptr<Server>> CreateServer(ServerOptions options, Handler handler,
                                             ErrorResponder on_error) {
  if (!handler) return Error::BadRequest("http: a handler is required");
  if (!on_error) return Error::BadRequest("http: an error responder is required");
  auto server =
      std::make_unique<ServerImpl>(std::move(options), std::move(handler), std::move(on_error));
  RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace profiled::http
