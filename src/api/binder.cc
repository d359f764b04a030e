#include "api/binder.h"

#include <boost/json/parse.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string>

#include "api/conform.h"
#include "api/uri.h"
#include "common/ascii.h"
#include "common/timestamp.h"

namespace profiled::api {

namespace json = boost::json;

// ---- timestamps ----

std::optional<double> ParseTimestamp(std::string_view text) {
  return profiled::ParseTimestamp(text);
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
