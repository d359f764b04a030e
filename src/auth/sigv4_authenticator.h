// File: sigv4_authenticator.h
// The Authenticator used with --credentials: SigV4 verification over a credentials file whose
// contents can be swapped while requests are in flight (SIGHUP -> Reload()).
#pragma once

#include <memory>
#include <string>

#include "auth/authenticator.h"
#include "auth/credentials.h"
#include "auth/verifier.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"

namespace profiled::auth {

class SigV4Authenticator final : public Authenticator {
 public:
  // Loads `path` once; fails (with the parse error, naming file and line) if it is unreadable
  // or invalid. `clock` must outlive the authenticator.
  static Result<std::unique_ptr<SigV4Authenticator>> Create(std::string path, const Clock& clock,
                                                            VerifierOptions options);

  SigV4Authenticator(std::string path, CredentialSet credentials, const Clock& clock,
                     VerifierOptions options);

  Result<Identity> Authenticate(const HttpRequest& request) const override;

  // Re-reads the file and swaps the new set in atomically: a request sees either the old set or
  // the new one, never a mix. If the new file is unreadable or invalid, the current set stays,
  // the reason is logged, and the error is returned. Thread-safe.
  Status Reload() EXCLUDES(mu_);

  size_t credential_count() const;
  const std::string& path() const { return path_; }

 private:
  std::shared_ptr<const CredentialSet> Current() const EXCLUDES(mu_);

  const std::string path_;
  const Clock& clock_;
  const VerifierOptions options_;
  mutable Mutex mu_;
  std::shared_ptr<const CredentialSet> credentials_ GUARDED_BY(mu_);  // the set is immutable
};

}  // namespace profiled::auth
