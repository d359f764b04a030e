// ServerOptions::run_on_io_thread: the requests it picks are answered on the io thread, so they
// do not wait for a worker; the others still do.
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

#include "http/server.h"

namespace profiled::http {
namespace {

// Sends one GET and returns the status line, or "" when nothing arrived within `timeout_ms`.
class Connection {
 public:
  Connection(int port, int timeout_ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Connection() { ::close(fd_); }
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

class BlockedWorker : public ::testing::TestWithParam<bool> {};

// One worker, held by a slow request: a request picked by run_on_io_thread is answered anyway;
// without the option the same request waits for the worker.
TEST_P(BlockedWorker, QuickReadsDoNotWaitForIt) {
  const bool on_io_thread = GetParam();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.handle_signals = false;
  options.worker_threads = 1;
  if (on_io_thread) {
    options.run_on_io_thread = [](const HttpRequest& r) { return r.target == "/quick"; };
  }
  auto created = Create(options, [released](const HttpRequest& r) {
    if (r.target == "/slow") released.wait();
    HttpResponse response;
    response.body = r.target;
    return response;
  });
  ASSERT_TRUE(created.ok()) << created.error().message();
  std::unique_ptr<Server> server = std::move(created).value();
  std::thread runner([&] { server->Run(); });

  Connection slow(server->port(), 5000);
  ASSERT_TRUE(slow.Send("/slow"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the worker takes it
  Connection quick(server->port(), 500);
  ASSERT_TRUE(quick.Send("/quick"));
  std::string quick_status = quick.StatusLine();
  release.set_value();
  EXPECT_EQ(slow.StatusLine(), "HTTP/1.1 200 OK");
  if (on_io_thread) {
    EXPECT_EQ(quick_status, "HTTP/1.1 200 OK");
  } else {
    EXPECT_EQ(quick_status, "") << "answered although the only worker was busy";
  }
  server->Stop();
  runner.join();
}

INSTANTIATE_TEST_SUITE_P(RunOnIoThread, BlockedWorker, ::testing::Bool());

}  // namespace
}  // namespace profiled::http
