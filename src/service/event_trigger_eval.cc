#include "service/event_trigger_eval.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <optional>

#include "service/common.h"
#include "service/event_outbox.h"
#include "service/object_type.h"
#include "service/profile_object.h"
#include "service/resource_crud.h"
#include "service/segment_eval.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// How many invocation times a profile keeps per trigger: the model caps MaxInvocationsPerProfile
// at 1000, so no period can need more.
constexpr size_t kMaxKeptInvocations = 1000;

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

int Digits(std::string_view s, size_t pos, size_t n, bool* ok) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') {
      *ok = false;
      return 0;
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// ISO 8601 "YYYY-MM-DD", optionally "THH:MM[:SS[.fff]]" and "Z" (UTC is assumed): epoch seconds.
std::optional<double> ParseDate(std::string_view s) {
  using namespace std::chrono;
  bool ok = true;
  int y = Digits(s, 0, 4, &ok), mo = Digits(s, 5, 2, &ok), d = Digits(s, 8, 2, &ok);
  if (!ok || s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  double seconds = static_cast<double>(sys_days(ymd).time_since_epoch().count()) * 86400;
  std::string_view rest = s.substr(10);
  if (rest.empty()) return seconds;
  if (rest[0] != 'T' && rest[0] != ' ') return std::nullopt;
  int h = Digits(rest, 1, 2, &ok), mi = Digits(rest, 4, 2, &ok);
  if (!ok || rest.size() < 6 || rest[3] != ':' || h > 23 || mi > 59) return std::nullopt;
  seconds += h * 3600 + mi * 60;
  rest = rest.substr(6);
  if (!rest.empty() && rest[0] == ':') {
    int sec = Digits(rest, 1, 2, &ok);
    if (!ok || sec > 59) return std::nullopt;
    seconds += sec;
    rest = rest.substr(3);
    if (!rest.empty() && rest[0] == '.') {
      size_t n = 1;
      while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
      rest = rest.substr(n);
    }
  }
  if (rest.empty() || rest == "Z") return seconds;
  return std::nullopt;
}

std::optional<std::string> AttributeValue(const json::object& attribute,
                                          const json::object& object_type,
                                          const json::object& object) {
  if (auto field = GetString(attribute, "FieldName")) {
    const json::object* fields = GetObject(object_type, "Fields");
    const json::object* def = fields != nullptr ? GetObject(*fields, *field) : nullptr;
    if (def == nullptr) return std::nullopt;
    return EvaluateSource(GetStringOr(*def, "Source", ""), object);
  }
  std::string source = GetStringOr(attribute, "Source", "");
  if (source.empty()) return std::nullopt;
  if (!source.starts_with("_source.") && !source.starts_with("{{")) {
    source = "_source." + source;
  }
  return EvaluateSource(source, object);
}

bool Compare(std::string_view op, const std::string& value,
             const std::vector<std::string>& values) {
  auto any = [&](auto pred) { return std::any_of(values.begin(), values.end(), pred); };
  if (op == "INCLUSIVE") return any([&](const std::string& v) { return value == v; });
  if (op == "EXCLUSIVE") return !any([&](const std::string& v) { return value == v; });
  if (op == "CONTAINS") {
    return any([&](const std::string& v) { return value.find(v) != std::string::npos; });
  }
  if (op == "BEGINS_WITH") return any([&](const std::string& v) { return value.starts_with(v); });
  if (op == "ENDS_WITH") return any([&](const std::string& v) { return value.ends_with(v); });
  if (values.empty()) return false;
  const bool dates = op == "BEFORE" || op == "AFTER" || op == "ON";
  auto parse = [&](std::string_view s) -> std::optional<double> {
    if (dates) return ParseDate(s);
    if (op == "BETWEEN" || op == "NOT_BETWEEN") {
      auto n = ParseNumber(s);
      return n ? n : ParseDate(s);
    }
    return ParseNumber(s);
  };
  auto x = parse(value), a = parse(values[0]);
  if (!x || !a) return false;
  if (op == "EQUAL") return *x == *a;
  if (op == "GREATER_THAN") return *x > *a;
  if (op == "LESS_THAN") return *x < *a;
  if (op == "GREATER_THAN_OR_EQUAL") return *x >= *a;
  if (op == "LESS_THAN_OR_EQUAL") return *x <= *a;
  if (op == "BEFORE") return *x < *a;
  if (op == "AFTER") return *x > *a;
  if (op == "ON") return std::floor(*x / 86400) == std::floor(*a / 86400);
  if (values.size() < 2) return false;
  auto b = parse(values[1]);
  if (!b) return false;
  bool inside = *a <= *x && *x <= *b;
  if (op == "BETWEEN") return inside;
  if (op == "NOT_BETWEEN") return !inside;
  return false;
}

bool AttributeHolds(const json::object& attribute, const json::object& object_type,
                    const json::object& object) {
  auto value = AttributeValue(attribute, object_type, object);
  if (!value) return false;
  std::vector<std::string> values;
  if (const json::array* list = GetArray(attribute, "Values")) {
    for (const json::value& v : *list) {
      if (v.is_string()) values.emplace_back(v.get_string());
    }
  }
  return Compare(GetStringOr(attribute, "ComparisonOperator", ""), *value, values);
}

bool DimensionHolds(const json::object& dimension, const json::object& object_type,
                    const json::object& object) {
  const json::array* attributes = GetArray(dimension, "ObjectAttributes");
  if (attributes == nullptr) return false;
  for (const json::value& a : *attributes) {
    if (!a.is_object() || !AttributeHolds(a.get_object(), object_type, object)) return false;
  }
  return true;
}

bool ConditionHolds(const json::object& condition, const json::object& object_type,
                    const json::object& object) {
  const json::array* dimensions = GetArray(condition, "EventTriggerDimensions");
  if (dimensions == nullptr) return false;
  size_t held = 0;
  for (const json::value& d : *dimensions) {
    if (d.is_object() && DimensionHolds(d.get_object(), object_type, object)) ++held;
  }
  std::string op = GetStringOr(condition, "LogicalOperator", "ALL");
  if (op == "ANY") return held > 0;
  if (op == "NONE") return held == 0;
  return held == dimensions->size();
}

int64_t PeriodMillis(const json::object& period) {
  std::string unit = GetStringOr(period, "Unit", "DAYS");
  int64_t value = GetInt(period, "Value").value_or(1);
  int64_t hour = 3600 * 1000;
  if (unit == "HOURS") return value * hour;
  if (unit == "WEEKS") return value * 7 * 24 * hour;
  if (unit == "MONTHS") return value * 30 * 24 * hour;  // a month is 30 days (docs/events.md)
  return value * 24 * hour;
}

}  // namespace

Status CheckTriggerConditions(const json::object& trigger, const json::object& object_type) {
  const json::array* conditions = GetArray(trigger, "EventTriggerConditions");
  const json::object* fields = GetObject(object_type, "Fields");
  for (size_t c = 0; conditions != nullptr && c < conditions->size(); ++c) {
    const json::value& condition = (*conditions)[c];
    const json::array* dimensions = condition.is_object()
                                        ? GetArray(condition.get_object(), "EventTriggerDimensions")
                                        : nullptr;
    for (size_t d = 0; dimensions != nullptr && d < dimensions->size(); ++d) {
      const json::value& dimension = (*dimensions)[d];
      const json::array* attributes =
          dimension.is_object() ? GetArray(dimension.get_object(), "ObjectAttributes") : nullptr;
      for (size_t a = 0; attributes != nullptr && a < attributes->size(); ++a) {
        if (!(*attributes)[a].is_object()) continue;
        const json::object& attribute = (*attributes)[a].get_object();
        const std::string where = "EventTriggerConditions[" + std::to_string(c) +
                                  "].EventTriggerDimensions[" + std::to_string(d) +
                                  "].ObjectAttributes[" + std::to_string(a) + "]";
        auto source = GetString(attribute, "Source");
        auto field = GetString(attribute, "FieldName");
        if (source.has_value() == field.has_value()) {
          return Error::BadRequest(where + " must name exactly one of Source and FieldName");
        }
        if (field && (fields == nullptr || GetObject(*fields, *field) == nullptr)) {
          return Error::BadRequest(where + ".FieldName " + std::string(*field) +
                                   " is not a field of object type " +
                                   GetStringOr(object_type, "ObjectTypeName", ""));
        }
        std::vector<std::string> values;
        if (const json::array* list = GetArray(attribute, "Values")) {
          for (const json::value& v : *list) {
            if (v.is_string()) values.emplace_back(v.get_string());
          }
        }
        const std::string op = GetStringOr(attribute, "ComparisonOperator", "");
        auto number = [](const std::string& v) { return ParseNumber(v).has_value(); };
        auto date = [](const std::string& v) { return ParseDate(v).has_value(); };
        if (op == "BETWEEN" || op == "NOT_BETWEEN") {
          if (values.size() != 2 ||
              !((number(values[0]) && number(values[1])) || (date(values[0]) && date(values[1])))) {
            return Error::BadRequest(where + ": " + op +
                                     " needs two Values, both numbers or both ISO 8601 dates");
          }
        } else if (op == "BEFORE" || op == "AFTER" || op == "ON") {
          if (values.empty() || !date(values[0])) {
            return Error::BadRequest(where + ": " + op + " needs an ISO 8601 date in Values");
          }
        } else if (op == "EQUAL" || op.starts_with("GREATER_THAN") || op.starts_with("LESS_THAN")) {
          if (values.empty() || !number(values[0])) {
            return Error::BadRequest(where + ": " + op + " needs a number in Values");
          }
        }
      }
    }
  }
  return OkStatus();
}

bool TriggerConditionsHold(const json::object& trigger, const json::object& object_type,
                           const json::object& object) {
  const json::array* conditions = GetArray(trigger, "EventTriggerConditions");
  if (conditions == nullptr) return false;
  for (const json::value& c : *conditions) {
    if (c.is_object() && ConditionHolds(c.get_object(), object_type, object)) return true;
  }
  return false;
}

bool PeriodAllows(const json::object& period, const std::vector<int64_t>& times, int64_t now_ms) {
  if (GetBool(period, "Unlimited").value_or(false)) return true;
  auto max = GetInt(period, "MaxInvocationsPerProfile");
  if (!max) return true;
  int64_t since = now_ms - PeriodMillis(period);
  int64_t recent = std::count_if(times.begin(), times.end(), [&](int64_t t) { return t > since; });
  return recent < *max;
}

Result<std::vector<FiredTrigger>> EvaluateTriggers(store::Txn& txn, store::Scope scope,
                                                   std::string_view type_name,
                                                   const json::value& object,
                                                   const json::object* profile,
                                                   std::string_view profile_id, int64_t now_ms) {
  std::vector<FiredTrigger> fired;
  if (!object.is_object()) return fired;
  std::optional<json::object> object_type;
  RETURN_IF_ERROR(ForEachDocument(
      txn, scope, kEventTriggerKind, "", "", [&](const store::Document& doc) -> Status {
        ASSIGN_OR_RETURN(json::object trigger, ParseStored(doc.body));
        if (GetStringOr(trigger, "ObjectTypeName", "") != type_name) return OkStatus();
        if (!object_type) {
          ASSIGN_OR_RETURN(auto body, txn.Get(scope, kObjectTypeKind, type_name));
          object_type = json::object();
          if (body) {
            ASSIGN_OR_RETURN(*object_type, ParseStored(*body));
          }
        }
        if (!TriggerConditionsHold(trigger, *object_type, object.get_object())) {
          return OkStatus();
        }
        if (auto segment = GetString(trigger, "SegmentFilter")) {
          // The profile as this change leaves it (segment_eval.h); without one, no membership.
          if (profile == nullptr) return OkStatus();
          RequestContext ctx{std::string(scope.account), "", ""};
          SegmentEvaluator segments(txn, ctx, std::string(scope.domain),
                                    static_cast<double>(now_ms) / 1000);
          ASSIGN_OR_RETURN(const segment::Query* query, segments.Definition(*segment));
          ASSIGN_OR_RETURN(bool member, segments.Matches(*query, *profile));
          if (!member) return OkStatus();
        }
        const json::object* limits = GetObject(trigger, "EventTriggerLimits");
        const json::array* periods = limits != nullptr ? GetArray(*limits, "Periods") : nullptr;
        const std::string key = doc.id + "/" + std::string(profile_id);
        ASSIGN_OR_RETURN(auto stored, txn.GetForUpdate(scope, kTriggerInvocationsKind, key));
        std::vector<int64_t> times;
        if (stored) {
          ASSIGN_OR_RETURN(json::object inv, ParseStored(*stored));
          if (const json::array* t = GetArray(inv, "Times")) {
            for (const json::value& v : *t) {
              if (v.is_int64()) times.push_back(v.get_int64());
            }
          }
        }
        if (periods != nullptr) {
          for (const json::value& p : *periods) {
            if (p.is_object() && !PeriodAllows(p.get_object(), times, now_ms)) return OkStatus();
          }
        }
        times.push_back(now_ms);
        std::sort(times.begin(), times.end());
        if (times.size() > kMaxKeptInvocations) {
          times.erase(times.begin(), times.end() - kMaxKeptInvocations);
        }
        json::object inv;
        json::array list;
        for (int64_t t : times) list.push_back(t);
        inv["Times"] = std::move(list);
        RETURN_IF_ERROR(txn.Put(scope, kTriggerInvocationsKind, key, Serialize(inv)));
        fired.push_back({doc.id, limits ? GetInt(*limits, "EventExpiration").value_or(0) : 0});
        return OkStatus();
      }));
  return fired;
}

}  // namespace profiled::service
