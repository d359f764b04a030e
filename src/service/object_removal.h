// File: object_removal.h
// Removing one stored object with what its removal leaves behind: the object's document, rows,
// statistics and calculated-attribute share go (profile_object.h's EraseObject), and the
// profile gets the removal's record in its history and its event streams (event_outbox.h), in
// the profile's order (docs/events.md, docs/expiry.md).
#pragma once

#include <boost/json/object.hpp>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

enum class ObjectRemoval {
  kDeletedByCustomer,  // DeleteProfileObject: history DELETED_BY_CUSTOMER, event DELETED
  kExpired,            // expiry: history EXPIRED (PerformedBy the service), event DELETED
  kOverLimit,          // MaxProfileObjectCount: event DELETED only (AWS keeps no record of it)
};

// Removes the stored object `record`. REQUIRES: a Write transaction holding the object's lock
// (GetForUpdate). The profile is locked and saved here (its history chain moves).
Status RemoveObject(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                    const boost::json::object& record, ObjectRemoval why, double now_seconds);

}  // namespace profiled::service
