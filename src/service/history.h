// File: history.h
// Profile history: every CreateProfile, UpdateProfile, AddProfileKey, DeleteProfileKey and
// DeleteProfile appends one record in the same transaction as the change. Records are documents
// of kHistoryKind with id "{ProfileId}/{Id}", so one profile's history is a prefix scan in the
// order it happened:
//   Id (32 hex, the model's uuid pattern) = 12 hex of epoch milliseconds, 8 hex of a per-profile
//   counter, 12 random hex. The stored profile remembers the last time+counter (internal member
//   "_hlast"), so a profile's records sort strictly in write order even within a millisecond or
//   if the clock steps back.
// A record holds the model's GetProfileHistoryRecordResponse members: Id, ObjectTypeName
// ("_profile" for the standard profile), CreatedAt, LastUpdatedAt, ActionType, PerformedBy (the
// caller's account root ARN), Content (the profile as JSON after the change; for key actions
// {"KeyName", "Values"}; for DELETED_BY_CUSTOMER the profile as it was).
// History outlives DeleteProfile, as AWS keeps it: ListProfileHistoryRecords and
// GetProfileHistoryRecord still answer for a deleted profile, and DeleteDomain removes it.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kProfileObjectTypeName = "_profile";
inline constexpr std::string_view kHistoryLastMember = "_hlast";

// The next record id for `profile`, and remembers it in the profile's "_hlast".
std::string NextHistoryId(boost::json::object& profile, int64_t now_ms);

// "arn:aws:iam::{account}:root": who performed an action, as far as the request tells.
std::string PerformedBy(const RequestContext& ctx);

// Appends a record for `profile` (whose "_hlast" it advances: save the profile afterwards).
// REQUIRES: a Write transaction.
Status AppendHistory(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                     boost::json::object& profile, std::string_view action_type,
                     std::string content, double now_seconds);

}  // namespace profiled::service
