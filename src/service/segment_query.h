// File: segment_query.h
// A segment's criteria (SegmentGroups of CreateSegmentDefinition, SegmentQuery of
// CreateSegmentEstimate) parsed once into a Query, and the pure test of one profile against it.
// Nothing here reads the store: what a profile's test needs beyond its document (a calculated
// attribute's value, membership in a source segment) is asked of a SegmentFacts.
//
// The rules (docs/segments.md says them for users, with their sources):
//   - Values are case-sensitive; several Values of one dimension are alternatives (OR).
//   - Dates compare by UTC day: a value is YYYY-MM-DD, YYYY/MM/DD or an ISO 8601 date-time (its
//     offset applied); BEFORE / AFTER / ON compare days, BETWEEN / NOT_BETWEEN take two values
//     (start, end), both days inclusive.
//   - Numeric operators compare the attribute as a number; an attribute that is not a number
//     matches none of them.
//   - An absent attribute matches only EXCLUSIVE (it is none of the values).
//   - One Dimension holding several attributes matches when all of them match.
//   - Group: Type says how its Dimensions combine (ALL / ANY / NONE match), SourceType how its
//     SourceSegments do (the profile is in ALL / ANY / NONE of them); a group matches when both
//     hold. No dimensions is no filter; no source segments is every profile of the domain.
//   - Include says how the groups combine: the profile matches ALL / ANY / NONE of them.
//   - Defaults: Include ALL, Type ALL, SourceType ANY (several starting audiences are OR'ed).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace profiled::service::segment {

enum class Op {
  kInclusive,
  kExclusive,
  kContains,
  kBeginsWith,
  kEndsWith,
  kBefore,
  kAfter,
  kBetween,
  kNotBetween,
  kOn,
  kGreaterThan,
  kLessThan,
  kGreaterThanOrEqual,
  kLessThanOrEqual,
  kEqual,
};

enum class Quantifier { kAll, kAny, kNone };

// One operator with its values, ready to test a value.
struct Condition {
  Op op = Op::kInclusive;
  std::vector<std::string> values;
  std::vector<int64_t> days;    // date operators: the values as UTC day numbers
  std::vector<double> numbers;  // numeric operators: the values as numbers

  // Whether `value` (nullopt: the attribute is absent) passes.
  bool Test(const std::optional<std::string_view>& value) const;
};

// A profile attribute: "FirstName", "Address.City", "Attributes.<key>", "ProfileType".
struct AttributeTest {
  std::string path;
  Condition condition;
};

// ConditionOverrides.Range: objects from `start` units ago to `end` units ago (positive is past).
struct RangeOverride {
  int64_t start = 0;
  int64_t end = 0;
};

struct CalculatedTest {
  std::string name;  // the calculated attribute definition
  Condition condition;
  std::optional<RangeOverride> range;
};

struct Dimension {
  std::vector<AttributeTest> attributes;  // all must match
  std::vector<CalculatedTest> calculated;
};

struct Group {
  std::vector<Dimension> dimensions;
  Quantifier type = Quantifier::kAll;
  std::vector<std::string> sources;  // SourceSegments' names
  Quantifier source_type = Quantifier::kAny;
};

struct Query {
  std::vector<Group> groups;
  Quantifier include = Quantifier::kAll;
};

// Parses a SegmentGroup / SegmentGroupStructure (already checked against the model's shape).
// BadRequest naming the member: a dimension naming no attribute, an operator its dimension does
// not allow, date or numeric values that are not, BETWEEN without exactly two values.
Result<Query> ParseSegmentGroups(const boost::json::object& groups);

// What a profile's test needs beyond its document.
class SegmentFacts {
 public:
  virtual ~SegmentFacts() = default;
  // The profile's value of the calculated attribute `test.name` (with test.range applied), or
  // nullopt when it has none.
  virtual Result<std::optional<std::string>> Calculated(const CalculatedTest& test) = 0;
  // Whether the profile is a member of the segment definition `name`.
  virtual Result<bool> InSegment(std::string_view name) = 0;
};

// Whether `profile` (the stored document) matches `query`.
Result<bool> Matches(const Query& query, const boost::json::object& profile, SegmentFacts& facts);

// The profile's value at `path` (an AttributeTest path), nullopt when absent or not a string.
std::optional<std::string_view> ProfileValue(const boost::json::object& profile,
                                             std::string_view path);

// The UTC day number (days since 1970-01-01) of a date value, nullopt when it is not one.
std::optional<int64_t> ParseUtcDay(std::string_view text);

// What the query names, for the documented per-segment limits and for reference checks.
std::set<std::string> SourceNames(const Query& query);
std::set<std::string> AttributePaths(const Query& query);
std::set<std::string> CalculatedNames(const Query& query);

}  // namespace profiled::service::segment
