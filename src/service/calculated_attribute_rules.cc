// The rules of a calculated attribute definition (calculated_attribute_rules.h).
#include "service/calculated_attribute_rules.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "common/ascii.h"
#include "common/timestamp.h"
#include "service/common.h"
#include "service/profile_object.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// The whole text as a number (no trailing characters), or nullopt.
std::optional<double> AsNumber(std::string_view text) {
  text = TrimSpaces(text);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

Error ExpressionError(std::string_view why) {
  return Error::BadRequest(
      "AttributeDetails.Expression " + std::string(why) +
      ": it must be one {ObjectTypeName.AttributeName} element, or two joined by one of + - * / "
      "(a calculated attribute references at most two fields of one object type)");
}

// "{T.a}" at `pos` of `s`; advances `pos` past it.
Result<ExpressionTerm> ParseTerm(std::string_view s, size_t& pos,
                                 const std::set<std::string>& listed) {
  if (pos >= s.size() || s[pos] != '{') return ExpressionError("is not well formed");
  size_t end = s.find('}', pos);
  if (end == std::string_view::npos) return ExpressionError("has an unclosed '{'");
  std::string element(s.substr(pos + 1, end - pos - 1));
  pos = end + 1;
  size_t dot = element.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == element.size()) {
    return Error::BadRequest("AttributeDetails.Expression element {" + element +
                             "} must be {ObjectTypeName.AttributeName}");
  }
  ExpressionTerm term{element.substr(0, dot), element.substr(dot + 1)};
  if (!listed.count(term.attribute) && !listed.count(element)) {
    return Error::BadRequest("AttributeDetails.Expression names " + element +
                             ", which is not listed in AttributeDetails.Attributes");
  }
  return term;
}

// Conditions.Range; also sets `out`'s timestamp source and format.
Result<DayWindow> ParseRange(const json::object& range, CalcDefinition& out) {
  DayWindow w;
  if (const json::object* vr = GetObject(range, "ValueRange")) {
    w.start = GetInt(*vr, "Start").value_or(0);
    w.end = GetInt(*vr, "End").value_or(0);
  } else if (auto value = GetInt(range, "Value")) {
    w.start = *value;
  } else {
    return Error::BadRequest("Conditions.Range needs Value or ValueRange");
  }
  if (w.start < w.end) {
    return Error::BadRequest(
        "Conditions.Range.ValueRange.Start must not be less than End (both count days back from "
        "today; a window from Start to End would be empty)");
  }
  if (auto unit = GetString(range, "Unit"); unit && *unit != "DAYS") {
    return Error::BadRequest("Conditions.Range.Unit must be DAYS");
  }
  out.timestamp_format = GetStringOr(range, "TimestampFormat", "");
  if (!out.timestamp_format.empty() && out.timestamp_format != "EPOCHMILLI" &&
      out.timestamp_format != "ISO_8601") {
    return Error::BadRequest("Conditions.Range.TimestampFormat must be EPOCHMILLI or ISO_8601");
  }
  if (auto source = GetString(range, "TimestampSource")) {
    std::string_view s = TrimSpaces(*source);
    std::string prefix = "{" + out.object_type + ".";
    if (s.size() <= prefix.size() + 1 || s.substr(0, prefix.size()) != prefix || s.back() != '}') {
      return Error::BadRequest("Conditions.Range.TimestampSource must be {" + out.object_type +
                               ".<path of the timestamp in the object>}");
    }
    out.timestamp_source = std::string(s.substr(prefix.size(), s.size() - prefix.size() - 1));
  } else if (!out.timestamp_format.empty()) {
    return Error::BadRequest("Conditions.Range.TimestampFormat needs a TimestampSource");
  }
  return w;
}

bool IsNumericOp(std::string_view op) {
  return op == "GREATER_THAN" || op == "LESS_THAN" || op == "GREATER_THAN_OR_EQUAL" ||
         op == "LESS_THAN_OR_EQUAL" || op == "EQUAL";
}
bool IsDateOp(std::string_view op) { return op == "BEFORE" || op == "AFTER" || op == "ON"; }
bool IsBetweenOp(std::string_view op) { return op == "BETWEEN" || op == "NOT_BETWEEN"; }

// The values a check's operator needs: numbers, dates, exactly one or two.
Status CheckFilterValues(const FilterCheck& c) {
  std::string where = "Filter dimension attribute " + c.attribute + " (" + c.op + ")";
  if (IsBetweenOp(c.op)) {
    if (c.values.size() != 2) return Error::BadRequest(where + " needs exactly two Values");
    bool numbers = AsNumber(c.values[0]) && AsNumber(c.values[1]);
    bool dates = ParseIso8601(TrimSpaces(c.values[0])) && ParseIso8601(TrimSpaces(c.values[1]));
    if (!numbers && !dates) {
      return Error::BadRequest(where + " needs two numbers or two ISO 8601 dates");
    }
  }
  if (IsNumericOp(c.op)) {
    if (c.values.size() != 1 || !AsNumber(c.values[0])) {
      return Error::BadRequest(where + " needs exactly one numeric value");
    }
  }
  if (IsDateOp(c.op)) {
    if (c.op != "ON" && c.values.size() != 1) {
      return Error::BadRequest(where + " needs exactly one date");
    }
    for (const std::string& v : c.values) {
      if (!ParseIso8601(TrimSpaces(v))) {
        return Error::BadRequest(where + " value " + v + " is not an ISO 8601 date");
      }
    }
  }
  return OkStatus();
}

Result<CalcFilter> ParseFilter(const json::object& filter) {
  CalcFilter out;
  out.include = GetStringOr(filter, "Include", "ALL");
  if (const json::array* groups = GetArray(filter, "Groups")) {
    for (const json::value& g : *groups) {
      if (!g.is_object()) continue;
      FilterGroup group;
      group.type = GetStringOr(g.as_object(), "Type", "ALL");
      if (const json::array* dims = GetArray(g.as_object(), "Dimensions")) {
        for (const json::value& d : *dims) {
          const json::object* attributes =
              d.is_object() ? GetObject(d.as_object(), "Attributes") : nullptr;
          if (!attributes || attributes->empty()) {
            return Error::BadRequest("Filter dimension needs at least one attribute");
          }
          std::vector<FilterCheck> checks;
          for (const auto& [name, dim] : *attributes) {
            if (!dim.is_object()) continue;
            FilterCheck c{std::string(name), GetStringOr(dim.as_object(), "DimensionType", ""), {}};
            if (const json::array* values = GetArray(dim.as_object(), "Values")) {
              for (const json::value& v : *values) {
                if (v.is_string()) c.values.emplace_back(v.get_string());
              }
            }
            RETURN_IF_ERROR(CheckFilterValues(c));
            checks.push_back(std::move(c));
          }
          group.dimensions.push_back(std::move(checks));
        }
      }
      out.groups.push_back(std::move(group));
    }
  }
  return out;
}

// ALL, ANY or NONE over `n` verdicts given by `holds(i)`.
template <typename Holds>
bool Combine(std::string_view type, size_t n, Holds&& holds) {
  for (size_t i = 0; i < n; ++i) {
    bool h = holds(i);
    if (type == "ALL" && !h) return false;
    if (type == "ANY" && h) return true;
    if (type == "NONE" && h) return false;
  }
  return type != "ANY";
}

std::optional<int64_t> UtcDay(std::string_view text) {
  auto t = ParseIso8601(TrimSpaces(text));
  if (!t) return std::nullopt;
  return static_cast<int64_t>(std::floor(*t / 86400));
}

}  // namespace

std::string FormatNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

Result<CalcExpression> ParseCalcExpression(const json::object& details) {
  std::set<std::string> listed;
  size_t attribute_count = 0;
  if (const json::array* attributes = GetArray(details, "Attributes")) {
    for (const auto& a : *attributes) {
      if (const json::object* item = a.if_object()) {
        listed.insert(GetStringOr(*item, "Name", ""));
        ++attribute_count;
      }
    }
  }
  if (attribute_count > kMaxCalcAttributes) {
    return Error::BadRequest("AttributeDetails.Attributes lists " +
                             std::to_string(attribute_count) +
                             " attributes; a calculated attribute references at most 2 fields");
  }
  std::string text = GetStringOr(details, "Expression", "");
  std::string_view s = TrimSpaces(text);
  CalcExpression out;
  size_t pos = 0;
  ASSIGN_OR_RETURN(ExpressionTerm first, ParseTerm(s, pos, listed));
  out.terms.push_back(std::move(first));
  while (pos < s.size() && s[pos] == ' ') ++pos;
  if (pos < s.size()) {
    char op = s[pos];
    if (op != '+' && op != '-' && op != '*' && op != '/') {
      return ExpressionError("has '" + std::string(1, op) + "' where an operator should be");
    }
    out.op = op;
    ++pos;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    ASSIGN_OR_RETURN(ExpressionTerm second, ParseTerm(s, pos, listed));
    if (second.object_type != out.terms.front().object_type) {
      return Error::BadRequest(
          "AttributeDetails.Expression must name attributes of one object type, not " +
          out.terms.front().object_type + " and " + second.object_type);
    }
    out.terms.push_back(std::move(second));
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (pos < s.size()) return ExpressionError("has more than two elements");
  }
  return out;
}

Result<CalcDefinition> ParseCalcDefinition(const json::object& doc) {
  const json::object* details = GetObject(doc, "AttributeDetails");
  if (!details) return Error::BadRequest("AttributeDetails is required");
  CalcDefinition out;
  ASSIGN_OR_RETURN(CalcExpression expression, ParseCalcExpression(*details));
  out.terms = std::move(expression.terms);
  out.op = expression.op;
  out.object_type = out.terms.front().object_type;
  out.statistic = GetStringOr(doc, "Statistic", "");
  out.use_historical_data = GetBool(doc, "UseHistoricalData").value_or(false);
  if (auto at = doc.find("CreatedAt"); at != doc.end() && at->value().is_number()) {
    out.created_at = at->value().to_number<double>();
  }
  if (const json::object* conditions = GetObject(doc, "Conditions")) {
    if (const json::object* range = GetObject(*conditions, "Range")) {
      ASSIGN_OR_RETURN(out.window, ParseRange(*range, out));
    }
    out.object_count = GetInt(*conditions, "ObjectCount");
    if (out.object_count && (*out.object_count < 1 || *out.object_count > kMaxCalcObjectCount)) {
      return Error::BadRequest("Conditions.ObjectCount must be between 1 and 100");
    }
    if (const json::object* threshold = GetObject(*conditions, "Threshold")) {
      out.threshold_value = GetStringOr(*threshold, "Value", "");
      out.threshold_op = GetStringOr(*threshold, "Operator", "EQUAL_TO");
    }
  }
  if (const json::object* filter = GetObject(doc, "Filter")) {
    ASSIGN_OR_RETURN(out.filter, ParseFilter(*filter));
  }
  return out;
}

Result<DayWindow> ParseRangeOverride(const json::object& range) {
  if (auto unit = GetString(range, "Unit"); unit && *unit != "DAYS") {
    return Error::BadRequest("ConditionOverrides.Range.Unit must be DAYS");
  }
  DayWindow w{GetInt(range, "Start").value_or(0), GetInt(range, "End").value_or(0)};
  if (w.start < w.end) {
    return Error::BadRequest(
        "ConditionOverrides.Range.Start must not be less than End (both count days back from "
        "today)");
  }
  return w;
}

std::optional<std::string> CalcAttributeValue(const json::object& type, const json::object& object,
                                              std::string_view name) {
  if (const json::object* fields = GetObject(type, "Fields")) {
    if (const json::object* field = GetObject(*fields, name)) {
      if (auto source = GetString(*field, "Source")) return EvaluateSource(*source, object);
    }
  }
  return EvaluateSource("_source." + std::string(name), object);
}

std::optional<double> ParseObjectTimestamp(std::string_view text, std::string_view format) {
  text = TrimSpaces(text);
  if (format != "ISO_8601") {
    if (auto n = AsNumber(text)) return std::fabs(*n) >= 1e11 ? *n / 1000 : *n;
    if (format == "EPOCHMILLI") return std::nullopt;
  }
  return ParseIso8601(text);
}

bool FilterCheckHolds(const FilterCheck& c, const std::optional<std::string>& value) {
  if (!value) return false;  // an object without the attribute matches no check
  const std::string& v = *value;
  auto any = [&](auto&& pred) {
    for (const std::string& x : c.values) {
      if (pred(x)) return true;
    }
    return false;
  };
  if (c.op == "INCLUSIVE") return any([&](const std::string& x) { return v == x; });
  if (c.op == "EXCLUSIVE") return !any([&](const std::string& x) { return v == x; });
  if (c.op == "CONTAINS") {
    return any([&](const std::string& x) { return v.find(x) != std::string::npos; });
  }
  if (c.op == "BEGINS_WITH") return any([&](const std::string& x) { return v.starts_with(x); });
  if (c.op == "ENDS_WITH") return any([&](const std::string& x) { return v.ends_with(x); });
  if (IsNumericOp(c.op)) {
    auto n = AsNumber(v);
    auto bound = c.values.empty() ? std::nullopt : AsNumber(c.values[0]);
    if (!n || !bound) return false;
    if (c.op == "GREATER_THAN") return *n > *bound;
    if (c.op == "LESS_THAN") return *n < *bound;
    if (c.op == "GREATER_THAN_OR_EQUAL") return *n >= *bound;
    if (c.op == "LESS_THAN_OR_EQUAL") return *n <= *bound;
    return *n == *bound;
  }
  if (IsDateOp(c.op)) {
    auto day = UtcDay(v);
    if (!day) return false;
    return any([&](const std::string& x) {
      auto bound = UtcDay(x);
      if (!bound) return false;
      if (c.op == "BEFORE") return *day < *bound;
      if (c.op == "AFTER") return *day > *bound;
      return *day == *bound;
    });
  }
  if (IsBetweenOp(c.op)) {
    if (c.values.size() != 2) return false;
    bool inside = false;
    if (auto lo = AsNumber(c.values[0]), hi = AsNumber(c.values[1]); lo && hi) {
      auto n = AsNumber(v);
      if (!n) return false;
      inside = *n >= *lo && *n <= *hi;
    } else {
      auto day = UtcDay(v), from = UtcDay(c.values[0]), to = UtcDay(c.values[1]);
      if (!day || !from || !to) return false;
      inside = *day >= *from && *day <= *to;
    }
    return c.op == "BETWEEN" ? inside : !inside;
  }
  return false;
}

bool FilterKeeps(const CalcFilter& filter, const json::object& type, const json::object& object) {
  return Combine(filter.include, filter.groups.size(), [&](size_t g) {
    const FilterGroup& group = filter.groups[g];
    return Combine(group.type, group.dimensions.size(), [&](size_t d) {
      for (const FilterCheck& c : group.dimensions[d]) {
        if (!FilterCheckHolds(c, CalcAttributeValue(type, object, c.attribute))) return false;
      }
      return true;
    });
  });
}

std::optional<Contribution> ContributionOf(const CalcDefinition& def, const json::object& type,
                                           const json::object& record) {
  auto number_of = [&](std::string_view key) -> double {
    auto it = record.find(key);
    return it != record.end() && it->value().is_number() ? it->value().to_number<double>() : 0;
  };
  double ingested = number_of("UpdatedAt");
  if (!def.use_historical_data && ingested < def.created_at) return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(GetStringOr(record, "Object", ""), ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::object& object = parsed.as_object();
  if (def.filter && !FilterKeeps(*def.filter, type, object)) return std::nullopt;

  Contribution c;
  c.uid = GetStringOr(record, "ProfileObjectUniqueKey", "");
  c.at = ingested;
  if (!def.timestamp_source.empty()) {
    auto text = EvaluateSource("_source." + def.timestamp_source, object);
    auto at = text ? ParseObjectTimestamp(*text, def.timestamp_format) : std::nullopt;
    if (!at) return std::nullopt;
    c.at = *at;
  }
  auto first = CalcAttributeValue(type, object, def.terms[0].attribute);
  if (!first) return std::nullopt;
  if (def.terms.size() == 1) {
    c.text = *first;
    c.number = AsNumber(*first);
    return c;
  }
  auto second = CalcAttributeValue(type, object, def.terms[1].attribute);
  auto a = AsNumber(*first);
  auto b = second ? AsNumber(*second) : std::nullopt;
  if (!a || !b || (def.op == '/' && *b == 0)) return std::nullopt;
  switch (def.op) {
    case '+':
      c.number = *a + *b;
      break;
    case '-':
      c.number = *a - *b;
      break;
    case '*':
      c.number = *a * *b;
      break;
    default:
      c.number = *a / *b;
      break;
  }
  c.text = FormatNumber(*c.number);
  return c;
}

bool ThresholdHolds(const CalcDefinition& def, std::string_view value) {
  if (!def.threshold_value) return true;
  int cmp = 0;
  auto a = AsNumber(value), b = AsNumber(*def.threshold_value);
  if (a && b) {
    cmp = *a < *b ? -1 : (*a > *b ? 1 : 0);
  } else {
    int c = value.compare(*def.threshold_value);
    cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (def.threshold_op == "GREATER_THAN") return cmp > 0;
  if (def.threshold_op == "LESS_THAN") return cmp < 0;
  if (def.threshold_op == "NOT_EQUAL_TO") return cmp != 0;
  return cmp == 0;
}

}  // namespace profiled::service
