#include "service/segment_calc.h"

#include "service/calculated_attribute_value.h"

// calculated_attribute_value.h is becoming incremental (issue 12, section 1): its values are then
// read from the state object writes keep, through CalculatedAttributeValue. Until that lands,
// the value is computed here from the header's public steps over the profile's objects.
#if __has_include("service/calculated_attribute_state.h")
#define PROFILED_CALC_VALUE_FROM_STATE 1
#else
#include <utility>
#include <vector>

#include "service/common.h"
#include "service/object_type.h"
#include "service/profile_object.h"
#endif

namespace profiled::service {
namespace json = boost::json;

#ifdef PROFILED_CALC_VALUE_FROM_STATE

Result<std::optional<std::string>> CalculatedValueForSegment(
    store::Txn& txn, const RequestContext& ctx, std::string_view domain, std::string_view name,
    const json::object& def, std::string_view profile_id, double now,
    const std::optional<segment::RangeOverride>& range) {
  std::optional<DayWindow> window;
  if (range) window = DayWindow{range->start, range->end};
  ASSIGN_OR_RETURN(Computed c,
                   CalculatedAttributeValue(txn, ctx, domain, name, def, profile_id, now, window));
  return c.value;
}

#else

Result<std::optional<std::string>> CalculatedValueForSegment(
    store::Txn& txn, const RequestContext& ctx, std::string_view domain, std::string_view,
    const json::object& def, std::string_view profile_id, double now,
    const std::optional<segment::RangeOverride>& range) {
  ASSIGN_OR_RETURN(AttributeDefinition parsed, ParseAttributeDefinition(def));
  json::object type;
  if (auto loaded = LoadObjectType(txn, ctx, domain, parsed.object_type); loaded.ok()) {
    type = std::move(*loaded);  // a deleted type has no objects left either
  }
  std::vector<ObjectValue> values;
  RETURN_IF_ERROR(
      ForEachObjectOfProfile(txn, DomainScope(ctx, domain), parsed.object_type, profile_id, "",
                             [&](const std::string&, json::object record) -> Result<WalkStep> {
                               if (auto v = ObjectValueOf(parsed, type, record)) {
                                 values.push_back(std::move(*v));
                               }
                               return WalkStep::kNext;
                             }));
  if (range) {
    // The override replaces the definition's Range: objects from `start` days ago up to `end`
    // days ago (DAYS is RangeUnit's only value).
    parsed.range_days.reset();
    double since = now - static_cast<double>(range->start) * 86400;
    double until = now - static_cast<double>(range->end) * 86400;
    std::erase_if(values, [&](const ObjectValue& v) { return v.at < since || v.at > until; });
  }
  ApplyConditions(parsed, now, values);
  return Summarize(parsed.statistic, values).value;
}

#endif

}  // namespace profiled::service
