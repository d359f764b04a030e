#include "service/profile_batch.h"

#include <optional>
#include <utility>

#include "service/common.h"
#include "service/event_outbox.h"
#include "service/expiry.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
#include "service/rule_match_index.h"
#include "service/search_keys.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// The stored profile the item changes, if any.
Result<std::optional<std::string>> FindExisting(store::Txn& txn, store::Scope scope,
                                                const ProfileBatchItem& item) {
  // The caller knows no stored profile has the id (profile_batch.h), and a bulk load's read of it
  // would look through every file of the load for nothing.
  if (item.match == ProfileBatchItem::Match::kNone) return std::optional<std::string>();
  if (item.match == ProfileBatchItem::Match::kProfileId) {
    return txn.GetForUpdate(scope, kProfileKind, item.create.profile.id);
  }
  ASSIGN_OR_RETURN(auto refs, ProfilesWithKey(txn, scope, item.key_name, item.key_value, "", 1,
                                              /*for_update=*/true));
  if (refs.empty()) return std::optional<std::string>();
  return txn.GetForUpdate(scope, kProfileKind, refs.front());
}

// The stored profile after the item's change: UpdateProfile's result.
Result<json::object> Changed(const ProfileBatchItem& item, const json::object& before) {
  if (item.change == ProfileBatchItem::Change::kPatch)
    return ApplyProfileUpdate(before, item.input);
  ASSIGN_OR_RETURN(json::object created, ParseStored(item.create.profile.document));
  json::object after = PublicProfile(created);
  for (const auto& member : before) {
    if (IsInternalMember(member.key())) {
      after[member.key()] = member.value();
    }
  }
  after["ProfileId"] = before.at("ProfileId");
  return after;
}

}  // namespace

Result<PreparedCreate> PrepareCreate(const RequestContext& ctx, json::object profile,
                                     double now_seconds, int64_t upload_expiry_days,
                                     bool attribute_rows) {
  PreparedCreate create;
  ASSIGN_OR_RETURN(create.created, PrepareCreatedRecord(ctx, profile, now_seconds));
  if (upload_expiry_days > 0) {
    StampUploadedProfile(profile, upload_expiry_days, 0, nullptr, now_seconds);
  }
  ASSIGN_OR_RETURN(create.profile, PrepareNewProfile(profile, attribute_rows));
  return create;
}

Status StorePreparedCreate(store::Txn& txn, store::Scope scope, const PreparedCreate& create,
                           DomainMatching* matching, EventStreamsRead* streams) {
  // The profile first: the record's event-stream records read its Content from it.
  RETURN_IF_ERROR(StoreNewProfile(txn, scope, create.profile, matching));
  return StorePreparedRecord(txn, scope, create.created, nullptr, streams);
}

Status WriteProfileBatch(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                         const std::vector<ProfileBatchItem>& items, DomainMatching& matching,
                         double now_seconds, ProfileBatchCounts* counts) {
  *counts = {};  // the transaction may run again (kConflict)
  DomainStatsBatch stats;
  std::optional<int64_t> domain_days;  // the domain's DefaultExpirationDays, read when needed
  EventStreamsRead streams;            // read at the first change, for all
  for (const ProfileBatchItem& item : items) {
    ASSIGN_OR_RETURN(std::optional<std::string> body, FindExisting(txn, scope, item));
    if (!body) {
      RETURN_IF_ERROR(StorePreparedCreate(txn, scope, item.create, &matching, &streams));
      stats.Add(item.create.profile.id, {.profiles = 1});
      ++counts->created;
      continue;
    }
    ASSIGN_OR_RETURN(json::object before, ParseStored(*body));
    ASSIGN_OR_RETURN(json::object after, Changed(item, before));
    RETURN_IF_ERROR(AppendHistory(txn, scope, ctx, after, "UPDATED",
                                  Serialize(PublicProfile(after)), now_seconds, &streams));
    if (item.upload_expiry_days > 0) {
      if (!domain_days) {
        ASSIGN_OR_RETURN(json::object domain, LoadDomain(txn, ctx, scope.domain));
        domain_days = ExpiryViewOf(domain, SystemClock()).domain_days;
      }
      StampUploadedProfile(after, item.upload_expiry_days, *domain_days, &before, now_seconds);
    }
    RETURN_IF_ERROR(SaveProfile(txn, scope, &before, after, &matching));
    ++counts->updated;
  }
  return stats.Apply(txn, scope);
}

}  // namespace profiled::service
