// Tests of http::Server over real sockets on 127.0.0.1, port 0, with a small blocking client.
#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace profiled::http {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------- a tiny blocking client

class Client {
 public:
  explicit Client(int port, const char* host = "127.0.0.1", int family = AF_INET) {
    fd_ = ::socket(family, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (family == AF_INET) {
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      ::inet_pton(AF_INET, host, &addr.sin_addr);
      connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    } else {
      sockaddr_in6 addr{};
      addr.sin6_family = AF_INET6;
      addr.sin6_port = htons(static_cast<uint16_t>(port));
      ::inet_pton(AF_INET6, host, &addr.sin6_addr);
      connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string Header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? "" : it->second;
    }
  };

  // Reads one response (Content-Length framed, or to EOF without one).
  std::optional<Response> Read() {
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    Response r;
    std::string head = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[name] = value;
      pos = e + 2;
    }
    if (r.status / 100 == 1) return r;
    auto cl = r.headers.find("content-length");
    if (cl != r.headers.end()) {
      size_t len = std::stoul(cl->second);
      while (pending_.size() < len) {
        if (!Fill()) return std::nullopt;
      }
      r.body = pending_.substr(0, len);
      pending_.erase(0, len);
    } else {
      while (Fill()) {
      }
      r.body = std::move(pending_);
      pending_.clear();
    }
    return r;
  }

  std::optional<Response> RoundTrip(std::string_view request) {
    if (!Send(request)) return std::nullopt;
    return Read();
  }

  // True when the server closed the connection (EOF or reset) within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout = 3000ms) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      until - std::chrono::steady_clock::now())
                                      .count());
      if (::poll(&p, 1, std::max(left, 0)) <= 0) return false;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      pending_.append(buf, static_cast<size_t>(n));
    }
    return false;
  }

  int fd() const { return fd_; }

 private:
  bool Fill() {
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

std::string Post(std::string_view target, std::string_view body, std::string_view extra = "") {
  std::string r = "POST ";
  r.append(target).append(" HTTP/1.1\r\nHost: x\r\nContent-Length: ");
  r.append(std::to_string(body.size())).append("\r\n").append(extra).append("\r\n").append(body);
  return r;
}

// ---------------------------------------------------------------- a server run in the background

// Echoes the request: method, target, body and the X-Test header, so tests can check parsing.
HttpResponse Echo(const HttpRequest& req) {
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("X-Method", req.method);
  r.headers.emplace_back("X-Target", req.target);
  r.headers.emplace_back("X-Remote", req.remote_address);
  const std::string* t = FindHeader(req.headers, "x-test");
  if (t) r.headers.emplace_back("X-Test-Echo", *t);
  r.body = req.body;
  r.operation = "Echo";
  return r;
}

// Stands in for api::ErrorResponse (http_test does not link api/): the status a code gets on the
// wire, and the code and message as they reached the responder, so tests see what the server
// decided and api's tests see how it is rendered.
HttpResponse TestErrors(const Error& error) {
  HttpResponse r;
  switch (error.code()) {
    case ErrorCode::kBadRequest:
      r.status = 400;
      break;
    case ErrorCode::kPayloadTooLarge:
      r.status = 413;
      break;
    case ErrorCode::kHeadersTooLarge:
      r.status = 431;
      break;
    case ErrorCode::kInternal:
      r.status = 500;
      break;
    default:
      r.status = 599;
      break;
  }
  r.headers.emplace_back("Content-Type", "text/plain");
  r.headers.emplace_back("X-Error-Code", std::to_string(static_cast<int>(error.code())));
  r.body = error.message();
  return r;
}

std::string CodeText(ErrorCode code) { return std::to_string(static_cast<int>(code)); }

class TestServer {
 public:
  explicit TestServer(ServerOptions options = {}, Handler handler = Echo) {
    options.listen = options.listen == "127.0.0.1:8080" ? "127.0.0.1:0" : options.listen;
    options.handle_signals = false;
    auto s = CreateServer(options, std::move(handler), TestErrors);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
    if (!s.ok()) return;
    server_ = std::move(*s);
    thread_ = std::thread([this] {
      server_->Run();
      returned_ = true;
    });
  }
  ~TestServer() { StopAndJoin(); }
  void StopAndJoin() {
    if (!server_) return;
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  Server& server() { return *server_; }
  int port() const { return server_->port(); }
  bool returned() const { return returned_; }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::atomic<bool> returned_{false};
};

// ---------------------------------------------------------------- tests

TEST(HttpServer, PortZeroPicksAFreePort) {
  TestServer s;
  EXPECT_GT(s.port(), 0);
}

TEST(HttpServer, BadListenAddressFails) {
  ServerOptions o;
  o.listen = "127.0.0.1";
  EXPECT_FALSE(CreateServer(o, Echo, TestErrors).ok());
  o.listen = "127.0.0.1:99999";
  EXPECT_FALSE(CreateServer(o, Echo, TestErrors).ok());
}

TEST(HttpServer, BothCallbacksAreRequired) {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  EXPECT_FALSE(CreateServer(o, Echo, nullptr).ok());
  EXPECT_FALSE(CreateServer(o, nullptr, TestErrors).ok());
  EXPECT_TRUE(CreateServer(o, Echo, TestErrors).ok());
}

TEST(HttpServer, PortInUseFails) {
  TestServer s;
  ServerOptions o;
  o.listen = "127.0.0.1:" + std::to_string(s.port());
  EXPECT_FALSE(CreateServer(o, Echo, TestErrors).ok());
}

TEST(HttpServer, BasicRequestResponse) {
  TestServer s;
  Client c(s.port());
  ASSERT_TRUE(c.connected());
  auto r = c.RoundTrip(Post("/domains/d1/profiles?x=1", R"({"a":1})", "X-Test: hello\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"a":1})");
  EXPECT_EQ(r->Header("x-method"), "POST");
  EXPECT_EQ(r->Header("x-target"), "/domains/d1/profiles?x=1");
  EXPECT_EQ(r->Header("x-test-echo"), "hello");
  EXPECT_EQ(r->Header("x-remote"), "127.0.0.1");
  EXPECT_EQ(r->Header("content-length"), "7");
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->Header("connection"), "");
}

TEST(HttpServer, HandlerStatusAndHeadersPassThrough) {
  TestServer s({}, [](const HttpRequest&) {
    HttpResponse r;
    r.status = 404;
    r.headers.emplace_back("x-amzn-ErrorType", "ResourceNotFoundException");
    r.headers.emplace_back("Content-Length", "999");  // framing is the server's
    r.body = R"({"Message":"no"})";
    return r;
  });
  Client c(s.port());
  auto r = c.RoundTrip("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->Header("x-amzn-errortype"), "ResourceNotFoundException");
  EXPECT_EQ(r->Header("content-length"), "16");
  EXPECT_EQ(r->body, R"({"Message":"no"})");
}

TEST(HttpServer, HandlerExceptionIs500) {
  TestServer s({}, [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  Client c(s.port());
  auto r = c.RoundTrip("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->Header("x-error-code"), CodeText(ErrorCode::kInternal));
  EXPECT_EQ(r->body.find("boom"), std::string::npos);  // details stay in the log
  // The connection survives.
  r = c.RoundTrip("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
}

TEST(HttpServer, KeepAliveReusesOneConnection) {
  std::mutex mu;
  std::vector<std::string> remotes;
  TestServer s({}, [&](const HttpRequest& req) {
    std::lock_guard lock(mu);
    remotes.push_back(req.remote_address);
    return Echo(req);
  });
  Client c(s.port());
  for (int i = 0; i < 10; ++i) {
    std::string body = "body-" + std::to_string(i);
    auto r = c.RoundTrip(Post("/p/" + std::to_string(i), body));
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, body);
    EXPECT_EQ(r->Header("x-target"), "/p/" + std::to_string(i));
  }
  // Headers of a smaller request do not leak from a larger previous one.
  auto r = c.RoundTrip("GET /small HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(r->Header("x-test-echo"), "");
  EXPECT_EQ(remotes.size(), 11u);
}

TEST(HttpServer, PipelinedRequestsAnsweredInOrder) {
  TestServer s;
  Client c(s.port());
  ASSERT_TRUE(c.Send(Post("/a", "one") + Post("/b", "two") + Post("/c", "three")));
  for (std::string want : {"one", "two", "three"}) {
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, want);
  }
}

TEST(HttpServer, ChunkedRequestBody) {
  TestServer s;
  Client c(s.port());
  auto r = c.RoundTrip(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  TestServer s;
  Client c(s.port());
  auto r = c.RoundTrip("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST(HttpServer, Http10KeepAlive) {
  TestServer s;
  Client c(s.port());
  auto r = c.RoundTrip("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("connection"), "keep-alive");
  r = c.RoundTrip("GET /y HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST(HttpServer, HeadSendsNoBody) {
  TestServer s({}, [](const HttpRequest&) {
    HttpResponse r;
    r.body = "abc";
    return r;
  });
  Client c(s.port());
  ASSERT_TRUE(c.Send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The HEAD answer announces 3 bytes but carries none; the next response follows directly.
  char buf[4096];
  std::string all;
  auto until = std::chrono::steady_clock::now() + 2s;
  while (all.find("abc") == std::string::npos && std::chrono::steady_clock::now() < until) {
    ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  size_t second = all.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << all;
  std::string first = all.substr(0, second);
  EXPECT_NE(first.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(first.substr(first.size() - 4), "\r\n\r\n");
}

TEST(HttpServer, BodyOverLimitIs413ThenServerStillServes) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  TestServer s(o);
  {
    Client c(s.port());
    auto r = c.RoundTrip(Post("/big", std::string(5000, 'x')));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->Header("x-error-code"), CodeText(ErrorCode::kPayloadTooLarge));
    EXPECT_EQ(r->Header("content-type"), "text/plain");
    EXPECT_EQ(r->Header("connection"), "close");
    EXPECT_EQ(r->body, "Request body of 5000 bytes exceeds the limit of 1024 bytes");
    EXPECT_TRUE(c.WaitClosed());
  }
  {
    // Exactly the limit is fine.
    Client c(s.port());
    auto r = c.RoundTrip(Post("/ok", std::string(1024, 'y')));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body.size(), 1024u);
  }
}

TEST(HttpServer, LargeBodyOverLimitStillGetsTheResponse) {
  // The client sends its whole (large) body before reading; the server must not reset the
  // connection under it.
  ServerOptions o;
  o.max_body_bytes = 1024;
  TestServer s(o);
  Client c(s.port());
  auto r = c.RoundTrip(Post("/big", std::string(4 * 1024 * 1024, 'x')));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST(HttpServer, ChunkedBodyOverLimitIs413) {
  ServerOptions o;
  o.max_body_bytes = 10;
  TestServer s(o);
  Client c(s.port());
  auto r = c.RoundTrip(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("x-error-code"), CodeText(ErrorCode::kPayloadTooLarge));
  EXPECT_EQ(r->body, "Request body of 16 bytes exceeds the limit of 10 bytes");
  EXPECT_TRUE(c.WaitClosed());
}

TEST(HttpServer, HeaderOverLimitIs431AndCloses) {
  ServerOptions o;
  o.max_header_bytes = 1024;
  TestServer s(o);
  Client c(s.port());
  auto r =
      c.RoundTrip("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("x-error-code"), CodeText(ErrorCode::kHeadersTooLarge));
  EXPECT_EQ(r->body, "Request header exceeds the limit of 1024 bytes");
  EXPECT_TRUE(c.WaitClosed());
  Client c2(s.port());
  r = c2.RoundTrip("GET /x HTTP/1.1\r\nHost: x\r\nX-Small: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, MalformedRequestIs400AndCloses) {
  TestServer s;
  for (std::string bad : {"GARBAGE\r\n\r\n", "GET /x HTTP/9.9\r\n\r\n",
                          "POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                          "POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
    Client c(s.port());
    auto r = c.RoundTrip(bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_EQ(r->Header("x-error-code"), CodeText(ErrorCode::kBadRequest)) << bad;
    EXPECT_EQ(r->body.rfind("Malformed HTTP request: ", 0), 0u) << r->body;
    EXPECT_EQ(r->Header("connection"), "close");
    EXPECT_TRUE(c.WaitClosed()) << bad;
  }
}

TEST(HttpServer, ExpectContinue) {
  TestServer s;
  Client c(s.port());
  ASSERT_TRUE(
      c.Send("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = c.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("hello"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  // And the connection goes on.
  r = c.RoundTrip(Post("/y", "again"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "again");
}

TEST(HttpServer, ExpectContinueOverLimitGets413WithoutContinue) {
  ServerOptions o;
  o.max_body_bytes = 100;
  TestServer s(o);
  Client c(s.port());
  ASSERT_TRUE(
      c.Send("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.WaitClosed());
}

TEST(HttpServer, ExpectContinueWithBodyAlreadySent) {
  TestServer s;
  Client c(s.port());
  auto r = c.RoundTrip(Post("/x", "body", "Expect: 100-continue\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);  // no interim 100 once the body is here
  EXPECT_EQ(r->body, "body");
}

TEST(HttpServer, MaxConnections) {
  ServerOptions o;
  o.max_connections = 2;
  TestServer s(o);
  Client a(s.port()), b(s.port());
  ASSERT_TRUE(a.RoundTrip("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b.RoundTrip("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  {
    Client c(s.port());
    EXPECT_TRUE(c.WaitClosed());
  }
  // The first two still work.
  auto r = a.RoundTrip("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Once one closes, a new connection is accepted.
  ::shutdown(b.fd(), SHUT_RDWR);
  EXPECT_TRUE(b.WaitClosed());
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    Client d(s.port());
    auto rd = d.RoundTrip("GET /d HTTP/1.1\r\nHost: x\r\n\r\n");
    served = rd && rd->status == 200;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served);
}

TEST(HttpServer, IdleTimeoutClosesKeepAliveConnection) {
  ServerOptions o;
  o.idle_timeout = 1s;
  TestServer s(o);
  Client c(s.port());
  ASSERT_TRUE(c.RoundTrip("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.WaitClosed(4000ms));
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 800ms);
  EXPECT_LE(waited, 2500ms);
}

TEST(HttpServer, IdleConnectionWithoutRequestIsClosed) {
  ServerOptions o;
  o.idle_timeout = 1s;
  TestServer s(o);
  Client c(s.port());
  EXPECT_TRUE(c.WaitClosed(4000ms));
}

TEST(HttpServer, SlowlorisRequestIsCutByDeadline) {
  ServerOptions o;
  o.idle_timeout = 1s;
  TestServer s(o);
  Client c(s.port());
  std::string request = "GET /slow HTTP/1.1\r\nHost: x\r\nX-A: " + std::string(200, 'a');
  auto t0 = std::chrono::steady_clock::now();
  bool cut = false;
  // One byte every 100 ms: each read is quick, but the request never completes.
  for (char ch : request) {
    if (!c.Send(std::string_view(&ch, 1))) {
      cut = true;
      break;
    }
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buf[256];
      ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
      if (n <= 0) {
        cut = true;
        break;
      }
    }
    if (std::chrono::steady_clock::now() - t0 > 5s) break;
  }
  EXPECT_TRUE(cut);
  EXPECT_LE(std::chrono::steady_clock::now() - t0, 3s);
}

TEST(HttpServer, StopDrainsInFlightRequest) {
  std::atomic<bool> entered{false};
  TestServer s({}, [&](const HttpRequest& req) {
    entered = true;
    std::this_thread::sleep_for(600ms);
    return Echo(req);
  });
  Client idle(s.port());
  ASSERT_TRUE(idle.connected());
  Client c(s.port());
  ASSERT_TRUE(c.Send(Post("/slow", "payload")));
  while (!entered) std::this_thread::sleep_for(5ms);
  auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&] { s.StopAndJoin(); });
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "payload");
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(idle.WaitClosed(2000ms));
  stopper.join();
  EXPECT_TRUE(s.returned());
  EXPECT_LE(std::chrono::steady_clock::now() - t0, 3s);
  // No longer accepting.
  Client late(s.port());
  EXPECT_FALSE(late.connected() && late.RoundTrip("GET / HTTP/1.1\r\n\r\n").has_value());
}

TEST(HttpServer, SigtermStopsRun) {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.handle_signals = true;
  auto s = CreateServer(o, Echo, TestErrors);
  ASSERT_TRUE(s.ok());
  std::atomic<bool> returned{false};
  std::thread runner([&] {
    (*s)->Run();
    returned = true;
  });
  {
    // A served request proves Run() has installed its signal handling.
    Client c((*s)->port());
    ASSERT_TRUE(c.RoundTrip("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    ::kill(::getpid(), SIGTERM);
    EXPECT_TRUE(c.WaitClosed());
  }
  runner.join();
  EXPECT_TRUE(returned);
}

TEST(HttpServer, StopBeforeRun) {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.handle_signals = false;
  auto s = CreateServer(o, Echo, TestErrors);
  ASSERT_TRUE(s.ok());
  (*s)->Stop();
  (*s)->Run();  // returns at once
}

TEST(HttpServer, DestroyWithoutRun) {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  auto s = CreateServer(o, Echo, TestErrors);
  ASSERT_TRUE(s.ok());
}

TEST(HttpServer, DrainIsBounded) {
  ServerOptions o;
  o.drain_timeout = 1s;
  TestServer s(o);
  // A request that never completes keeps its connection in the reading state.
  Client c(s.port());
  ASSERT_TRUE(c.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial"));
  std::this_thread::sleep_for(100ms);
  auto t0 = std::chrono::steady_clock::now();
  s.StopAndJoin();
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 900ms);
  EXPECT_LE(took, 3s);
}

TEST(HttpServer, ClientGoneWhileHandlerRuns) {
  std::atomic<int> calls{0};
  TestServer s({}, [&](const HttpRequest& req) {
    if (calls++ == 0) std::this_thread::sleep_for(300ms);
    return Echo(req);
  });
  {
    Client c(s.port());
    ASSERT_TRUE(c.Send(Post("/slow", "x")));
    std::this_thread::sleep_for(50ms);
  }  // closed before the answer
  std::this_thread::sleep_for(400ms);
  Client d(s.port());
  auto r = d.RoundTrip(Post("/next", "y"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "y");
}

TEST(HttpServer, ErrorAnswersAreLogged) {
  testing::internal::CaptureStderr();
  {
    TestServer s;
    Client c(s.port());
    auto r = c.RoundTrip("BROKEN\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_TRUE(c.WaitClosed());
  }
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("op=- status=400"), std::string::npos) << err;
}

TEST(HttpServer, StopWithoutConnectionsReturnsQuickly) {
  TestServer s;
  auto t0 = std::chrono::steady_clock::now();
  s.StopAndJoin();
  EXPECT_TRUE(s.returned());
  EXPECT_LE(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(HttpServer, ConcurrentRequestsFromManyThreads) {
  ServerOptions o;
  o.io_threads = 2;
  o.worker_threads = 4;
  TestServer s(o);
  constexpr int kThreads = 8, kRequests = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client c(s.port());
      for (int i = 0; i < kRequests; ++i) {
        std::string body = std::to_string(t) + ":" + std::to_string(i);
        auto r = c.RoundTrip(Post("/t", body));
        if (r && r->status == 200 && r->body == body) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
}

TEST(HttpServer, SharedIoContextModeWorks) {
  ServerOptions o;
  o.shared_io_context = true;
  o.io_threads = 2;
  TestServer s(o);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      Client c(s.port());
      for (int i = 0; i < 50; ++i) {
        auto r = c.RoundTrip(Post("/t", "x"));
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST(HttpServer, ListensOnIpv6Loopback) {
  ServerOptions o;
  o.listen = "[::1]:0";
  o.handle_signals = false;
  auto created = CreateServer(o, Echo, TestErrors);
  if (!created.ok()) GTEST_SKIP() << "no IPv6 loopback: " << created.error().message();
  TestServer s(o);
  Client c(s.port(), "::1", AF_INET6);
  ASSERT_TRUE(c.connected());
  auto r = c.RoundTrip("GET /v6 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("x-remote"), "::1");
}

TEST(HttpServer, AccessLogLine) {
  testing::internal::CaptureStderr();
  {
    TestServer s;
    Client c(s.port());
    auto r = c.RoundTrip(Post("/domains/d1/profiles?secret=1", "SECRETBODY",
                              "Authorization: AWS4-HMAC-SHA256 Credential=SECRETKEY\r\n"));
    ASSERT_TRUE(r);
  }
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("access POST /domains/d1/profiles op=Echo status=200 ms="), std::string::npos)
      << err;
  EXPECT_EQ(err.find("secret"), std::string::npos);
  EXPECT_EQ(err.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace profiled::http
