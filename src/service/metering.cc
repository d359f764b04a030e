#include "service/metering.h"

#include <algorithm>
#include <boost/json/object.hpp>

#include "service/common.h"
#include "service/domain_stats.h"

namespace profiled::service {
namespace json = boost::json;

int64_t ExtraMeteredUnits(int64_t objects) {
  return objects <= kObjectsPerMeteredProfile ? 0 : (objects - 1) / kObjectsPerMeteredProfile;
}

Result<int64_t> ProfileObjectCount(store::Txn& txn, store::Scope scope,
                                   std::string_view profile_id) {
  ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileObjectCountKind, profile_id));
  if (!body) return int64_t{0};
  ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
  return GetInt(doc, "Count").value_or(0);
}

Status AddProfileObjects(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                         int64_t delta, DomainStatsDelta* stats) {
  if (delta == 0 || profile_id.empty()) return OkStatus();
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kProfileObjectCountKind, profile_id));
  int64_t before = 0;
  if (body) {
    ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
    before = GetInt(doc, "Count").value_or(0);
  }
  // Never below 0: objects stored before counts existed were never added.
  int64_t after = std::max<int64_t>(0, before + delta);
  if (after == 0) {
    if (body) {
      ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kProfileObjectCountKind, profile_id));
      (void)deleted;
    }
  } else {
    json::object doc;
    doc["Count"] = after;
    RETURN_IF_ERROR(txn.Put(scope, kProfileObjectCountKind, profile_id, Serialize(doc)));
  }
  const int64_t extra = ExtraMeteredUnits(after) - ExtraMeteredUnits(before);
  if (stats != nullptr) {
    stats->extra_metered += extra;
    return OkStatus();
  }
  return AddToDomainStats(txn, scope, profile_id, {.extra_metered = extra});
}

void ProfileObjectCounts::Add(std::string_view profile_id, int64_t delta) {
  auto it = by_profile_.find(profile_id);
  if (it == by_profile_.end()) it = by_profile_.emplace(std::string(profile_id), 0).first;
  it->second += delta;
}

Status ProfileObjectCounts::Apply(store::Txn& txn, store::Scope scope) const {
  // One change of the domain's statistics for all the profiles (their totals are sums over the
  // shards), not one read-modify-write of a shard per profile.
  DomainStatsDelta stats;
  for (const auto& [profile_id, delta] : by_profile_) {
    RETURN_IF_ERROR(AddProfileObjects(txn, scope, profile_id, delta, &stats));
  }
  if (stats.extra_metered == 0) return OkStatus();
  return AddToDomainStats(txn, scope, by_profile_.begin()->first, stats);
}

}  // namespace profiled::service
