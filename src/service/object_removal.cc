#include "service/object_removal.h"

#include <string>

#include "service/common.h"
#include "service/event_outbox.h"
#include "service/expiry.h"
#include "service/history.h"
#include "service/history_record.h"
#include "service/profile_object.h"
#include "service/profile_store.h"

namespace profiled::service {
namespace json = boost::json;

Status RemoveObject(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                    const json::object& record, ObjectRemoval why, double now_seconds) {
  std::string profile_id = GetStringOr(record, "ProfileId", "");
  // The profile is locked before the erasure changes its object count (metering.h's order).
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kProfileKind, profile_id));
  RETURN_IF_ERROR(EraseObject(txn, scope, record));
  if (!body) return OkStatus();  // an orphan: no profile to tell
  ASSIGN_OR_RETURN(json::object before, ParseStored(*body));
  json::object after = before;
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
