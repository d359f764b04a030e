#include "service/segment_query.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "service/common.h"

namespace profiled::service::segment {
namespace json = boost::json;
namespace {

constexpr std::array<std::pair<std::string_view, Op>, 15> kOps = {{
    {"INCLUSIVE", Op::kInclusive},
    {"EXCLUSIVE", Op::kExclusive},
    {"CONTAINS", Op::kContains},
    {"BEGINS_WITH", Op::kBeginsWith},
    {"ENDS_WITH", Op::kEndsWith},
    {"BEFORE", Op::kBefore},
    {"AFTER", Op::kAfter},
    {"BETWEEN", Op::kBetween},
    {"NOT_BETWEEN", Op::kNotBetween},
    {"ON", Op::kOn},
    {"GREATER_THAN", Op::kGreaterThan},
    {"LESS_THAN", Op::kLessThan},
    {"GREATER_THAN_OR_EQUAL", Op::kGreaterThanOrEqual},
    {"LESS_THAN_OR_EQUAL", Op::kLessThanOrEqual},
    {"EQUAL", Op::kEqual},
}};

bool IsDateOp(Op op) {
  return op == Op::kBefore || op == Op::kAfter || op == Op::kBetween || op == Op::kNotBetween ||
         op == Op::kOn;
}
bool IsNumericOp(Op op) {
  return op == Op::kGreaterThan || op == Op::kLessThan || op == Op::kGreaterThanOrEqual ||
         op == Op::kLessThanOrEqual || op == Op::kEqual;
}

std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  // strtod also reads hex and "inf"/"nan"; only decimal numbers are numbers here.
  if (s.find_first_of("xXnN") != std::string::npos) return std::nullopt;
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Reads exactly `n` digits at `pos`.
std::optional<int> Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

Result<Op> ParseOp(std::string_view name, std::string_view where) {
  for (const auto& [n, op] : kOps) {
    if (n == name) return op;
  }
  return Error::BadRequest(std::string(where) + ".DimensionType " + std::string(name) +
                           " is not a dimension type");
}

Result<Quantifier> ParseQuantifier(const json::object& o, std::string_view member,
                                   Quantifier fallback) {
  auto s = GetString(o, member);
  if (!s) return fallback;
  if (*s == "ALL") return Quantifier::kAll;
  if (*s == "ANY") return Quantifier::kAny;
  if (*s == "NONE") return Quantifier::kNone;
  return Error::BadRequest(std::string(member) + " must be ALL, ANY or NONE");
}

// {DimensionType, Values} at `where`; `allowed` says which operators the dimension's shape has.
enum class Allowed { kString, kDate, kProfileType, kAny };

Result<Condition> ParseCondition(const json::object& dim, const std::string& where,
                                 Allowed allowed) {
  Condition c;
  ASSIGN_OR_RETURN(c.op, ParseOp(GetStringOr(dim, "DimensionType", ""), where));
  bool ok = true;
  switch (allowed) {
    case Allowed::kString:
      ok = c.op <= Op::kEndsWith;
      break;
    case Allowed::kDate:
      ok = IsDateOp(c.op);
      break;
    case Allowed::kProfileType:
      ok = c.op == Op::kInclusive || c.op == Op::kExclusive;
      break;
    case Allowed::kAny:
      break;
  }
  if (!ok) {
    return Error::BadRequest(where + ".DimensionType " + GetStringOr(dim, "DimensionType", "") +
                             " is not allowed for this dimension");
  }
  const json::array* values = GetArray(dim, "Values");
  if (!values || values->empty()) {
    return Error::BadRequest(where + ".Values must hold at least one value");
  }
  for (const auto& v : *values) {
    if (!v.is_string()) return Error::BadRequest(where + ".Values must be strings");
    c.values.emplace_back(v.get_string());
  }
  if (IsDateOp(c.op)) {
    for (const auto& v : c.values) {
      auto day = ParseUtcDay(v);
      if (!day) {
        return Error::BadRequest(where + ".Values: " + v +
                                 " is not a date (YYYY-MM-DD or an ISO 8601 date-time)");
      }
      c.days.push_back(*day);
    }
    if ((c.op == Op::kBetween || c.op == Op::kNotBetween) && c.days.size() != 2) {
      return Error::BadRequest(where + ".Values: " + GetStringOr(dim, "DimensionType", "") +
                               " takes exactly two dates, the start and the end");
    }
    if ((c.op == Op::kBetween || c.op == Op::kNotBetween) && c.days[0] > c.days[1]) {
      return Error::BadRequest(where + ".Values: the start date is after the end date");
    }
  }
  if (IsNumericOp(c.op)) {
    for (const auto& v : c.values) {
      auto n = ParseNumber(v);
      if (!n) return Error::BadRequest(where + ".Values: " + v + " is not a number");
      c.numbers.push_back(*n);
    }
  }
  return c;
}

constexpr std::string_view kAddressDimensionFields[] = {"City",       "Country",  "County",
                                                        "PostalCode", "Province", "State"};

bool IsAddressMember(std::string_view m) {
  return m == "Address" || m == "ShippingAddress" || m == "MailingAddress" || m == "BillingAddress";
}

Status ParseProfileAttributes(const json::object& attrs, const std::string& where, Dimension& out) {
  for (const auto& [key, value] : attrs) {
    std::string member(key);
    std::string at = where + "." + member;
    if (!value.is_object()) return Error::BadRequest(at + " must be an object");
    const json::object& o = value.get_object();
    if (IsAddressMember(member)) {
      for (std::string_view field : kAddressDimensionFields) {
        const json::object* f = GetObject(o, field);
        if (!f) continue;
        std::string path = member + "." + std::string(field);
        ASSIGN_OR_RETURN(Condition c,
                         ParseCondition(*f, at + "." + std::string(field), Allowed::kString));
        out.attributes.push_back({std::move(path), std::move(c)});
      }
      continue;
    }
    if (member == "Attributes") {
      for (const auto& [name, dim] : o) {
        std::string at_key = at + "." + std::string(name);
        if (name.empty()) return Error::BadRequest(at + " keys must not be empty");
        if (!dim.is_object()) return Error::BadRequest(at_key + " must be an object");
        ASSIGN_OR_RETURN(Condition c, ParseCondition(dim.get_object(), at_key, Allowed::kAny));
        out.attributes.push_back({"Attributes." + std::string(name), std::move(c)});
      }
      continue;
    }
    Allowed allowed = member == "BirthDate"     ? Allowed::kDate
                      : member == "ProfileType" ? Allowed::kProfileType
                                                : Allowed::kString;
    ASSIGN_OR_RETURN(Condition c, ParseCondition(o, at, allowed));
    out.attributes.push_back({member, std::move(c)});
  }
  return OkStatus();
}

Result<Dimension> ParseDimension(const json::object& d, const std::string& where) {
  Dimension out;
  if (const json::object* attrs = GetObject(d, "ProfileAttributes")) {
    RETURN_IF_ERROR(ParseProfileAttributes(*attrs, where + ".ProfileAttributes", out));
  }
  if (const json::object* calc = GetObject(d, "CalculatedAttributes")) {
    for (const auto& [name, dim] : *calc) {
      std::string at = where + ".CalculatedAttributes." + std::string(name);
      if (!dim.is_object()) return Error::BadRequest(at + " must be an object");
      CalculatedTest t;
      t.name = std::string(name);
      ASSIGN_OR_RETURN(t.condition, ParseCondition(dim.get_object(), at, Allowed::kAny));
      if (const json::object* over = GetObject(dim.get_object(), "ConditionOverrides")) {
        if (const json::object* range = GetObject(*over, "Range")) {
          RangeOverride r;
          r.start = GetInt(*range, "Start").value_or(0);
          r.end = GetInt(*range, "End").value_or(0);
          if (r.start < r.end) {
            return Error::BadRequest(at +
                                     ".ConditionOverrides.Range: Start must not be after End "
                                     "(both count units back from now)");
          }
          t.range = r;
        }
      }
      out.calculated.push_back(std::move(t));
    }
  }
  if (out.attributes.empty() && out.calculated.empty()) {
    return Error::BadRequest(where + " names no attribute to segment on");
  }
  return out;
}

bool Quantify(Quantifier q, size_t matched, size_t total) {
  switch (q) {
    case Quantifier::kAll:
      return matched == total;
    case Quantifier::kAny:
      return matched > 0;
    case Quantifier::kNone:
      return matched == 0;
  }
  return false;
}

Result<bool> DimensionMatches(const Dimension& d, const json::object& profile,
                              SegmentFacts& facts) {
  for (const auto& a : d.attributes) {
    if (!a.condition.Test(ProfileValue(profile, a.path))) return false;
  }
  for (const auto& c : d.calculated) {
    ASSIGN_OR_RETURN(std::optional<std::string> v, facts.Calculated(c));
    std::optional<std::string_view> view;
    if (v) view = *v;
    if (!c.condition.Test(view)) return false;
  }
  return true;
}

// Evaluates `items` one at a time, stopping as soon as the quantifier's answer is known.
template <typename Item, typename Fn>
Result<bool> QuantifyLazily(Quantifier q, const std::vector<Item>& items, Fn&& test) {
  size_t matched = 0;
  for (const Item& item : items) {
    ASSIGN_OR_RETURN(bool m, test(item));
    if (m) ++matched;
    if (q == Quantifier::kAll && !m) return false;
    if (q == Quantifier::kAny && m) return true;
    if (q == Quantifier::kNone && m) return false;
  }
  return Quantify(q, matched, items.size());
}

Result<bool> GroupMatches(const Group& g, const json::object& profile, SegmentFacts& facts) {
  if (!g.sources.empty()) {
    ASSIGN_OR_RETURN(bool in_sources,
                     QuantifyLazily(g.source_type, g.sources,
                                    [&](const std::string& s) { return facts.InSegment(s); }));
    if (!in_sources) return false;
  }
  if (g.dimensions.empty()) return true;
  return QuantifyLazily(g.type, g.dimensions,
                        [&](const Dimension& d) { return DimensionMatches(d, profile, facts); });
}

}  // namespace

bool Condition::Test(const std::optional<std::string_view>& value) const {
  if (!value) return op == Op::kExclusive;
  std::string_view v = *value;
  auto any = [&](auto&& pred) { return std::any_of(values.begin(), values.end(), pred); };
  switch (op) {
    case Op::kInclusive:
      return any([&](const std::string& x) { return v == x; });
    case Op::kExclusive:
      return !any([&](const std::string& x) { return v == x; });
    case Op::kContains:
      return any([&](const std::string& x) { return v.find(x) != std::string_view::npos; });
    case Op::kBeginsWith:
      return any([&](const std::string& x) { return v.starts_with(x); });
    case Op::kEndsWith:
      return any([&](const std::string& x) { return v.ends_with(x); });
    default:
      break;
  }
  if (IsDateOp(op)) {
    auto day = ParseUtcDay(v);
    if (!day) return false;
    auto any_day = [&](auto&& pred) { return std::any_of(days.begin(), days.end(), pred); };
    switch (op) {
      case Op::kBefore:
        return any_day([&](int64_t d) { return *day < d; });
      case Op::kAfter:
        return any_day([&](int64_t d) { return *day > d; });
      case Op::kOn:
        return any_day([&](int64_t d) { return *day == d; });
      case Op::kBetween:
        return *day >= days[0] && *day <= days[1];
      case Op::kNotBetween:
        return *day < days[0] || *day > days[1];
      default:
        return false;
    }
  }
  auto n = ParseNumber(v);
  if (!n) return false;
  return std::any_of(numbers.begin(), numbers.end(), [&](double x) {
    switch (op) {
      case Op::kGreaterThan:
        return *n > x;
      case Op::kLessThan:
        return *n < x;
      case Op::kGreaterThanOrEqual:
        return *n >= x;
      case Op::kLessThanOrEqual:
        return *n <= x;
      case Op::kEqual:
        return *n == x;
      default:
        return false;
    }
  });
}

std::optional<int64_t> ParseUtcDay(std::string_view s) {
  // YYYY-MM-DD or YYYY/MM/DD, optionally followed by a time of day and an offset.
  auto y = Digits(s, 0, 4), mo = Digits(s, 5, 2), d = Digits(s, 8, 2);
  if (!y || !mo || !d || s.size() < 10 || (s[4] != '-' && s[4] != '/') || s[7] != s[4]) {
    return std::nullopt;
  }
  if (*mo < 1 || *mo > 12 || *d < 1) return std::nullopt;
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  if (*d > kMonthDays[*mo - 1] || (*mo == 2 && *d == 29 && !leap)) return std::nullopt;
  int64_t day = DaysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  if (s.size() == 10) return day;
  // THH:MM[:SS[.fraction]] then Z, +HH:MM, -HH:MM, +HHMM or nothing (UTC).
  if (s[10] != 'T' && s[10] != ' ') return std::nullopt;
  auto h = Digits(s, 11, 2), mi = Digits(s, 14, 2);
  if (!h || !mi || s.size() < 16 || s[13] != ':' || *h > 23 || *mi > 59) return std::nullopt;
  size_t pos = 16;
  int64_t seconds = *h * 3600 + *mi * 60;
  if (pos < s.size() && s[pos] == ':') {
    auto sec = Digits(s, pos + 1, 2);
    if (!sec || *sec > 60) return std::nullopt;
    seconds += *sec;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      size_t digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos, ++digits;
      if (digits == 0) return std::nullopt;
    }
  }
  int64_t offset = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int sign = s[pos] == '+' ? 1 : -1;
      auto oh = Digits(s, pos + 1, 2);
      if (!oh) return std::nullopt;
      size_t mpos = pos + 3;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      auto om = Digits(s, mpos, 2);
      if (!om || *oh > 23 || *om > 59) return std::nullopt;
      offset = sign * (*oh * 3600 + *om * 60);
      pos = mpos + 2;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  int64_t utc = day * 86400 + seconds - offset;
  return utc >= 0 ? utc / 86400 : (utc - 86399) / 86400;
}

std::optional<std::string_view> ProfileValue(const json::object& profile, std::string_view path) {
  size_t dot = path.find('.');
  const json::value* v = profile.if_contains(path.substr(0, dot));
  if (v && dot != std::string_view::npos) {
    v = v->is_object() ? v->get_object().if_contains(path.substr(dot + 1)) : nullptr;
  }
  if (!v || !v->is_string() || v->get_string().empty()) return std::nullopt;
  return std::string_view(v->get_string());
}

Result<Query> ParseSegmentGroups(const json::object& groups) {
  Query q;
  ASSIGN_OR_RETURN(q.include, ParseQuantifier(groups, "Include", Quantifier::kAll));
  if (const json::array* list = GetArray(groups, "Groups")) {
    for (size_t i = 0; i < list->size(); ++i) {
      std::string where = "Groups[" + std::to_string(i) + "]";
      if (!(*list)[i].is_object()) return Error::BadRequest(where + " must be an object");
      const json::object& g = (*list)[i].get_object();
      Group group;
      ASSIGN_OR_RETURN(group.type, ParseQuantifier(g, "Type", Quantifier::kAll));
      ASSIGN_OR_RETURN(group.source_type, ParseQuantifier(g, "SourceType", Quantifier::kAny));
      if (const json::array* dims = GetArray(g, "Dimensions")) {
        for (size_t j = 0; j < dims->size(); ++j) {
          std::string at = where + ".Dimensions[" + std::to_string(j) + "]";
          if (!(*dims)[j].is_object()) return Error::BadRequest(at + " must be an object");
          ASSIGN_OR_RETURN(Dimension d, ParseDimension((*dims)[j].get_object(), at));
          group.dimensions.push_back(std::move(d));
        }
      }
      if (const json::array* sources = GetArray(g, "SourceSegments")) {
        for (size_t j = 0; j < sources->size(); ++j) {
          const json::value& s = (*sources)[j];
          auto name =
              s.is_object() ? GetString(s.get_object(), "SegmentDefinitionName") : std::nullopt;
          if (!name || name->empty()) {
            return Error::BadRequest(where + ".SourceSegments[" + std::to_string(j) +
                                     "].SegmentDefinitionName is required");
          }
          group.sources.emplace_back(*name);
        }
      }
      q.groups.push_back(std::move(group));
    }
  }
  return q;
}

Result<bool> Matches(const Query& query, const json::object& profile, SegmentFacts& facts) {
  return QuantifyLazily(query.include, query.groups,
                        [&](const Group& g) { return GroupMatches(g, profile, facts); });
}

std::set<std::string> SourceNames(const Query& query) {
  std::set<std::string> out;
  for (const auto& g : query.groups) out.insert(g.sources.begin(), g.sources.end());
  return out;
}

namespace {

template <typename Fn>
void ForEachDimension(const Query& query, Fn&& fn) {
  for (const auto& g : query.groups) {
    for (const auto& d : g.dimensions) fn(d);
  }
}

}  // namespace

std::set<std::string> AttributePaths(const Query& query) {
  std::set<std::string> out;
  ForEachDimension(query, [&](const Dimension& d) {
    for (const auto& a : d.attributes) out.insert(a.path);
  });
  return out;
}

std::set<std::string> CalculatedNames(const Query& query) {
  std::set<std::string> out;
  ForEachDimension(query, [&](const Dimension& d) {
    for (const auto& c : d.calculated) out.insert(c.name);
  });
  return out;
}

}  // namespace profiled::service::segment
