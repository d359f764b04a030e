// ServerOptions::placement: requests placed on the io thread are answered there, so they do not
// wait for a worker; the others still do. Requests placed on a fiber run on the io thread too,
// which serves other connections while they wait.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "common/completion.h"
#include "http/server.h"

namespace profiled::http {
namespace {

// Sends one GET and returns the status line, or "" when nothing arrived within `timeout_ms`.
class Connection {
 public:
  Connection(int port, int timeout_ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    SetTimeout(timeout_ms);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Connection() { ::close(fd_); }
  void SetTimeout(int timeout_ms) {
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  bool Send(const std::string& target) {
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    return connected_ && ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
                             static_cast<ssize_t>(request.size());
  }
  std::string StatusLine() {
    std::string got;
    char buf[1024];
    while (got.find("\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "";
      got.append(buf, static_cast<size_t>(n));
    }
    return got.substr(0, got.find("\r\n"));
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// CreateServer with whichever error callback this version of http/ takes (none, or a required
// ErrorResponder): the test is about dispatch, not about error rendering.
template <class Options>
Result<std::unique_ptr<Server>> Create(Options options, Handler handler) {
  auto on_error = [](const auto&) {
    HttpResponse response;
    response.status = 500;
    return response;
  };
  if constexpr (requires { CreateServer(options, handler, on_error); }) {
    return CreateServer(std::move(options), std::move(handler), on_error);
  } else {
    return CreateServer(std::move(options), std::move(handler));
  }
}

// A server on a free loopback port, running on its own thread until the test stops it.
class Running {
 public:
  Running(ServerOptions options, Handler handler) {
    options.listen = "127.0.0.1:0";
    options.handle_signals = false;
    auto created = Create(std::move(options), std::move(handler));
    if (!created.ok()) {
      ADD_FAILURE() << created.error().message();
      return;
    }
    server_ = std::move(created).value();
    runner_ = std::thread([this] { server_->Run(); });
  }
  ~Running() { Stop(); }
  int port() const { return server_ ? server_->port() : 0; }
  void Stop() {
    if (server_) server_->Stop();
    if (runner_.joinable()) runner_.join();
  }

 private:
  std::unique_ptr<Server> server_;
  std::thread runner_;
};

// Answers with the target; "/slow" first waits for `released`.
Handler EchoAfter(std::shared_future<void> released) {
  return [released](const HttpRequest& r) {
    if (r.target == "/slow") released.wait();
    HttpResponse response;
    response.body = r.target;
    return response;
  };
}

class BlockedWorker : public ::testing::TestWithParam<bool> {};

// One worker, held by a slow request: a request placed on the io thread is answered anyway;
// without the option the same request waits for the worker.
TEST_P(BlockedWorker, QuickReadsDoNotWaitForIt) {
  const bool on_io_thread = GetParam();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ServerOptions options;
  options.worker_threads = 1;
  if (on_io_thread) {
    options.placement = [](const HttpRequest& r) {
      return r.target == "/quick" ? Placement::kIoThread : Placement::kWorker;
    };
  }
  Running server(options, EchoAfter(released));

  Connection slow(server.port(), 5000);
  ASSERT_TRUE(slow.Send("/slow"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the worker takes it
  Connection quick(server.port(), 500);
  ASSERT_TRUE(quick.Send("/quick"));
  std::string quick_status = quick.StatusLine();
  release.set_value();
  EXPECT_EQ(slow.StatusLine(), "HTTP/1.1 200 OK");
  if (on_io_thread) {
    EXPECT_EQ(quick_status, "HTTP/1.1 200 OK");
  } else {
    EXPECT_EQ(quick_status, "") << "answered although the only worker was busy";
  }
}

INSTANTIATE_TEST_SUITE_P(RunOnIoThread, BlockedWorker, ::testing::Bool());

// One io thread, one worker held by a slow request: a request on a fiber that waits for a
// completion (as a write waits for its commit) holds neither; another fiber's request is answered
// meanwhile, and the waiting one is answered once its completion is signalled from another thread.
TEST(RunInFiber, AWaitingRequestHoldsNeitherAWorkerNorItsIoThread) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Completion commit;
  ServerOptions options;
  options.io_threads = 1;
  options.worker_threads = 1;
  options.placement = [](const HttpRequest& r) {
    return r.target.starts_with("/write") ? Placement::kFiber : Placement::kWorker;
  };
  Handler echo = EchoAfter(released);
  Running server(options, [echo, &commit](const HttpRequest& r) {
    if (r.target == "/write-waits") commit.Wait();
    return echo(r);
  });

  Connection slow(server.port(), 5000);
  ASSERT_TRUE(slow.Send("/slow"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the worker takes it
  Connection waiting(server.port(), 300);
  ASSERT_TRUE(waiting.Send("/write-waits"));
  EXPECT_EQ(waiting.StatusLine(), "") << "answered before its completion was signalled";
  Connection other(server.port(), 2000);
  ASSERT_TRUE(other.Send("/write-now"));
  EXPECT_EQ(other.StatusLine(), "HTTP/1.1 200 OK");
  std::thread signaller([&] { commit.Signal(); });
  waiting.SetTimeout(5000);
  EXPECT_EQ(waiting.StatusLine(), "HTTP/1.1 200 OK");
  signaller.join();
  release.set_value();
  EXPECT_EQ(slow.StatusLine(), "HTTP/1.1 200 OK");
}

// Stop() lets a request waiting on a fiber finish before the io threads stop: it is answered.
TEST(RunInFiber, StopWaitsForAFiberThatIsWaiting) {
  Completion commit;
  ServerOptions options;
  options.io_threads = 1;
  options.drain_timeout = std::chrono::seconds(0);
  options.placement = [](const HttpRequest&) { return Placement::kFiber; };
  Handler echo = EchoAfter({});
  Running server(options, [echo, &commit](const HttpRequest& r) {
    commit.Wait();
    return echo(r);
  });
  Connection waiting(server.port(), 5000);
  ASSERT_TRUE(waiting.Send("/w"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the fiber waits
  std::thread stopper([&] { server.Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // past the drain timeout
  commit.Signal();
  EXPECT_EQ(waiting.StatusLine(), "HTTP/1.1 200 OK");
  stopper.join();
}

}  // namespace
}  // namespace profiled::http
