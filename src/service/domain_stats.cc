#include "service/domain_stats.h"

#include <boost/json/object.hpp>
#include <string>

#include "service/common.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr uint32_t kShards = 8;

std::string ShardOf(std::string_view id) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : id) {
    h ^= c;
    h *= 16777619u;
  }
  return "s" + std::to_string(h % kShards);
}

void Add(json::object& doc, std::string_view member, int64_t delta) {
  doc[member] = GetInt(doc, member).value_or(0) + delta;
}

Status AddToShard(store::Txn& txn, store::Scope scope, const std::string& shard,
                  const DomainStatsDelta& delta) {
  if (delta.profiles == 0 && delta.objects == 0 && delta.object_bytes == 0 &&
      delta.extra_metered == 0) {
    return OkStatus();
  }
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kStatsKind, shard));
  json::object doc;
  if (body) {
    ASSIGN_OR_RETURN(doc, ParseStored(*body));
  }
  Add(doc, "ProfileCount", delta.profiles);
  Add(doc, "ObjectCount", delta.objects);
  Add(doc, "TotalSize", delta.object_bytes);
  Add(doc, "ExtraMetered", delta.extra_metered);
  return txn.Put(scope, kStatsKind, shard, Serialize(doc));
}

}  // namespace

Status AddToDomainStats(store::Txn& txn, store::Scope scope, std::string_view changed_id,
                        const DomainStatsDelta& delta) {
  return AddToShard(txn, scope, ShardOf(changed_id), delta);
}

void DomainStatsBatch::Add(std::string_view changed_id, const DomainStatsDelta& delta) {
  DomainStatsDelta& sum = by_shard_[ShardOf(changed_id)];
  sum.profiles += delta.profiles;
  sum.objects += delta.objects;
  sum.object_bytes += delta.object_bytes;
  sum.extra_metered += delta.extra_metered;
}

Status DomainStatsBatch::Apply(store::Txn& txn, store::Scope scope) const {
  for (const auto& [shard, delta] : by_shard_) {
    RETURN_IF_ERROR(AddToShard(txn, scope, shard, delta));
  }
  return OkStatus();
}

Result<DomainTotals> ReadDomainStats(store::Txn& txn, store::Scope scope) {
  ASSIGN_OR_RETURN(auto shards, txn.Scan(scope, kStatsKind, "", "", kShards + 1));
  DomainTotals totals;
  for (const auto& shard : shards) {
    ASSIGN_OR_RETURN(json::object doc, ParseStored(shard.body));
    totals.profiles += GetInt(doc, "ProfileCount").value_or(0);
    totals.objects += GetInt(doc, "ObjectCount").value_or(0);
    totals.object_bytes += GetInt(doc, "TotalSize").value_or(0);
    totals.extra_metered += GetInt(doc, "ExtraMetered").value_or(0);
  }
  return totals;
}

}  // namespace profiled::service
