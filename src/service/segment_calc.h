// File: segment_calc.h
// A calculated attribute's value for one profile as a segment dimension reads it: the
// definition's own value, or, under a dimension's ConditionOverrides.Range, the value over the
// objects of that window instead of the definition's Range. Built from the public steps of
// calculated_attribute_value.h, so a segment and GetCalculatedAttributeForProfile agree.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "service/segment_query.h"
#include "store/store.h"

namespace profiled::service {

// `def` is the stored calculated attribute definition named `name`; `now` is epoch seconds.
// nullopt when the profile has no value (e.g. no objects for a statistic that needs one).
Result<std::optional<std::string>> CalculatedValueForSegment(
    store::Txn& txn, const RequestContext& ctx, std::string_view domain, std::string_view name,
    const boost::json::object& def, std::string_view profile_id, double now,
    const std::optional<segment::RangeOverride>& range);

}  // namespace profiled::service
