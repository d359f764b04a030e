#include "service/object_removal.h"

#include <string>

#include "service/common.h"
#include "service/domain_stats.h"
#include "service/event_outbox.h"
#include "service/expiry.h"
#include "service/history.h"
#include "service/history_record.h"
#include "service/metering.h"
#include "service/profile_object.h"
#include "service/profile_store.h"

namespace profiled::service {
namespace json = boost::json;

Status RemoveObject(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                    const json::object& record, ObjectRemoval why, double now_seconds) {
  std::string profile_id = GetStringOr(record, "ProfileId", "");
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kProfileKind, profile_id));
  if (!body) return EraseObject(txn, scope, record);  // an orphan: no profile to tell
  ProfileObjectCounts ignored;                        // the count changes in `after`, stored below
  RETURN_IF_ERROR(EraseObject(txn, scope, record, &ignored));
  ASSIGN_OR_RETURN(json::object before, ParseStored(*body));
  json::object after = before;
  DomainStatsDelta stats;
  RETURN_IF_ERROR(AdjustObjectCount(txn, scope, after, -1, stats));
  if (stats.extra_metered != 0) RETURN_IF_ERROR(AddToDomainStats(txn, scope, profile_id, stats));
  std::string type = GetStringOr(record, "ObjectTypeName", "");
  std::string unique = GetStringOr(record, "ProfileObjectUniqueKey", "");
  // The removal's record is also the event's source: its id (from the profile's history clock)
  // orders the event after the profile's earlier ones, and its Content is the object as it was.
  json::object history = NewHistoryRecord(
      ctx, after,
      {.action_type = why == ObjectRemoval::kExpired ? "EXPIRED" : "DELETED_BY_CUSTOMER",
       .object_type_name = type,
       .unique_key = unique,
       .content = GetStringOr(record, "Object", "")},
      now_seconds);
  if (why == ObjectRemoval::kExpired) history["PerformedBy"] = kExpiryPrincipal;
  if (why == ObjectRemoval::kOverLimit) {
    history[kRecordProfileMember] = profile_id;
    RETURN_IF_ERROR(RecordChangeEvents(txn, scope, Serialize(history), &after));
  } else {
    RETURN_IF_ERROR(StoreHistoryRecord(txn, scope, after, std::move(history)));
  }
  return SaveProfile(txn, scope, &before, after);
}

}  // namespace profiled::service
