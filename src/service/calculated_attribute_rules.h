// File: calculated_attribute_rules.h
// The rules of a calculated attribute definition as pure functions: the definition parsed and
// checked (every rule a BadRequest naming its member), what one stored object contributes to it
// (its value and time, after UseHistoricalData and the Filter), and the Threshold.
// docs/calculated-attributes.md states the rules and where each comes from.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/calculated_attribute.h"

namespace profiled::service {

// A window of whole UTC days relative to today: the days from `start` days ago to `end` days ago,
// both included (negative numbers are days in the future). Range {Value: N} is {N, 0}.
struct DayWindow {
  int64_t start = 0;
  int64_t end = 0;
};

// One attribute of a Filter dimension: the object's attribute `attribute` compared with `values`
// by `op` (a FilterDimensionType).
struct FilterCheck {
  std::string attribute;
  std::string op;
  std::vector<std::string> values;
};
// A Filter group: `type` (ALL, ANY or NONE) over its dimensions; a dimension holds when every
// one of its attribute checks does.
struct FilterGroup {
  std::string type;
  std::vector<std::vector<FilterCheck>> dimensions;
};
struct CalcFilter {
  std::string include;  // ALL, ANY or NONE over the groups
  std::vector<FilterGroup> groups;
};

// A stored definition, parsed.
struct CalcDefinition {
  std::vector<ExpressionTerm> terms;  // one, or two joined by `op`
  char op = 0;                        // '+', '-', '*' or '/' with two terms
  std::string object_type;
  std::string statistic;
  std::optional<DayWindow> window;      // Conditions.Range
  std::string timestamp_source;         // "a.b" inside the object; "" = the ingestion time
  std::string timestamp_format;         // "EPOCHMILLI", "ISO_8601", or "" (either)
  std::optional<int64_t> object_count;  // Conditions.ObjectCount
  std::optional<std::string> threshold_value;
  std::string threshold_op;
  std::optional<CalcFilter> filter;
  bool use_historical_data = false;
  double created_at = 0;
};

// Limits AWS documents for a definition.
inline constexpr size_t kMaxCalcAttributes = 2;      // "at most two fields from that ObjectType"
inline constexpr int64_t kMaxCalcObjectCount = 100;  // Conditions.ObjectCount: 1..100

// The expression: "{T.a}" or "{T.a} op {T.b}" with op one of + - * / (spaces allowed around the
// operator). BadRequest naming AttributeDetails.Expression or AttributeDetails.Attributes.
struct CalcExpression {
  std::vector<ExpressionTerm> terms;
  char op = 0;
};
Result<CalcExpression> ParseCalcExpression(const boost::json::object& details);

// The whole definition (AttributeDetails, Statistic, Conditions, Filter, UseHistoricalData,
// CreatedAt). BadRequest naming the member that breaks a rule.
Result<CalcDefinition> ParseCalcDefinition(const boost::json::object& doc);

// A Range override (BatchGetCalculatedAttributeForProfile's and a segment dimension's
// ConditionOverrides.Range: Start, optional End, Unit) as a window.
Result<DayWindow> ParseRangeOverride(const boost::json::object& range);

// What one stored object contributes: its value (the text of a lone term, and its number when it
// is one) at time `at` (epoch seconds), ordered among others by (at, uid).
struct Contribution {
  double at = 0;
  std::string uid;  // the object's ProfileObjectUniqueKey
  std::string text;
  std::optional<double> number;
};

// The value of attribute `name` in `object`: the type's field of that name evaluated from its
// Source, else the object's member at that path ("a.b" is nested).
std::optional<std::string> CalcAttributeValue(const boost::json::object& type,
                                              const boost::json::object& object,
                                              std::string_view name);

// Epoch seconds of a timestamp field: EPOCHMILLI takes a number of milliseconds, or of seconds
// when below 1e11; ISO_8601 takes common/timestamp.h's ISO 8601; "" takes either.
std::optional<double> ParseObjectTimestamp(std::string_view text, std::string_view format);

// Whether the Filter keeps the object (no filter keeps every object).
bool FilterKeeps(const CalcFilter& filter, const boost::json::object& type,
                 const boost::json::object& object);
bool FilterCheckHolds(const FilterCheck& check, const std::optional<std::string>& value);

// The contribution of the stored object `record` (PutProfileObject's record: Object, UpdatedAt,
// ProfileObjectUniqueKey) of type `type`, or nullopt when it contributes nothing: ingested
// before the definition without UseHistoricalData, dropped by the Filter, no value, or (with a
// TimestampSource) no readable time. The time is the TimestampSource's, else the object's last
// ingestion (UpdatedAt).
std::optional<Contribution> ContributionOf(const CalcDefinition& def,
                                           const boost::json::object& type,
                                           const boost::json::object& record);

// A number as a value is written: integers without a fraction, others with up to 10 significant
// digits.
std::string FormatNumber(double v);

// Whether `value` passes the definition's Threshold (true without one): numbers compare as
// numbers when both sides are numbers, otherwise as text.
bool ThresholdHolds(const CalcDefinition& def, std::string_view value);

}  // namespace profiled::service
