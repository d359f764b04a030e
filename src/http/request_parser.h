// File: request_parser.h
// Internal to http/ (server.cc) and its fuzz target (tests/fuzz/http_parser_fuzz.cc), so that the
// fuzzer drives exactly the parser the server runs. Includes Beast: never include it elsewhere.
#pragma once

#include <unistd.h>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/ascii.h"
#include "common/http_types.h"

namespace profiled::http {

// Parses one request into a caller-owned HttpRequest whose strings keep their capacity from one
// request to the next, so a steady keep-alive connection parses without allocating. Beast's
// parsers are single-use; this one is cheap to re-emplace (no allocation of its own).
class RequestParser final : public boost::beast::http::basic_parser<true> {
  using error_code = boost::beast::error_code;

 public:
  // A request whose target starts with `large_prefix` (when not empty) may carry up to
  // `large_max_body` bytes instead of `max_body` (the upload URL of upload jobs), and its body is
  // written to a new file in `spool_dir` as it arrives (request->body_file), when that is set.
  RequestParser(HttpRequest* request, size_t max_body, std::string_view large_prefix = {},
                size_t large_max_body = 0, std::string_view spool_dir = {})
      : request_(request),
        max_body_(max_body),
        large_prefix_(large_prefix),
        large_max_body_(large_max_body),
        spool_dir_(spool_dir) {
    body_limit(boost::none);  // enforced below, where the offending size is known for the message
  }
  ~RequestParser() override {
    if (spool_ != nullptr) std::fclose(spool_);
  }
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;
  // The limit that applies to this request (known once its target is).
  size_t max_body() const { return max_body_; }

  bool expect_continue() const { return expect_continue_; }
  int http_version() const { return version_; }
  // Set when error::body_limit was raised: the size that exceeded max_body.
  uint64_t too_large_bytes() const { return too_large_bytes_; }
  // Set (an errno value) when the body could not be written to its spool file: the request
  // failed on the server's side, not the client's (a full disk, a spool directory gone).
  int spool_error() const { return spool_error_; }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view method,
                       boost::beast::string_view target, int version, error_code&) override {
    version_ = version;
    request_->method.assign(method.data(), method.size());
    request_->target.assign(target.data(), target.size());
  }

  void on_response_impl(int, boost::beast::string_view, int, error_code&) override {}

  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, error_code&) override {
    auto& headers = request_->headers;
    if (header_count_ < headers.size()) {
      headers[header_count_].first.assign(name_string.data(), name_string.size());
      headers[header_count_].second.assign(value.data(), value.size());
    } else {
      headers.emplace_back(std::string(name_string.data(), name_string.size()),
                           std::string(value.data(), value.size()));
    }
    ++header_count_;
    if (name == boost::beast::http::field::expect &&
        EqualsIgnoreCase({value.data(), value.size()}, "100-continue")) {
      expect_continue_ = true;
    }
  }

  void on_header_impl(error_code& ec) override {
    request_->headers.resize(header_count_);
    if (!large_prefix_.empty() && std::string_view(request_->target).starts_with(large_prefix_)) {
      max_body_ = large_max_body_;
      spooling_ = !spool_dir_.empty();
    }
    auto length = content_length();
    if (length && *length > max_body_) {
      too_large_bytes_ = *length;
      ec = boost::beast::http::error::body_limit;
    }
  }

  void on_body_init_impl(const boost::optional<uint64_t>& length, error_code& ec) override {
    if (spooling_) return OpenSpool(ec);
    if (length) request_->body.reserve(static_cast<size_t>(*length));
  }

  size_t on_body_impl(boost::beast::string_view body, error_code& ec) override {
    return Append(body, ec);
  }

  void on_chunk_header_impl(uint64_t size, boost::beast::string_view, error_code& ec) override {
    uint64_t total = received_ + size;
    if (total > max_body_) {
      too_large_bytes_ = total;
      ec = boost::beast::http::error::body_limit;
      return;
    }
    if (!spooling_) request_->body.reserve(static_cast<size_t>(total));
  }

  size_t on_chunk_body_impl(uint64_t, boost::beast::string_view body, error_code& ec) override {
    return Append(body, ec);
  }

  void on_finish_impl(error_code& ec) override {
    if (spooling_ && spool_ == nullptr) OpenSpool(ec);  // an empty body: an empty file
    if (spool_ != nullptr) {
      errno = 0;  // SpoolFailed names the cause from errno: none left from an earlier call
      bool failed = std::fclose(spool_) != 0;
      spool_ = nullptr;
      if (failed) SpoolFailed(ec);
    }
  }

  // A new file in spool_dir_ for the body; its name goes to request_->body_file, whose owner
  // removes it.
  void OpenSpool(error_code& ec) {
    std::string path(spool_dir_);
    path += "/profiled-upload-XXXXXX";
    errno = 0;
    int fd = ::mkstemp(path.data());
    if (fd >= 0) spool_ = ::fdopen(fd, "wb");
    if (spool_ == nullptr) {
      SpoolFailed(ec);
      if (fd >= 0) ::close(fd);
      return;
    }
    request_->body_file = std::move(path);
  }

  size_t Append(boost::beast::string_view body, error_code& ec) {
    received_ += body.size();
    if (!spooling_) {
      request_->body.append(body.data(), body.size());
      return body.size();
    }
    errno = 0;
    if (spool_ == nullptr || std::fwrite(body.data(), 1, body.size(), spool_) != body.size()) {
      SpoolFailed(ec);
    }
    return body.size();
  }

  // Stops the parse; the session answers spool_error() as the server's failure. Each call that can
  // fail clears errno first, so what is left in it is that call's cause (EIO when it set none).
  void SpoolFailed(error_code& ec) {
    if (spool_error_ == 0) spool_error_ = errno != 0 ? errno : EIO;
    ec = boost::beast::http::error::bad_chunk;
  }

  HttpRequest* request_;
  size_t max_body_;
  std::string_view large_prefix_;
  size_t large_max_body_;
  std::string_view spool_dir_;
  bool spooling_ = false;
  std::FILE* spool_ = nullptr;
  int spool_error_ = 0;
  uint64_t received_ = 0;
  size_t header_count_ = 0;
  int version_ = 11;
  bool expect_continue_ = false;
  uint64_t too_large_bytes_ = 0;
};

}  // namespace profiled::http
