// File: authenticator.h
// Authenticates a request and says which account it acts for. An Authenticator only reads the
// request and its credentials; it never changes state (RGW's auth Engine rule).
#pragma once

#include <string>

#include "common/http_types.h"
#include "common/result.h"

namespace profiled::auth {

struct Identity {
  std::string access_key_id;  // "" when no key was presented (open loopback mode)
  std::string account_id;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Errors: kMissingAuthenticationToken, kInvalidSignature, kUnrecognizedClient.
  virtual Result<Identity> Authenticate(const HttpRequest& request) const = 0;
};

// Accepts every request as `account_id`: the default on loopback without a credentials file.
class OpenAuthenticator final : public Authenticator {
 public:
  explicit OpenAuthenticator(std::string account_id) : account_id_(std::move(account_id)) {}
  Result<Identity> Authenticate(const HttpRequest&) const override {
    return Identity{"", account_id_};
  }

 private:
  std::string account_id_;
};

}  // namespace profiled::auth
