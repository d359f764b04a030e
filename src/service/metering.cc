#include "service/metering.h"

#include <algorithm>
#include <boost/json/object.hpp>

#include "service/common.h"
#include "service/domain_stats.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// The document a count had before "_objs" (metering.h).
constexpr std::string_view kLegacyCountKind = "profile_objects";

// The count of the old layout's document, if there is one, which it deletes.
Result<std::optional<int64_t>> TakeLegacyCount(store::Txn& txn, store::Scope scope,
                                               std::string_view profile_id) {
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kLegacyCountKind, profile_id));
  if (!body) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
  ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kLegacyCountKind, profile_id));
  (void)deleted;
  return std::optional<int64_t>(GetInt(doc, "Count").value_or(0));
}

void AddMetered(int64_t before, int64_t after, DomainStatsDelta& stats) {
  stats.extra_metered += ExtraMeteredUnits(after) - ExtraMeteredUnits(before);
}

}  // namespace

int64_t ExtraMeteredUnits(int64_t objects) {
  return objects <= kObjectsPerMeteredProfile ? 0 : (objects - 1) / kObjectsPerMeteredProfile;
}

Status AdjustObjectCount(store::Txn& txn, store::Scope scope, json::object& profile, int64_t delta,
                         DomainStatsDelta& stats) {
  int64_t before = 0;
  if (auto stored = GetInt(profile, kObjectCountMember)) {
    before = *stored;
  } else {
    ASSIGN_OR_RETURN(auto legacy,
                     TakeLegacyCount(txn, scope, GetStringOr(profile, "ProfileId", "")));
    before = legacy.value_or(0);
  }
  // Never below 0: objects stored before counts existed were never added.
  int64_t after = std::max<int64_t>(0, before + delta);
  profile[kObjectCountMember] = after;
  AddMetered(before, after, stats);
  return OkStatus();
}

Status AddProfileObjects(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                         int64_t delta, DomainStatsDelta* stats) {
  if (delta == 0 || profile_id.empty()) return OkStatus();
  DomainStatsDelta change;
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kProfileKind, profile_id));
  if (body) {
    ASSIGN_OR_RETURN(json::object profile, ParseStored(*body));
    RETURN_IF_ERROR(AdjustObjectCount(txn, scope, profile, delta, change));
    RETURN_IF_ERROR(txn.Put(scope, kProfileKind, profile_id, Serialize(profile)));
  } else {
    // No profile (its objects outlived it): only a count of the old layout may be left.
    ASSIGN_OR_RETURN(auto legacy, TakeLegacyCount(txn, scope, profile_id));
    if (legacy) AddMetered(*legacy, 0, change);
  }
  if (stats != nullptr) {
    stats->extra_metered += change.extra_metered;
    return OkStatus();
  }
  if (change.extra_metered == 0) return OkStatus();
  return AddToDomainStats(txn, scope, profile_id, change);
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
