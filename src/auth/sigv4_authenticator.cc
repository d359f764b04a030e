#include "auth/sigv4_authenticator.h"

#include <utility>

#include "common/log.h"

namespace profiled::auth {

Result<std::unique_ptr<SigV4Authenticator>> SigV4Authenticator::Create(std::string path,
                                                                       const Clock& clock,
                                                                       VerifierOptions options) {
  ASSIGN_OR_RETURN(CredentialSet credentials, LoadCredentialsFile(path));
  return std::make_unique<SigV4Authenticator>(std::move(path), std::move(credentials), clock,
                                              std::move(options));
}

SigV4Authenticator::SigV4Authenticator(std::string path, CredentialSet credentials,
                                       const Clock& clock, VerifierOptions options)
    : path_(std::move(path)),
      clock_(clock),
      options_(std::move(options)),
      credentials_(std::make_shared<const CredentialSet>(std::move(credentials))) {}

std::shared_ptr<const CredentialSet> SigV4Authenticator::Current() const {
  MutexLock lock(mu_);
  return credentials_;
}

Result<Identity> SigV4Authenticator::Authenticate(const HttpRequest& request) const {
  // Holding a reference keeps this request on one set even if Reload() swaps meanwhile.
  std::shared_ptr<const CredentialSet> credentials = Current();
  return VerifySigV4(request, *credentials, options_, clock_.Now());
}

Status SigV4Authenticator::Reload() {
  auto loaded = LoadCredentialsFile(path_);
  if (!loaded.ok()) {
    log::Warn("credentials not reloaded, keeping the " + std::to_string(credential_count()) +
              " keys in use: " + loaded.error().message());
    return std::move(loaded).error();
  }
  auto fresh = std::make_shared<const CredentialSet>(std::move(loaded).value());
  size_t count = fresh->size();
  {
    MutexLock lock(mu_);
    credentials_.swap(fresh);
  }
  // `fresh` now holds the old set; it is freed here or by the last request still using it.
  log::Info("credentials reloaded from " + path_ + ": " + std::to_string(count) + " keys");
  return OkStatus();
}

size_t SigV4Authenticator::credential_count() const { return Current()->size(); }

}  // namespace profiled::auth
