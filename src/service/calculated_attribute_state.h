// File: calculated_attribute_state.h
// The aggregate a calculated attribute keeps per profile, so that a value is read from one small
// document instead of the profile's objects (docs/calculated-attributes.md, "State").
//
// The state is one bucket per UTC day that has contributions (Range windows are whole days, so
// any window, the definition's or an override's, is answered exactly from the buckets). A
// bucket holds what every statistic needs and what can be updated as objects come and go:
// count, numeric count, sum, minimum, maximum, first and last (by time, then unique key), the
// count of each value (MAX_OCCURRENCE only) and, with ObjectCount N, the day's latest N
// contributions. Add and Merge are always exact; Remove is exact unless the removed contribution
// was a bucket's minimum, maximum, first, last or one of its kept latest ones while others
// remain: then it answers false and the caller rebuilds the profile's state from its objects.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "service/calculated_attribute_rules.h"

namespace profiled::service {

// What the state keeps beyond the common members, from the definition.
struct StateShape {
  bool value_counts = false;  // MAX_OCCURRENCE
  size_t keep_latest = 0;     // ObjectCount (0: none)
};
StateShape ShapeOf(const CalcDefinition& def);

struct DayBucket {
  int64_t count = 0;
  int64_t numeric = 0;
  double sum = 0;
  std::optional<double> min, max;
  Contribution first, last;               // meaningful when count > 0
  std::map<std::string, int64_t> values;  // value -> count (MAX_OCCURRENCE)
  std::vector<Contribution> latest;       // ascending by (at, uid), at most keep_latest
};

class CalcState {
 public:
  void Add(const Contribution& c, const StateShape& shape);
  // False when the state can no longer be kept exactly (see the file comment); the state is then
  // unspecified and must be rebuilt.
  bool Remove(const Contribution& c, const StateShape& shape);
  void Merge(const CalcState& other, const StateShape& shape);
  bool Empty() const { return days_.empty(); }
  const std::map<int64_t, DayBucket>& days() const { return days_; }

  boost::json::object ToJson() const;
  // kInternal for a stored state that does not parse.
  static Result<CalcState> FromJson(const boost::json::object& doc);

 private:
  std::map<int64_t, DayBucket> days_;  // UTC day (epoch seconds / 86400, floored) -> bucket
};

// The UTC day of epoch seconds `at`.
int64_t UtcDayOf(double at);

// The definition's value and newest object time as read (the segments read them too).
struct Computed {
  std::optional<std::string> value;
  std::optional<double> last_object_timestamp;
  bool is_data_partial = false;
};

// The value of the definition from its state at `now`: the buckets inside the window (the
// override's, else the definition's Range, else all), the latest ObjectCount contributions among
// them when set, the Statistic over what is kept, and no value when the Threshold does not hold.
// COUNT of nothing is "0"; the other statistics of nothing have no value; SUM, AVERAGE, MINIMUM
// and MAXIMUM need a numeric contribution.
Computed AnswerFromState(const CalcDefinition& def, const CalcState& state, double now,
                         const std::optional<DayWindow>& override_window = std::nullopt);

}  // namespace profiled::service
