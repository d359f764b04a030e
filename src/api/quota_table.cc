#include "api/quota_table.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace profiled::api {

// Defined in the build-generated embedded_quotas.cc (tools/codegen/embed.cmake).
extern const std::string_view kEmbeddedQuotas;

std::string_view EmbeddedQuotaTable() { return kEmbeddedQuotas; }

namespace {
namespace json = boost::json;

// Calls `row(object, where)` for each row of the list `name` (absent: none), `where` naming the
// row in messages ("rates[3]").
template <class F>
Status ForEachRow(const json::object& doc, std::string_view name, F&& row) {
  const json::value* rows = doc.if_contains(name);
  if (!rows) return OkStatus();
  if (!rows->is_array()) return Error::BadRequest("\"" + std::string(name) + "\" is not a list");
  const json::array& list = rows->get_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = std::string(name) + "[" + std::to_string(i) + "]";
    if (!list[i].is_object()) return Error::BadRequest(where + " is not an object");
    RETURN_IF_ERROR(row(list[i].get_object(), where));
  }
  return OkStatus();
}

Result<double> PositiveNumber(const json::object& row, std::string_view member,
                              const std::string& where) {
  const json::value* v = row.if_contains(member);
  if (!v || !v->is_number()) {
    return Error::BadRequest(where + "." + std::string(member) + " must be a number");
  }
  const double d = v->to_number<double>();
  if (!(d > 0)) return Error::BadRequest(where + "." + std::string(member) + " must be above 0");
  return d;
}

Result<std::string> Name(const json::object& row, std::string_view member,
                         const std::string& where) {
  const json::value* v = row.if_contains(member);
  if (!v || !v->is_string()) {
    return Error::BadRequest(where + "." + std::string(member) + " must be a string");
  }
  return std::string(v->get_string());
}

}  // namespace

Result<QuotaTable> ParseQuotaTable(std::string_view text,
                                   const std::vector<std::string>& known_operations,
                                   const std::vector<std::string_view>& known_limits) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return Error::BadRequest("the quota table is not a JSON object");
  const json::object& doc = parsed.get_object();
  QuotaTable table;

  RETURN_IF_ERROR(
      ForEachRow(doc, "rates", [&](const json::object& row, const std::string& where) -> Status {
        ASSIGN_OR_RETURN(std::string operation, Name(row, "operation", where));
        if (std::find(known_operations.begin(), known_operations.end(), operation) ==
            known_operations.end()) {
          return Error::BadRequest(where + ": the model has no operation " + operation);
        }
        RateQuota quota;
        ASSIGN_OR_RETURN(quota.rate, PositiveNumber(row, "rate", where));
        quota.burst = std::max(1.0, quota.rate);
        if (row.contains("burst")) {
          ASSIGN_OR_RETURN(quota.burst, PositiveNumber(row, "burst", where));
          if (quota.burst < 1) return Error::BadRequest(where + ".burst must be at least 1");
        }
        if (!table.rates.emplace(operation, quota).second) {
          return Error::BadRequest(where + ": a second rate for " + operation);
        }
        return OkStatus();
      }));
  RETURN_IF_ERROR(
      ForEachRow(doc, "limits", [&](const json::object& row, const std::string& where) -> Status {
        ASSIGN_OR_RETURN(std::string name, Name(row, "limit", where));
        if (std::find(known_limits.begin(), known_limits.end(), name) == known_limits.end()) {
          return Error::BadRequest(where + ": Profiled knows no limit named " + name);
        }
        const json::value* value = row.if_contains("value");
        if (!value || !value->is_int64() || value->get_int64() < 0) {
          return Error::BadRequest(where + ".value must be a whole number, 0 or more");
        }
        if (!table.limits.emplace(name, value->get_int64()).second) {
          return Error::BadRequest(where + ": a second value for " + name);
        }
        return OkStatus();
      }));
  return table;
}

}  // namespace profiled::api
