#include "service/history_record.h"

#include <cstdint>
#include <utility>

#include "service/history.h"

namespace profiled::service {
namespace json = boost::json;

json::object NewHistoryRecord(const RequestContext& ctx, json::object& profile,
                              HistoryRecordFields fields, double now_seconds) {
  json::object record;
  record["Id"] = NextHistoryId(profile, static_cast<int64_t>(now_seconds * 1000.0 + 0.5));
  record["ObjectTypeName"] = fields.object_type_name;
  record["CreatedAt"] = now_seconds;
  record["LastUpdatedAt"] = now_seconds;
  record["ActionType"] = fields.action_type;
  if (!fields.unique_key.empty()) record["ProfileObjectUniqueKey"] = fields.unique_key;
  record["PerformedBy"] = PerformedBy(ctx);
  record["Content"] = std::move(fields.content);
  return record;
}

}  // namespace profiled::service
