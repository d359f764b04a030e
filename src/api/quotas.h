// File: quotas.h
// `profiled serve --emulate-quotas` (docs/quotas.md): AWS's documented Customer Profiles quotas,
// applied by the pipeline to the model's operations. Two checks, both per account:
// - Admit, right after routing: the operation's request rate (quota_bucket.h), answered with
//   ThrottlingException (429) as AWS does, before anything is read or bound;
// - CheckLimits, after validation: the resource quotas (quota_limits.h).
// Without the flag the pipeline holds no Quotas and pays one null check per request.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/quota_bucket.h"
#include "api/quota_limits.h"
#include "api/quota_table.h"
#include "common/result.h"

namespace profiled::api {

class Quotas {
 public:
  // From a quota table's text (quota_table.h); `known_operations`: the model's.
  static Result<std::unique_ptr<Quotas>> Load(
      std::string_view table_text, const std::vector<std::string>& known_operations,
      RateLimiter::Clock clock = std::chrono::steady_clock::now);
  // What `serve` applies: the table in `file`, or the embedded spec/quotas.json when `file` is
  // empty, checked against the model's operations.
  static Result<std::unique_ptr<Quotas>> ForServe(const std::string& file);

  // False when the request is over the operation's rate for `account`: the pipeline answers
  // ThrottlingException (api/errors.h) and runs nothing.
  bool Admit(std::string_view account, std::string_view operation) {
    return rates_.Admit(account, operation);
  }

  Status CheckLimits(const service::Registry& registry, const service::RequestContext& context,
                     std::string_view operation, const boost::json::object& input,
                     size_t body_bytes) const {
    return limits_.Check(registry, context, operation, input, body_bytes);
  }

  size_t rate_count() const { return rate_count_; }
  size_t limit_count() const { return limit_count_; }

 private:
  Quotas(QuotaTable table, RateLimiter::Clock clock);

  size_t rate_count_;
  size_t limit_count_;
  RateLimiter rates_;
  ResourceLimits limits_;
};

}  // namespace profiled::api
