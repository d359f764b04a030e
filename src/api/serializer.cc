#include "api/serializer.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <ctime>
#include <string>

#include "api/conform.h"

namespace profiled::api {

namespace json = boost::json;

namespace {

// Header timestamps default to the HTTP date (RFC 822) form, as botocore writes and reads them.
std::string FormatHeaderTimestamp(double epoch, TimestampFormat format) {
  if (format == TimestampFormat::kEpochSeconds) {
    return json::serialize(json::value(epoch));
  }
  std::time_t t = static_cast<std::time_t>(std::floor(epoch));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const char* pattern =
      format == TimestampFormat::kIso8601 ? "%Y-%m-%dT%H:%M:%SZ" : "%a, %d %b %Y %H:%M:%S GMT";
  size_t n = std::strftime(buf, sizeof(buf), pattern, &tm);
  return std::string(buf, n);
}

std::string HeaderText(const Member& m, const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (m.shape->type == ShapeType::kTimestamp && v.is_number()) {
    TimestampFormat f = m.timestamp_format != TimestampFormat::kDefault ? m.timestamp_format
                                                                        : m.shape->timestamp_format;
    return FormatHeaderTimestamp(v.to_number<double>(), f);
  }
  if (v.is_array()) {
    std::string out;
    for (const json::value& e : v.get_array()) {
      if (!out.empty()) out += ",";
      out += e.is_string() ? std::string(e.get_string()) : json::serialize(e);
    }
    return out;
  }
  return json::serialize(v);
}

// A member outside the body: the status code, a header, or a map of prefixed headers.
void WriteNonBodyMember(const Member& m, const json::value& v, HttpResponse& response) {
  if (m.location == Location::kStatusCode && v.is_int64()) {
    response.status = static_cast<int>(v.get_int64());
  } else if (m.location == Location::kHeader && !v.is_null()) {
    response.headers.emplace_back(m.location_name, HeaderText(m, v));
  } else if (m.location == Location::kHeaders && v.is_object()) {
    for (const auto& kv : v.get_object()) {
      response.headers.emplace_back(m.location_name + std::string(kv.key()),
                                    HeaderText(m, kv.value()));
    }
  }
}

}  // namespace

HttpResponse Serialize(const Operation& op, json::object output, std::string_view request_id) {
  HttpResponse response;
  response.status = op.response_code.value_or(200);
  response.operation = op.name;
  response.headers.reserve(4);
  response.headers.emplace_back("Content-Type", "application/json");
  response.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  const Shape* shape = op.output;
  if (!shape) {
    output.clear();  // nothing is declared (every operation of our model has an output shape)
  } else {
    if (shape->has_non_body_members) {
      for (const Member& m : shape->members) {
        if (m.location == Location::kBody) continue;
        if (const json::value* v = output.if_contains(m.name)) WriteNonBodyMember(m, *v, response);
      }
    }
    // Drops the members written above and every member the shape does not declare.
    ConformStructure(*shape, output, Direction::kResponse);
  }
  response.body = json::serialize(output);
  return response;
}

}  // namespace profiled::api
