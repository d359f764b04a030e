// ListObjectTypeAttributes, ListObjectTypeAttributeValues, GetObjectTypeAttributeStatistics.
// Values are computed from the stored objects of the type when asked (a scan of the type's
// objects): exact and always current, at a cost proportional to the type's object count.
#include "service/object_attributes.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "service/common.h"
#include "service/object_type.h"
#include "service/profile_object.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;

std::optional<AttributeStatistics> ComputeStatistics(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  AttributeStatistics s;
  s.minimum = values.front();
  s.maximum = values.back();
  double sum = 0;
  for (double v : values) sum += v;
  s.average = sum / static_cast<double>(values.size());
  double sq = 0;
  for (double v : values) sq += (v - s.average) * (v - s.average);
  s.standard_deviation = std::sqrt(sq / static_cast<double>(values.size()));
  auto percentile = [&](double p) {
    double rank = p / 100.0 * static_cast<double>(values.size() - 1);
    size_t lo = static_cast<size_t>(std::floor(rank));
    size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
  };
  s.p5 = percentile(5);
  s.p25 = percentile(25);
  s.p50 = percentile(50);
  s.p75 = percentile(75);
  s.p95 = percentile(95);
  return s;
}

namespace {

struct ValueSeen {
  std::string value;
  double last_updated = 0;
};

// The attribute's Source in the type, or NotFound.
Result<std::string> AttributeSource(const json::object& type, std::string_view attribute) {
  const json::object* fields = GetObject(type, "Fields");
  const json::object* field = fields ? GetObject(*fields, attribute) : nullptr;
  auto source = field ? GetString(*field, "Source") : std::nullopt;
  if (!source) {
    return Error::NotFound("Attribute " + std::string(attribute) +
                           " is not a field of object type " +
                           GetStringOr(type, "ObjectTypeName", ""));
  }
  return std::string(*source);
}

// Calls `visit` with the record and the value at `source` of each stored object of the type that
// has one; objects that do not parse are passed over.
Status ForEachSourceValue(
    store::Txn& txn, store::Scope scope, std::string_view type_name, std::string_view source,
    const std::function<void(const json::object& record, const std::string& value)>& visit) {
  return ForEachDocument(txn, scope, kObjectKind, std::string(type_name) + "/", "",
                         [&](const store::Document& doc) -> Status {
                           ASSIGN_OR_RETURN(json::object record, ParseStored(doc.body));
                           auto parsed = ParseProfileObject(GetStringOr(record, "Object", ""));
                           if (!parsed.ok()) return OkStatus();
                           auto value = EvaluateSource(source, *parsed);
                           if (value) visit(record, *value);
                           return OkStatus();
                         });
}

// Every distinct value of the attribute in the type's objects, most recently seen first.
Result<std::vector<ValueSeen>> CollectValues(store::Txn& txn, store::Scope scope,
                                             std::string_view type_name, std::string_view source) {
  std::map<std::string, double> latest;
  RETURN_IF_ERROR(ForEachSourceValue(
      txn, scope, type_name, source, [&](const json::object& record, const std::string& value) {
        double t = record.contains("UpdatedAt") ? record.at("UpdatedAt").to_number<double>() : 0;
        double& seen = latest[value];
        seen = std::max(seen, t);
      }));
  std::vector<ValueSeen> out;
  for (auto& [v, t] : latest) out.push_back({v, t});
  std::stable_sort(out.begin(), out.end(), [](const ValueSeen& a, const ValueSeen& b) {
    return a.last_updated > b.last_updated;
  });
  return out;
}

// Offset paging over a computed list; the token binds the offset to the listing.
Result<size_t> OffsetFromInput(const json::object& in, std::string_view purpose) {
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, purpose));
  if (cursor.empty()) return size_t{0};
  size_t offset = 0;
  auto r = std::from_chars(cursor.data(), cursor.data() + cursor.size(), offset);
  if (r.ec != std::errc()) return Error::BadRequest("The NextToken is invalid");
  return offset;
}

Result<json::object> ListObjectTypeAttributes(const ServiceEnv& env, const RequestContext& ctx,
                                              const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string type_name = GetStringOr(in, "ObjectTypeName", "");
  std::string purpose = "ListObjectTypeAttributes/" + type_name;
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, purpose));
  size_t page = PageSize(in, 100, 100);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(json::object type, LoadObjectType(txn, ctx, domain, type_name));
    std::vector<std::string> names;
    if (const json::object* fields = GetObject(type, "Fields")) {
      for (const auto& [name, f] : *fields) names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    json::array items;
    bool more = false;
    std::string last;
    for (const auto& name : names) {
      if (!cursor.empty() && name <= cursor) continue;
      if (items.size() == page) {
        more = true;
        break;
      }
      json::object item;
      item["AttributeName"] = name;
      item["LastUpdatedAt"] = type["LastUpdatedAt"];
      items.push_back(std::move(item));
      last = name;
    }
    out["Items"] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(purpose, last);
    return OkStatus();
  }));
  return out;
}

Result<json::object> ListObjectTypeAttributeValues(const ServiceEnv& env, const RequestContext& ctx,
                                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string type_name = GetStringOr(in, "ObjectTypeName", "");
  std::string attribute = GetStringOr(in, "AttributeName", "");
  std::string purpose = "ListObjectTypeAttributeValues/" + type_name + "/" + attribute;
  ASSIGN_OR_RETURN(size_t offset, OffsetFromInput(in, purpose));
  size_t page = PageSize(in, 100, 100);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(json::object type, LoadObjectType(txn, ctx, domain, type_name));
    ASSIGN_OR_RETURN(std::string source, AttributeSource(type, attribute));
    ASSIGN_OR_RETURN(auto values, CollectValues(txn, DomainScope(ctx, domain), type_name, source));
    json::array items;
    for (size_t i = offset; i < values.size() && items.size() < page; ++i) {
      json::object item;
      item["Value"] = values[i].value;
      item["LastUpdatedAt"] = values[i].last_updated;
      items.push_back(std::move(item));
    }
    out["Items"] = std::move(items);
    if (offset + page < values.size()) {
      out["NextToken"] = EncodeToken(purpose, std::to_string(offset + page));
    }
    return OkStatus();
  }));
  return out;
}

Result<json::object> GetObjectTypeAttributeStatistics(const ServiceEnv& env,
                                                      const RequestContext& ctx,
                                                      const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string type_name = GetStringOr(in, "ObjectTypeName", "");
  std::string attribute = GetStringOr(in, "AttributeName", "");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(json::object type, LoadObjectType(txn, ctx, domain, type_name));
    ASSIGN_OR_RETURN(std::string source, AttributeSource(type, attribute));
    store::Scope scope = DomainScope(ctx, domain);
    std::vector<double> numbers;
    RETURN_IF_ERROR(ForEachSourceValue(
        txn, scope, type_name, source, [&](const json::object&, const std::string& value) {
          double d = 0;
          auto r = std::from_chars(value.data(), value.data() + value.size(), d);
          if (r.ec == std::errc() && r.ptr == value.data() + value.size() && std::isfinite(d)) {
            numbers.push_back(d);
          }
        }));
    auto stats = ComputeStatistics(std::move(numbers));
    if (!stats) {
      return Error::BadRequest("Attribute " + attribute + " of object type " + type_name +
                               " has no numeric values to compute statistics from");
    }
    json::object percentiles{{"P5", stats->p5},
                             {"P25", stats->p25},
                             {"P50", stats->p50},
                             {"P75", stats->p75},
                             {"P95", stats->p95}};
    json::object s{{"Maximum", stats->maximum},
                   {"Minimum", stats->minimum},
                   {"Average", stats->average},
                   {"StandardDeviation", stats->standard_deviation}};
    s["Percentiles"] = std::move(percentiles);
    out["Statistics"] = std::move(s);
    out["CalculatedAt"] = env.clock->NowEpochSeconds();
    return OkStatus();
  }));
  return out;
}

}  // namespace

void RegisterObjectAttributeOps(Registry& registry, const ServiceEnv& env) {
  registry.Register("ListObjectTypeAttributes", WithEnv(env, ListObjectTypeAttributes));
  registry.Register("ListObjectTypeAttributeValues", WithEnv(env, ListObjectTypeAttributeValues));
  registry.Register("GetObjectTypeAttributeStatistics",
                    WithEnv(env, GetObjectTypeAttributeStatistics));
}

}  // namespace profiled::service
