// File: event_trigger_eval.h
// Event triggers, fired (docs/events.md): when an object of a type is put, each trigger of the
// domain for that type is evaluated against the object, its SegmentFilter against the profile
// as the object leaves it (segment_eval.h),
// and its EventTriggerLimits against the profile's recent invocations. A trigger that fires
// counts one invocation (in the same transaction) and becomes a TRIGGERED record of the event
// streams (event_outbox.h).
//
// Conditions (AWS's model and admin guide): the list of EventTriggerConditions is ORed; in a
// condition, LogicalOperator ALL / ANY / NONE combines its EventTriggerDimensions; a dimension
// holds when every one of its ObjectAttributes does. An attribute's value is read at `Source`
// ("_source.path", or a bare path taken under _source) or, for `FieldName`, at that field's
// Source in the object type. ComparisonOperator:
//   INCLUSIVE / EXCLUSIVE        the value is / is not one of Values (string, exact)
//   CONTAINS, BEGINS_WITH, ENDS_WITH  the value contains / begins / ends with one of Values
//   EQUAL, GREATER_THAN, LESS_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN_OR_EQUAL  numbers, Values[0]
//   BEFORE, AFTER, ON            ISO 8601 dates (ON: the same UTC day), Values[0]
//   BETWEEN, NOT_BETWEEN         Values[0] <= value <= Values[1], numbers or dates
// An absent value or one that does not parse as the operator's type makes the attribute false.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace profiled::service {

struct FiredTrigger {
  std::string name;
  int64_t expiration_ms = 0;  // EventTriggerLimits.EventExpiration; 0: none
};

// The rules CreateEventTrigger / UpdateEventTrigger check (BadRequest naming the attribute), so
// that a stored trigger's conditions mean something (AWS documents the operators, not what a value
// that does not fit one does; a condition that can never hold is refused rather than stored):
// each ObjectAttribute names exactly one of Source and FieldName, a FieldName is a field of
// `object_type`; BETWEEN / NOT_BETWEEN take two Values, both numbers or both dates; the numeric
// operators take a number and BEFORE / AFTER / ON a date as Values[0].
Status CheckTriggerConditions(const boost::json::object& trigger,
                              const boost::json::object& object_type);

// Whether `trigger`'s EventTriggerConditions hold for `object`, an object of `object_type`.
bool TriggerConditionsHold(const boost::json::object& trigger,
                           const boost::json::object& object_type,
                           const boost::json::object& object);

// Whether `period` (EventTriggerLimits.Periods) allows one more invocation after `times`
// (epoch ms of earlier invocations, any order) at `now_ms`.
bool PeriodAllows(const boost::json::object& period, const std::vector<int64_t>& times,
                  int64_t now_ms);

// Evaluates every trigger of `type_name` in the domain for the object `object` of profile
// `profile_id` (`profile`: the profile after the change, for SegmentFilter; may be null), and
// records the invocation of each that fires. REQUIRES: a Write transaction.
Result<std::vector<FiredTrigger>> EvaluateTriggers(store::Txn& txn, store::Scope scope,
                                                   std::string_view type_name,
                                                   const boost::json::value& object,
                                                   const boost::json::object* profile,
                                                   std::string_view profile_id, int64_t now_ms);

}  // namespace profiled::service
