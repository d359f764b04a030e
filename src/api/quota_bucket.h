// File: quota_bucket.h
// Request-rate quotas (`serve --emulate-quotas`, docs/quotas.md): one token bucket per account
// and operation, as AWS throttles per account. A bucket holds at most `burst` tokens, gains `rate`
// tokens a second, and each request takes one; a request finding less than one token is
// throttled and takes nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"

namespace profiled::api {

struct RateQuota {
  double rate = 0;   // tokens added per second
  double burst = 0;  // tokens held at most (requests admitted at once after a quiet spell)
};

// One bucket; not thread-safe (RateLimiter holds its buckets under a lock). Time is passed in, so
// tests pin it.
class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Starts full: a client's first `burst` requests pass at once.
  TokenBucket(RateQuota quota, TimePoint now) : quota_(quota), tokens_(quota.burst), last_(now) {}

  // Takes one token if there is one at `now`.
  bool TryTake(TimePoint now);
  double tokens() const { return tokens_; }

 private:
  RateQuota quota_;
  double tokens_;
  TimePoint last_;
};

// The buckets of every account, for the operations that have a quota. Thread-safe: one lock,
// held for a map lookup and a few arithmetic operations per request.
class RateLimiter {
 public:
  using Clock = std::function<TokenBucket::TimePoint()>;

  explicit RateLimiter(std::map<std::string, RateQuota, std::less<>> quotas,
                       Clock clock = std::chrono::steady_clock::now);

  // True when the request may run; false when it is over the operation's rate for `account`.
  // An operation without a quota always runs.
  bool Admit(std::string_view account, std::string_view operation) EXCLUDES(mu_);

  bool HasQuota(std::string_view operation) const { return slots_.count(operation) > 0; }

 private:
  std::map<std::string, size_t, std::less<>> slots_;  // operation -> index into quotas_
  std::vector<RateQuota> quotas_;
  Clock clock_;
  Mutex mu_;
  // Made on an account's first request, every bucket full.
  std::map<std::string, std::vector<TokenBucket>, std::less<>> buckets_ GUARDED_BY(mu_);
};

}  // namespace profiled::api
