// File: history_record.h
// The one place a profile history record is laid out (history.h describes the layout and how
// records are stored): the profile operations (history.cc's AppendHistory) and object ingestion
// (profile_object.cc) both build their records here.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "service/registry.h"

namespace profiled::service {

// What varies between records; the rest comes from the profile, the caller and the clock.
struct HistoryRecordFields {
  std::string_view action_type;       // "CREATED", "UPDATED", "INGESTED", "DELETED_BY_CUSTOMER"...
  std::string_view object_type_name;  // kProfileObjectTypeName for the standard profile
  std::string_view unique_key;        // ProfileObjectUniqueKey of an object; "" for none
  std::string content;                // the record's Content
};

// A new record for `profile`: Id (from NextHistoryId, which advances the profile's "_hlast": save
// the profile afterwards), ObjectTypeName, CreatedAt = LastUpdatedAt = `now_seconds`, ActionType,
// ProfileObjectUniqueKey (only when not empty), PerformedBy and Content, in that order. Store it
// with StoreHistoryRecord.
boost::json::object NewHistoryRecord(const RequestContext& ctx, boost::json::object& profile,
                                     HistoryRecordFields fields, double now_seconds);

}  // namespace profiled::service
