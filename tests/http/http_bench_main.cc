// A static-answer server on http::Server, to compare with ../shared/bench/limit (static mode).
// Not a test: built by hand, e.g.
//   g++ -std=c++20 -O2 -DNDEBUG -pthread -Isrc tests/http/http_bench_main.cc src/http/server.cc \
//       src/common/log.cc -o /tmp/http_bench
//   /tmp/http_bench [io_threads] [worker_threads] [shared]    (prints port=N on stderr)
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/log.h"
#include "http/server.h"

int main(int argc, char** argv) {
  profiled::http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.io_threads = argc > 1 ? std::atoi(argv[1]) : 2;
  options.worker_threads = argc > 2 ? std::atoi(argv[2]) : 32;
  options.shared_io_context = argc > 3 && std::strcmp(argv[3], "shared") == 0;
  if (const char* level = std::getenv("LOG_LEVEL")) {
    profiled::log::Level l;
    if (profiled::log::ParseLevel(level, &l)) profiled::log::SetLevel(l);
  } else {
    profiled::log::SetLevel(profiled::log::Level::kWarn);
  }
  auto server = profiled::http::CreateServer(
      options,
      [](const profiled::HttpRequest&) {
        profiled::HttpResponse r;
        r.headers.emplace_back("Content-Type", "application/json");
        r.body = R"({"ProfileId":"0123456789abcdef0123456789abcdef"})";
        r.operation = "UpdateProfile";
        return r;
      },
      [](const profiled::Error& error) {
        profiled::HttpResponse r;
        r.status = error.code() == profiled::ErrorCode::kBadRequest ? 400 : 500;
        return r;
      });
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.error().message().c_str());
    return 1;
  }
  std::fprintf(stderr, "http_bench port=%d\n", (*server)->port());
  (*server)->Run();
  return 0;
}
