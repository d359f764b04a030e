#include "api/binder.h"

#include <boost/json/parse.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string>

#include "api/conform.h"
#include "api/uri.h"
#include "common/ascii.h"

namespace profiled::api {

namespace json = boost::json;

// ---- timestamps ----

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return i_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  // Exactly `n` digits.
  bool Digits(int n, int* out) {
    int v = 0;
    for (int k = 0; k < n; ++k) {
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) return false;
      v = v * 10 + (s_[i_++] - '0');
    }
    *out = v;
    return true;
  }
  // A fraction after '.', as a value in [0, 1).
  double Fraction() {
    double scale = 0.1, v = 0;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) {
      v += (s_[i_++] - '0') * scale;
      scale /= 10;
    }
    return v;
  }
  void SkipSpaces() {
    while (Peek() == ' ') ++i_;
  }
  std::string_view Word() {
    size_t start = i_;
    while (std::isalpha(static_cast<unsigned char>(Peek()))) ++i_;
    return s_.substr(start, i_ - start);
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

bool ValidDate(int y, int mo, int d, int h, int mi, int s) {
  return y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 &&
         mi <= 59 && s >= 0 && s <= 60;
}

double Epoch(int y, int mo, int d, int h, int mi, int s) {
  return static_cast<double>(DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s);
}

std::optional<double> ParseIso8601(std::string_view text) {
  Cursor c(text);
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!c.Digits(4, &y) || !c.Eat('-') || !c.Digits(2, &mo) || !c.Eat('-') || !c.Digits(2, &d)) {
    return std::nullopt;
  }
  double frac = 0;
  if (!c.Done()) {
    if (!c.Eat('T') && !c.Eat('t') && !c.Eat(' ')) return std::nullopt;
    if (!c.Digits(2, &h) || !c.Eat(':') || !c.Digits(2, &mi)) return std::nullopt;
    if (c.Eat(':') && !c.Digits(2, &s)) return std::nullopt;
    if (c.Eat('.') || c.Eat(',')) frac = c.Fraction();
  }
  int offset = 0;
  if (c.Eat('Z') || c.Eat('z')) {
  } else if (c.Peek() == '+' || c.Peek() == '-') {
    int sign = c.Peek() == '-' ? -1 : 1;
    c.Eat(c.Peek());
    int oh, om = 0;
    if (!c.Digits(2, &oh)) return std::nullopt;
    c.Eat(':');
    if (!c.Done() && !c.Digits(2, &om)) return std::nullopt;
    offset = sign * (oh * 3600 + om * 60);
  }
  if (!c.Done() || !ValidDate(y, mo, d, h, mi, s)) return std::nullopt;
  return Epoch(y, mo, d, h, mi, s) + frac - offset;
}

std::optional<double> ParseRfc822(std::string_view text) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Cursor c(text);
  c.Word();  // the weekday, unchecked
  if (!c.Eat(',')) return std::nullopt;
  c.SkipSpaces();
  int d, y, h, mi, s = 0;
  if (!c.Digits(2, &d) && !c.Digits(1, &d)) return std::nullopt;
  c.SkipSpaces();
  std::string_view mon = c.Word();
  int mo = 0;
  for (int k = 0; k < 12; ++k) {
    if (mon == kMonths[k]) mo = k + 1;
  }
  if (mo == 0) return std::nullopt;
  c.SkipSpaces();
  if (!c.Digits(4, &y)) return std::nullopt;
  c.SkipSpaces();
  if (!c.Digits(2, &h) || !c.Eat(':') || !c.Digits(2, &mi)) return std::nullopt;
  if (c.Eat(':') && !c.Digits(2, &s)) return std::nullopt;
  double frac = c.Eat('.') ? c.Fraction() : 0;
  c.SkipSpaces();
  std::string_view zone = c.Word();
  if (!zone.empty() && zone != "GMT" && zone != "UTC" && zone != "Z") return std::nullopt;
  if (c.Eat('+')) {
    int z;
    if (!c.Digits(4, &z) || z != 0) return std::nullopt;
  }
  if (!c.Done() || !ValidDate(y, mo, d, h, mi, s)) return std::nullopt;
  return Epoch(y, mo, d, h, mi, s) + frac;
}

}  // namespace

std::optional<double> ParseTimestamp(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  {
    double v;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && p == text.data() + text.size()) return v;
  }
  if (auto v = ParseIso8601(text)) return v;
  return ParseRfc822(text);
}

// ---- body normalization ----

namespace {

Error TypeError(std::string_view text, std::string_view member, const Shape& shape) {
  std::string value = shape.sensitive ? "Value" : "Value '" + std::string(text) + "'";
  return Error::BadRequest("1 validation error detected: " + value + " at '" + std::string(member) +
                           "' failed to satisfy constraint: Member must be of type " +
                           std::string(ShapeTypeName(shape.type)));
}

// Text from a URI label, query parameter or header, as a value of `shape`.
Result<json::value> ConvertText(const Shape& shape, std::string_view text,
                                std::string_view member) {
  switch (shape.type) {
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      int64_t v;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size()) {
        return TypeError(text, member, shape);
      }
      return json::value(v);
    }
    case ShapeType::kFloat:
    case ShapeType::kDouble: {
      double v;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size()) {
        return TypeError(text, member, shape);
      }
      return json::value(v);
    }
    case ShapeType::kBoolean:
      if (text == "true") return json::value(true);
      if (text == "false") return json::value(false);
      return TypeError(text, member, shape);
    case ShapeType::kTimestamp:
      if (auto t = ParseTimestamp(text)) return json::value(*t);
      return TypeError(text, member, shape);
    default:
      return json::value(json::string(text));
  }
}

Result<json::value> ConvertMemberText(const Member& m, std::string_view text) {
  if (m.shape->type == ShapeType::kList && m.shape->member) {
    // A list in one header is comma-separated.
    json::array arr;
    while (true) {
      size_t comma = text.find(',');
      std::string_view item = text.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      ASSIGN_OR_RETURN(json::value v, ConvertText(*m.shape->member, item, m.name));
      arr.push_back(std::move(v));
      if (comma == std::string_view::npos) break;
      text.remove_prefix(comma + 1);
    }
    return json::value(std::move(arr));
  }
  if (m.jsonvalue) {
    // A JSON value in a header travels base64-encoded; the model has none today.
    return json::value(json::string(text));
  }
  return ConvertText(*m.shape, text, m.name);
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

Result<json::object> Bind(const Operation& op, const RouteMatch& route, std::string_view query,
                          const HttpRequest& request) {
  const Shape* shape = op.input;
  if (!shape) return json::object();

  json::value body;
  if (!shape->body_member_by_wire_name.empty() && !IsBlank(request.body)) {
    boost::system::error_code ec;
    body = json::parse(request.body, ec);
    if (ec) return Error::BadRequest("The request body is not valid JSON: " + ec.message());
    if (!body.is_object()) return Error::BadRequest("The request body must be a JSON object");
    ConformStructure(*shape, body.get_object(), Direction::kRequest);
  }
  json::object input = body.is_object() ? std::move(body.get_object()) : json::object();
  if (!shape->has_non_body_members) return input;

  std::optional<std::vector<std::pair<std::string, std::string>>> params;
  for (const Member& m : shape->members) {
    switch (m.location) {
      case Location::kUri: {
        if (const std::string* v = route.FindLabel(m.location_name)) {
          ASSIGN_OR_RETURN(input[m.name], ConvertText(*m.shape, *v, m.name));
        }
        break;
      }
      case Location::kQuery: {
        if (query.empty()) break;
        if (!params) params = ParseQuery(query);
        if (m.shape->type == ShapeType::kMap && m.shape->value) {
          // A map bound to the query string takes every parameter no other member names.
          json::object map;
          for (const auto& [k, v] : *params) {
            bool named = false;
            for (const Member& other : shape->members) {
              named = named || (other.location == Location::kQuery &&
                                other.shape->type != ShapeType::kMap && other.location_name == k);
            }
            if (named) continue;
            if (m.shape->value->type == ShapeType::kList && m.shape->value->member) {
              ASSIGN_OR_RETURN(json::value item, ConvertText(*m.shape->value->member, v, m.name));
              json::value& slot = map[k];
              if (!slot.is_array()) slot = json::array();
              slot.get_array().push_back(std::move(item));
            } else if (!map.contains(k)) {
              ASSIGN_OR_RETURN(map[k], ConvertText(*m.shape->value, v, m.name));
            }
          }
          if (!map.empty()) input[m.name] = std::move(map);
          break;
        }
        for (const auto& [k, v] : *params) {
          if (k != m.location_name) continue;
          if (m.shape->type == ShapeType::kList && m.shape->member) {
            ASSIGN_OR_RETURN(json::value item, ConvertText(*m.shape->member, v, m.name));
            json::value& slot = input[m.name];
            if (!slot.is_array()) slot = json::array();
            slot.get_array().push_back(std::move(item));
          } else {
            // A repeated scalar parameter: the first one counts.
            ASSIGN_OR_RETURN(input[m.name], ConvertText(*m.shape, v, m.name));
            break;
          }
        }
        break;
      }
      case Location::kHeader: {
        if (const std::string* v = FindHeader(request.headers, m.location_name)) {
          ASSIGN_OR_RETURN(input[m.name], ConvertMemberText(m, *v));
        }
        break;
      }
      case Location::kHeaders: {
        json::object map;
        for (const auto& [k, v] : request.headers) {
          if (StartsWithIgnoreCase(k, m.location_name)) {
            map[k.substr(m.location_name.size())] = v;
          }
        }
        if (!map.empty()) input[m.name] = std::move(map);
        break;
      }
      case Location::kBody:
      case Location::kStatusCode:
        break;
    }
  }
  return input;
}

}  // namespace profiled::api
