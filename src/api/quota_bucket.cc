#include "api/quota_bucket.h"

#include <algorithm>
#include <utility>

namespace profiled::api {

bool TokenBucket::TryTake(TimePoint now) {
  // A clock that steps back (it should not: steady) adds nothing rather than removing tokens.
  if (now > last_) {
    const double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(quota_.burst, tokens_ + seconds * quota_.rate);
    last_ = now;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

RateLimiter::RateLimiter(std::map<std::string, RateQuota, std::less<>> quotas, Clock clock)
    : clock_(std::move(clock)) {
  for (auto& [operation, quota] : quotas) {
    slots_.emplace(operation, quotas_.size());
    quotas_.push_back(quota);
  }
}

bool RateLimiter::Admit(std::string_view account, std::string_view operation) {
  auto slot = slots_.find(operation);
  if (slot == slots_.end()) return true;
  const TokenBucket::TimePoint now = clock_();
  MutexLock lock(mu_);
  auto it = buckets_.find(account);
  if (it == buckets_.end()) {
    std::vector<TokenBucket> fresh;
    fresh.reserve(quotas_.size());
    for (const RateQuota& quota : quotas_) fresh.emplace_back(quota, now);
    it = buckets_.emplace(std::string(account), std::move(fresh)).first;
  }
  return it->second[slot->second].TryTake(now);
}

}  // namespace profiled::api
