// File: result.h
// The one error vocabulary of Profiled below the wire: every layer returns Status or Result<T>;
// api/errors.cc is the only place that turns an ErrorCode into an AWS exception name, HTTP
// status and response (http/ reaches it through the ErrorResponder main passes in). No
// exceptions cross a layer boundary. A code exists only while something produces it.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace profiled {

// What went wrong, in the vocabulary a caller can act on. Each code maps to exactly one AWS
// error shape (see api/errors.cc); choose by what the client did, not by where it failed.
enum class ErrorCode {
  kBadRequest,        // malformed or invalid input -> BadRequestException 400
  kNotFound,          // the named resource does not exist (or belongs to another account)
  kInternal,          // a bug or an unexpected state; never the client's fault
  kUnavailable,       // a dependency (the database) is down; retrying later may succeed
  kConflict,          // a store transaction lost a race; the store retries these itself
  kNotImplemented,    // an operation of the model that Profiled does not serve yet
  kUnknownOperation,  // no operation of the model matches the method and path
  kPayloadTooLarge,   // the request body exceeds the server's limit
  kHeadersTooLarge,   // the request line and headers exceed the server's limit
  kMissingAuthenticationToken,
  kInvalidSignature,
  kUnrecognizedClient,
};

class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error BadRequest(std::string m) { return {ErrorCode::kBadRequest, std::move(m)}; }
  static Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
  static Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Error Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
  static Error NotImplemented(std::string m) { return {ErrorCode::kNotImplemented, std::move(m)}; }

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

// A value or an Error. Implicitly constructible from either, so functions can
// `return value;` and `return Error::NotFound(...);` alike.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !e_.has_value(); }
  const Error& error() const& { return *e_; }
  Error&& error() && { return std::move(*e_); }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

inline Status OkStatus() { return {}; }

}  // namespace profiled

#define PROFILED_CONCAT_INNER_(a, b) a##b
#define PROFILED_CONCAT_(a, b) PROFILED_CONCAT_INNER_(a, b)

// Returns the error of `expr` (a Status or Result) from the enclosing function.
#define RETURN_IF_ERROR(expr)                                               \
  do {                                                                      \
    auto profiled_status_ = (expr);                                         \
    if (!profiled_status_.ok()) return std::move(profiled_status_).error(); \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from F()'s value or returns F()'s error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(PROFILED_CONCAT_(profiled_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)  \
  auto tmp = (expr);                            \
  if (!tmp.ok()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()
