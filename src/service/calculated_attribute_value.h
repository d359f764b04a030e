// File: calculated_attribute_value.h
// The value of a calculated attribute for one profile, as GetCalculatedAttributeForProfile,
// ListCalculatedAttributesForProfile and BatchGetCalculatedAttributeForProfile answer it, read
// from the state the object writes keep (calculated_attribute_upkeep.h), not from the objects.
// Segments read values through the two functions below.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "service/calculated_attribute.h"
#include "service/calculated_attribute_rules.h"
#include "service/calculated_attribute_state.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

// The value of the stored definition `def` (named `name`) for the profile at `now` (epoch
// seconds), read in `txn`; `override_window` replaces the definition's Range (ConditionOverrides).
// REQUIRES: the profile exists (a missing one reads as a profile without objects).
Result<Computed> CalculatedAttributeValue(store::Txn& txn, const RequestContext& ctx,
                                          std::string_view domain, std::string_view name,
                                          const boost::json::object& def,
                                          std::string_view profile_id, double now,
                                          const std::optional<DayWindow>& override_window = {});

// The same by the definition's name; NotFound naming it when the domain has no such definition.
Result<Computed> CalculatedAttributeValueByName(
    store::Txn& txn, const RequestContext& ctx, std::string_view domain, std::string_view name,
    std::string_view profile_id, double now, const std::optional<DayWindow>& override_window = {});

}  // namespace profiled::service
