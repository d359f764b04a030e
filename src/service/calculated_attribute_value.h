// File: calculated_attribute_value.h
// The value of a calculated attribute for one profile, computed on read, as named steps: the
// definition's parts (AttributeDefinition), each object's value (ObjectValueOf), the objects the
// Conditions keep (ApplyConditions) and the Statistic over them (Summarize). Only the walk over
// the profile's stored objects, in calculated_attribute_value.cc, touches the store.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/calculated_attribute.h"

namespace profiled::service {

// What Compute needs from a stored definition.
struct AttributeDefinition {
  std::vector<ExpressionTerm> terms;    // all of one object type (ParseAttributeDetails)
  std::string object_type;              // that type
  std::string expression;               // AttributeDetails.Expression
  std::string statistic;                // "COUNT", "SUM", ... ("" when absent)
  std::optional<int64_t> range_days;    // Conditions.Range.Value (DAYS)
  std::optional<int64_t> object_count;  // Conditions.ObjectCount
};
// kInternal when the stored definition has no AttributeDetails; ParseAttributeDetails' errors.
Result<AttributeDefinition> ParseAttributeDefinition(const boost::json::object& def);

// The expression evaluated over `values` ("Type.Attribute" -> number): + - * / and parentheses
// over numbers and {Type.Attribute} terms. nullopt when it does not parse, a term has no value,
// or it divides by zero.
std::optional<double> EvaluateExpression(std::string_view expression,
                                         const std::map<std::string, double>& values);

// A number as a value is written: integers without a fraction, others with up to 10 significant
// digits.
std::string FormatNumber(double v);

// One object's contribution.
struct ObjectValue {
  double at = 0;     // ingestion time (the record's CreatedAt)
  std::string text;  // the value as text (a lone term's value may be non-numeric)
  std::optional<double> number;
};

// The value of one stored object `record` of object type `type`, or nullopt when the object has
// no value: its Object does not parse, an attribute is missing, or the expression has neither a
// number nor (for a lone term) a text. An attribute's value is the type's field of that name,
// evaluated from its Source, or else the object's top-level member of that name.
std::optional<ObjectValue> ObjectValueOf(const AttributeDefinition& def,
                                         const boost::json::object& type,
                                         const boost::json::object& record);

// Orders `values` by ingestion time (stable) and keeps those the conditions allow: ingested in
// the last range_days days before `now`, then the latest object_count.
void ApplyConditions(const AttributeDefinition& def, double now, std::vector<ObjectValue>& values);

struct Computed {
  std::optional<std::string> value;
  std::optional<double> last_object_timestamp;
};
// The statistic over `values` (in ingestion order): COUNT always has a value; FIRST_OCCURRENCE,
// LAST_OCCURRENCE and MAX_OCCURRENCE (the most frequent text, the smallest on a tie) need one
// object; SUM, AVERAGE, MINIMUM and MAXIMUM one numeric object. last_object_timestamp is the
// latest object's time.
Computed Summarize(std::string_view statistic, const std::vector<ObjectValue>& values);

}  // namespace profiled::service
