// File: domain_stats.h
// GetDomain's Stats (ProfileCount, ObjectCount, TotalSize, and the extra units of
// MeteringProfileCount, metering.h), kept exact without counting: a few
// sharded documents (kind "stats", ids "s0".."s7") are changed in the same transaction as the
// profile or object they count, so reading them costs 8 point reads whatever the domain's size.
// The shard is chosen by the changed document's id, which keeps concurrent writers (row locks on
// PostgreSQL) mostly on different rows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kStatsKind = "stats";

struct DomainStatsDelta {
  int64_t profiles = 0;
  int64_t objects = 0;
  int64_t object_bytes = 0;
  int64_t extra_metered = 0;  // metering.h: MeteringProfileCount = profiles + extra_metered
};

struct DomainTotals {
  int64_t profiles = 0;
  int64_t objects = 0;
  int64_t object_bytes = 0;
  int64_t extra_metered = 0;
};

// REQUIRES: a Write transaction.
Status AddToDomainStats(store::Txn& txn, store::Scope scope, std::string_view changed_id,
                        const DomainStatsDelta& delta);
Result<DomainTotals> ReadDomainStats(store::Txn& txn, store::Scope scope);

// The deltas of many documents, applied with one read-modify-write per shard instead of one per
// document (a bulk load changes thousands in one transaction).
class DomainStatsBatch {
 public:
  void Add(std::string_view changed_id, const DomainStatsDelta& delta);
  // REQUIRES: a Write transaction.
  Status Apply(store::Txn& txn, store::Scope scope) const;

 private:
  std::map<std::string, DomainStatsDelta> by_shard_;
};

}  // namespace profiled::service
