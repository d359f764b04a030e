// Helpers for auth tests: read the raw-request files under tests/auth/vectors and pin time.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/http_types.h"

namespace profiled::auth::testing {

inline std::filesystem::path VectorsDir() {
  return std::filesystem::path(PROFILED_SOURCE_DIR) / "tests/auth/vectors";
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Parses "METHOD target HTTP/1.1\nName:value\n...\n\nbody" (the test-suite format; a target
// may contain spaces, as in get-space). Lines may end in "\r\n".
inline HttpRequest ParseRawRequest(const std::string& text) {
  HttpRequest request;
  size_t header_end = text.find("\n\n");
  std::string head = text.substr(0, header_end);
  if (header_end != std::string::npos) request.body = text.substr(header_end + 2);
  std::istringstream lines(head);
  std::string line;
  std::getline(lines, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  size_t first_space = line.find(' ');
  size_t last_space = line.rfind(' ');
  request.method = line.substr(0, first_space);
  request.target = line.substr(first_space + 1, last_space - first_space - 1);
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return request;
}

inline std::chrono::system_clock::time_point At(const std::string& amz_date) {
  return *sigv4::ParseAmzDate(amz_date);
}

class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point now) : now_(now) {}
  std::chrono::system_clock::time_point Now() const override { return now_; }
  void Set(std::chrono::system_clock::time_point now) { now_ = now; }

 private:
  std::chrono::system_clock::time_point now_;
};

// Replaces the value of the first header named `name` (case-insensitive).
inline void SetHeader(HttpRequest& request, std::string_view name, std::string value) {
  for (auto& [k, v] : request.headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size(); ++i) {
      same = same && std::tolower(static_cast<unsigned char>(k[i])) ==
                         std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) {
      v = std::move(value);
      return;
    }
  }
  request.headers.emplace_back(std::string(name), std::move(value));
}

}  // namespace profiled::auth::testing
