// The per-profile aggregate of a calculated attribute (calculated_attribute_state.h).
#include "service/calculated_attribute_state.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cmath>
#include <string>

#include "service/common.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// Contributions are ordered by time, then by unique key (so ties are decided the same way on
// every store and after every rebuild).
bool Before(const Contribution& a, const Contribution& b) {
  return a.at < b.at || (a.at == b.at && a.uid < b.uid);
}
bool SameObject(const Contribution& a, const Contribution& b) {
  return a.at == b.at && a.uid == b.uid;
}

void AddTo(DayBucket& b, const Contribution& c, const StateShape& shape) {
  if (b.count == 0 || Before(c, b.first)) b.first = c;
  if (b.count == 0 || Before(b.last, c)) b.last = c;
  ++b.count;
  if (c.number) {
    ++b.numeric;
    b.sum += *c.number;
    b.min = b.min ? std::min(*b.min, *c.number) : *c.number;
    b.max = b.max ? std::max(*b.max, *c.number) : *c.number;
  }
  if (shape.value_counts) ++b.values[c.text];
  if (shape.keep_latest > 0) {
    auto at = std::upper_bound(b.latest.begin(), b.latest.end(), c, Before);
    b.latest.insert(at, c);
    if (b.latest.size() > shape.keep_latest) b.latest.erase(b.latest.begin());
  }
}

void MergeInto(DayBucket& into, const DayBucket& from, const StateShape& shape) {
  if (from.count == 0) return;
  if (into.count == 0) {
    into = from;
    return;
  }
  if (Before(from.first, into.first)) into.first = from.first;
  if (Before(into.last, from.last)) into.last = from.last;
  into.count += from.count;
  into.numeric += from.numeric;
  into.sum += from.sum;
  if (from.min) into.min = into.min ? std::min(*into.min, *from.min) : *from.min;
  if (from.max) into.max = into.max ? std::max(*into.max, *from.max) : *from.max;
  for (const auto& [value, n] : from.values) into.values[value] += n;
  if (shape.keep_latest > 0) {
    std::vector<Contribution> all = into.latest;
    all.insert(all.end(), from.latest.begin(), from.latest.end());
    std::sort(all.begin(), all.end(), Before);
    if (all.size() > shape.keep_latest) all.erase(all.begin(), all.end() - shape.keep_latest);
    into.latest = std::move(all);
  }
}

json::array ContributionJson(const Contribution& c) {
  json::array a;
  a.emplace_back(c.at);
  a.emplace_back(c.uid);
  a.emplace_back(c.text);
  if (c.number) {
    a.emplace_back(*c.number);
  } else {
    a.emplace_back(nullptr);
  }
  return a;
}

std::optional<Contribution> ContributionFromJson(const json::value& v) {
  const json::array* a = v.if_array();
  if (!a || a->size() != 4 || !(*a)[0].is_number() || !(*a)[1].is_string() ||
      !(*a)[2].is_string()) {
    return std::nullopt;
  }
  Contribution c;
  c.at = (*a)[0].to_number<double>();
  c.uid = std::string((*a)[1].get_string());
  c.text = std::string((*a)[2].get_string());
  if ((*a)[3].is_number()) c.number = (*a)[3].to_number<double>();
  return c;
}

// The statistic of everything in `b`.
std::optional<std::string> Statistic(std::string_view statistic, const DayBucket& b) {
  if (statistic == "COUNT") return std::to_string(b.count);
  if (b.count == 0) return std::nullopt;
  if (statistic == "FIRST_OCCURRENCE") return b.first.text;
  if (statistic == "LAST_OCCURRENCE") return b.last.text;
  if (statistic == "MAX_OCCURRENCE") {
    const std::pair<const std::string, int64_t>* best = nullptr;
    for (const auto& entry : b.values) {
      if (!best || entry.second > best->second) best = &entry;  // a tie keeps the smaller value
    }
    if (!best) return std::nullopt;
    return best->first;
  }
  if (b.numeric == 0) return std::nullopt;
  if (statistic == "SUM") return FormatNumber(b.sum);
  if (statistic == "AVERAGE") return FormatNumber(b.sum / static_cast<double>(b.numeric));
  if (statistic == "MINIMUM") return FormatNumber(*b.min);
  if (statistic == "MAXIMUM") return FormatNumber(*b.max);
  return std::nullopt;
}

}  // namespace

StateShape ShapeOf(const CalcDefinition& def) {
  StateShape s;
  s.value_counts = def.statistic == "MAX_OCCURRENCE";
  s.keep_latest = def.object_count ? static_cast<size_t>(*def.object_count) : 0;
  return s;
}

int64_t UtcDayOf(double at) { return static_cast<int64_t>(std::floor(at / 86400)); }

void CalcState::Add(const Contribution& c, const StateShape& shape) {
  AddTo(days_[UtcDayOf(c.at)], c, shape);
}

bool CalcState::Remove(const Contribution& c, const StateShape& shape) {
  auto it = days_.find(UtcDayOf(c.at));
  if (it == days_.end()) return false;
  DayBucket& b = it->second;
  if (--b.count <= 0) {
    days_.erase(it);
    return true;
  }
  if (c.number) {
    --b.numeric;
    b.sum -= *c.number;
    if (b.numeric == 0) {
      b.min.reset();
      b.max.reset();
      b.sum = 0;
    } else if (*c.number == b.min || *c.number == b.max) {
      return false;
    }
  }
  if (SameObject(c, b.first) || SameObject(c, b.last)) return false;
  if (shape.value_counts) {
    auto v = b.values.find(c.text);
    if (v != b.values.end() && --v->second <= 0) b.values.erase(v);
  }
  if (shape.keep_latest > 0) {
    auto kept = std::find_if(b.latest.begin(), b.latest.end(),
                             [&](const Contribution& k) { return SameObject(k, c); });
    if (kept != b.latest.end()) {
      b.latest.erase(kept);
      // An older contribution of the day that was not kept would now be among the latest.
      if (static_cast<size_t>(b.count) > b.latest.size()) return false;
    }
  }
  return true;
}

void CalcState::Merge(const CalcState& other, const StateShape& shape) {
  for (const auto& [day, bucket] : other.days_) MergeInto(days_[day], bucket, shape);
}

json::object CalcState::ToJson() const {
  json::object days;
  for (const auto& [day, b] : days_) {
    json::object o;
    o["n"] = b.count;
    o["k"] = b.numeric;
    o["s"] = b.sum;
    if (b.min) o["lo"] = *b.min;
    if (b.max) o["hi"] = *b.max;
    o["f"] = ContributionJson(b.first);
    o["l"] = ContributionJson(b.last);
    if (!b.values.empty()) {
      json::object values;
      for (const auto& [value, n] : b.values) values[value] = n;
      o["m"] = std::move(values);
    }
    if (!b.latest.empty()) {
      json::array latest;
      for (const Contribution& c : b.latest) latest.push_back(ContributionJson(c));
      o["e"] = std::move(latest);
    }
    days[std::to_string(day)] = std::move(o);
  }
  json::object doc;
  doc["v"] = 1;
  doc["d"] = std::move(days);
  return doc;
}

Result<CalcState> CalcState::FromJson(const json::object& doc) {
  CalcState state;
  const json::object* days = GetObject(doc, "d");
  if (!days) return Error::Internal("stored calculated attribute state has no days");
  for (const auto& [key, value] : *days) {
    const json::object* o = value.if_object();
    std::optional<Contribution> f, l;
    if (o && o->contains("f")) f = ContributionFromJson(o->at("f"));
    if (o && o->contains("l")) l = ContributionFromJson(o->at("l"));
    if (!f || !l) return Error::Internal("stored calculated attribute state is corrupt");
    DayBucket b;
    b.count = static_cast<int64_t>(GetNumberOr(*o, "n", 0));
    b.numeric = static_cast<int64_t>(GetNumberOr(*o, "k", 0));
    b.sum = GetNumberOr(*o, "s", 0);
    if (o->contains("lo")) b.min = GetNumberOr(*o, "lo", 0);
    if (o->contains("hi")) b.max = GetNumberOr(*o, "hi", 0);
    b.first = std::move(*f);
    b.last = std::move(*l);
    if (const json::object* values = GetObject(*o, "m")) {
      for (const auto& [v, n] : *values) {
        if (n.is_number()) b.values[std::string(v)] = n.to_number<int64_t>();
      }
    }
    if (const json::array* latest = GetArray(*o, "e")) {
      for (const json::value& e : *latest) {
        if (auto c = ContributionFromJson(e)) b.latest.push_back(std::move(*c));
      }
    }
    state.days_[std::strtoll(std::string(key).c_str(), nullptr, 10)] = std::move(b);
  }
  return state;
}

Computed AnswerFromState(const CalcDefinition& def, const CalcState& state, double now,
                         const std::optional<DayWindow>& override_window) {
  StateShape shape = ShapeOf(def);
  std::optional<DayWindow> window = override_window ? override_window : def.window;
  int64_t today = UtcDayOf(now);
  auto inside = [&](int64_t day) {
    return !window || (day >= today - window->start && day <= today - window->end);
  };
  DayBucket all;
  if (shape.keep_latest > 0) {
    // The latest ObjectCount contributions of the window: each day keeps its latest N, so
    // walking the days newest first and taking N is exact.
    std::vector<Contribution> picked;
    for (auto it = state.days().rbegin(); it != state.days().rend(); ++it) {
      if (!inside(it->first)) continue;
      const auto& latest = it->second.latest;
      for (auto c = latest.rbegin(); c != latest.rend() && picked.size() < shape.keep_latest; ++c) {
        picked.push_back(*c);
      }
      if (picked.size() >= shape.keep_latest) break;
    }
    StateShape counting{true, 0};
    for (const Contribution& c : picked) AddTo(all, c, counting);
  } else {
    for (const auto& [day, bucket] : state.days()) {
      if (inside(day)) MergeInto(all, bucket, shape);
    }
  }
  Computed out;
  out.value = Statistic(def.statistic, all);
  if (all.count > 0) out.last_object_timestamp = all.last.at;
  if (out.value && !ThresholdHolds(def, *out.value)) out.value.reset();
  return out;
}

}  // namespace profiled::service
