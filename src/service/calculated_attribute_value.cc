// GetCalculatedAttributeForProfile, ListCalculatedAttributesForProfile,
// BatchGetCalculatedAttributeForProfile: each value is read from the definition's per-profile
// state (calculated_attribute_upkeep.h), one document per (definition, profile), however many
// objects the profile has. BatchGet's ConditionOverrides.Range replaces the definition's Range.
#include "service/calculated_attribute_value.h"

#include <boost/json/array.hpp>
#include <optional>
#include <string>

#include "service/calculated_attribute_upkeep.h"
#include "service/common.h"
#include "service/expiry.h"
#include "service/operations.h"
#include "service/profile_store.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;

Result<Computed> CalculatedAttributeValue(store::Txn& txn, const RequestContext& ctx,
                                          std::string_view domain, std::string_view name,
                                          const json::object& def, std::string_view profile_id,
                                          double now,
                                          const std::optional<DayWindow>& override_window) {
  return CalcValueOf(txn, DomainScope(ctx, domain), name, def, profile_id, now, override_window);
}

namespace {

constexpr std::string_view kListForProfilePurpose = "ListCalculatedAttributesForProfile";

Result<json::object> LoadDefinition(store::Txn& txn, const RequestContext& ctx,
                                    std::string_view domain, std::string_view name) {
  ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kCalculatedAttributeKind, name));
  if (!body) {
    return Error::NotFound("Calculated attribute " + std::string(name) +
                           " does not exist in domain " + std::string(domain));
  }
  return ParseStored(*body);
}

}  // namespace

Result<Computed> CalculatedAttributeValueByName(store::Txn& txn, const RequestContext& ctx,
                                                std::string_view domain, std::string_view name,
                                                std::string_view profile_id, double now,
                                                const std::optional<DayWindow>& override_window) {
  ASSIGN_OR_RETURN(json::object def, LoadDefinition(txn, ctx, domain, name));
  return CalculatedAttributeValue(txn, ctx, domain, name, def, profile_id, now, override_window);
}

namespace {

json::object Item(std::string_view name, const json::object& def, const Computed& c) {
  json::object item;
  item["CalculatedAttributeName"] = name;
  if (auto display = GetString(def, "DisplayName")) item["DisplayName"] = *display;
  item["IsDataPartial"] = c.is_data_partial ? "true" : "false";
  if (c.value && !c.value->empty()) item["Value"] = *c.value;
  if (c.last_object_timestamp) item["LastObjectTimestamp"] = *c.last_object_timestamp;
  return item;
}

Result<json::object> GetForProfile(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  std::string name = GetStringOr(in, "CalculatedAttributeName", "");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    RETURN_IF_ERROR(LoadProfile(txn, DomainScope(ctx, domain), profile_id, false));
    ASSIGN_OR_RETURN(json::object def, LoadDefinition(txn, ctx, domain, name));
    ASSIGN_OR_RETURN(Computed c, CalculatedAttributeValue(txn, ctx, domain, name, def, profile_id,
                                                          env.clock->NowEpochSeconds()));
    out = Item(name, def, c);
    return OkStatus();
  }));
  return out;
}

Result<json::object> ListForProfile(const ServiceEnv& env, const RequestContext& ctx,
                                    const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kListForProfilePurpose));
  size_t page = PageSize(in, 100, 100);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    RETURN_IF_ERROR(LoadProfile(txn, DomainScope(ctx, domain), profile_id, false));
    ASSIGN_OR_RETURN(auto docs, txn.Scan(DomainScope(ctx, domain), kCalculatedAttributeKind, "",
                                         cursor, page + 1));
    bool more = docs.size() > page;
    if (more) docs.resize(page);
    json::array items;
    double now = env.clock->NowEpochSeconds();
    for (const auto& d : docs) {
      ASSIGN_OR_RETURN(json::object def, ParseStored(d.body));
      ASSIGN_OR_RETURN(Computed c,
                       CalculatedAttributeValue(txn, ctx, domain, d.id, def, profile_id, now));
      items.push_back(Item(d.id, def, c));
    }
    out["Items"] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(kListForProfilePurpose, docs.back().id);
    return OkStatus();
  }));
  return out;
}

Result<json::object> BatchGetForProfile(const ServiceEnv& env, const RequestContext& ctx,
                                        const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string name = GetStringOr(in, "CalculatedAttributeName", "");
  const json::array* ids = GetArray(in, "ProfileIds");
  std::optional<DayWindow> window;
  if (const json::object* overrides = GetObject(in, "ConditionOverrides")) {
    if (const json::object* range = GetObject(*overrides, "Range")) {
      ASSIGN_OR_RETURN(window, ParseRangeOverride(*range));
    }
  }
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(json::object def, LoadDefinition(txn, ctx, domain, name));
    json::array values, errors;
    double now = env.clock->NowEpochSeconds();
    for (const json::value& v : ids ? *ids : json::array()) {
      if (!v.is_string()) continue;
      std::string profile_id(v.get_string());
      auto profile = LoadProfile(txn, DomainScope(ctx, domain), profile_id, false);
      if (!profile.ok()) {
        if (profile.error().code() != ErrorCode::kNotFound) return std::move(profile).error();
        json::object error;
        error["Code"] = "ResourceNotFoundException";
        error["Message"] = profile.error().message();
        error["ProfileId"] = profile_id;
        errors.push_back(std::move(error));
        continue;
      }
      ASSIGN_OR_RETURN(Computed c, CalculatedAttributeValue(txn, ctx, domain, name, def, profile_id,
                                                            now, window));
      json::object item = Item(name, def, c);
      item["ProfileId"] = profile_id;
      values.push_back(std::move(item));
    }
    out["CalculatedAttributeValues"] = std::move(values);
    if (!errors.empty()) out["Errors"] = std::move(errors);
    if (const json::object* overrides = GetObject(in, "ConditionOverrides")) {
      out["ConditionOverrides"] = *overrides;
    }
    return OkStatus();
  }));
  return out;
}

}  // namespace

void RegisterCalculatedAttributeValueOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("GetCalculatedAttributeForProfile",
                    AfterDueExpiry(env, WithEnv(env, GetForProfile)));
  registry.Register("ListCalculatedAttributesForProfile",
                    AfterDueExpiry(env, WithEnv(env, ListForProfile)));
  registry.Register("BatchGetCalculatedAttributeForProfile",
                    AfterDueExpiry(env, WithEnv(env, BatchGetForProfile)));
}

}  // namespace profiled::service
