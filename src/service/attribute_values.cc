#include "service/attribute_values.h"

#include <algorithm>
#include <string>

#include "service/attribute_index.h"
#include "service/common.h"
#include "service/operations.h"
#include "service/profile_ops.h"
#include "service/profile_patch.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;

std::vector<KeyRow> DeriveAttributeValues(const json::object& profile) {
  std::vector<KeyRow> rows;
  for (std::string_view m : ProfileStringMembers()) {
    auto s = GetString(profile, m);
    if (s && !s->empty()) rows.emplace_back(std::string(m), std::string(*s));
  }
  for (std::string_view m : ProfileAddressMembers()) {
    const json::object* address = GetObject(profile, m);
    if (!address) continue;
    for (std::string_view f : AddressFields()) {
      auto s = GetString(*address, f);
      if (s && !s->empty()) {
        rows.emplace_back(std::string(m).append(".").append(f), std::string(*s));
      }
    }
  }
  for (std::string_view m : ProfileMapMembers()) {
    const json::object* map = GetObject(profile, m);
    if (!map) continue;
    for (const auto& [k, v] : *map) {
      if (v.is_string() && !v.get_string().empty()) {
        rows.emplace_back(std::string(m).append(".").append(k), std::string(v.get_string()));
      }
    }
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

bool IsProfileAttributeName(std::string_view name) { return IsProfileStringPath(name); }

namespace {

Result<json::object> ListProfileAttributeValues(const ServiceEnv& env, const RequestContext& ctx,
                                                const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string attribute = GetStringOr(in, "AttributeName", "");
  if (!IsProfileAttributeName(attribute)) {
    return Error::BadRequest("AttributeName " + attribute +
                             " is not a profile attribute; use a Profile member (FirstName), an "
                             "address field (Address.City) or Attributes.<key>");
  }
  RETURN_IF_ERROR(EnsureAttributeRows(env, ctx, domain));
  json::array items;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    items.clear();
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    std::string index = AttributeIndexName(attribute);
    return ForEachIndexValue(txn, DomainScope(ctx, domain), index, "",
                             [&](const std::string& v) -> Status {
                               json::object item;
                               item["Value"] = v;
                               items.emplace_back(std::move(item));
                               return OkStatus();
                             });
  }));
  json::object out;
  out["DomainName"] = domain;
  out["AttributeName"] = attribute;
  out["Items"] = std::move(items);
  out["StatusCode"] = 200;
  return out;
}

}  // namespace

void RegisterAttributeValueOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("ListProfileAttributeValues",
                    [env](const RequestContext& ctx, json::object in) {
                      return ListProfileAttributeValues(env, ctx, in);
                    });
}

}  // namespace profiled::service
