// File: quota_table.h
// The table of AWS's Customer Profiles quotas that `serve --emulate-quotas` applies: one JSON
// file, spec/quotas.json, embedded in the binary (`--quotas-file` reads another in its place),
// with the AWS page each row comes from. Read once at start-up; a row Profiled cannot apply (an
// operation the model lacks, a limit it does not know, a rate that is not positive) stops the
// server there rather than being ignored.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/quota_bucket.h"
#include "common/result.h"

namespace profiled::api {

struct QuotaTable {
  std::map<std::string, RateQuota, std::less<>> rates;  // by operation name
  std::map<std::string, int64_t, std::less<>> limits;   // by limit name (quota_limits.h)
};

// {"rates": [{"operation", "rate", "burst"?, "source"}], "limits": [{"limit", "value",
// "source"}]}. `known_operations`: the model's; `known_limits`: the names quota_limits.h
// applies. A burst left out is the rate (AWS documents one figure per operation), at least 1.
Result<QuotaTable> ParseQuotaTable(std::string_view text,
                                   const std::vector<std::string>& known_operations,
                                   const std::vector<std::string_view>& known_limits);

// spec/quotas.json as the build embedded it.
std::string_view EmbeddedQuotaTable();

}  // namespace profiled::api
