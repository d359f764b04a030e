#include "api/quota_limits.h"

#include <algorithm>
#include <optional>
#include <string>

namespace profiled::api {
namespace {
namespace json = boost::json;

// One counted quota: creating with `operation` adds one resource that `list` counts.
struct CountedLimit {
  std::string_view operation;
  std::string_view limit;        // the quota table's name
  std::string_view list;         // the List operation that counts what exists
  std::string_view what;         // in the message: "domains per account"
  std::string_view exists = "";  // a Get whose success means the call replaces, not adds
  std::string_view key = "";     // the member naming the resource for `exists`
};

constexpr CountedLimit kCounted[] = {
    {"CreateDomain", "DomainsPerAccount", "ListDomains", "domains per account"},
    {"PutProfileObjectType", "ObjectTypesPerDomain", "ListProfileObjectTypes",
     "object types per domain", "GetProfileObjectType", "ObjectTypeName"},
    {"CreateCalculatedAttributeDefinition", "CalculatedAttributesPerDomain",
     "ListCalculatedAttributeDefinitions", "calculated attributes per domain"},
    {"CreateEventStream", "EventStreamsPerDomain", "ListEventStreams", "event streams per domain"},
    {"CreateEventTrigger", "EventTriggersPerDomain", "ListEventTriggers",
     "event triggers per domain"},
    {"PutIntegration", "IntegrationsPerDomain", "ListIntegrations", "integrations per domain",
     "GetIntegration", "Uri"},
    {"CreateIntegrationWorkflow", "IntegrationsPerDomain", "ListIntegrations",
     "integrations per domain"},
};

constexpr std::string_view kKeysPerObjectType = "KeysPerObjectType";
constexpr std::string_view kProfileBytes = "ProfileBytes";

// Whether at least `limit` resources exist; nullopt when they cannot be counted. Pages of 100
// (the model's largest MaxResults), stopping as soon as the limit is reached.
std::optional<bool> AtLeast(const service::Handler& list, const service::RequestContext& context,
                            const json::object& input, const CountedLimit& rule, int64_t limit) {
  json::object request;
  if (const json::value* domain = input.if_contains("DomainName")) {
    request["DomainName"] = *domain;
  }
  if (rule.list == "ListIntegrations") request["IncludeHidden"] = true;
  request["MaxResults"] = 100;
  int64_t count = 0;
  while (count < limit) {
    auto page = list(context, request);
    if (!page.ok()) return std::nullopt;
    const json::value* items = page->if_contains("Items");
    if (items && items->is_array()) count += static_cast<int64_t>(items->get_array().size());
    const json::value* next = page->if_contains("NextToken");
    if (!next || !next->is_string()) break;
    request["NextToken"] = *next;
  }
  return count >= limit;
}

Status LimitReached(int64_t limit, std::string_view what) {
  return Error::BadRequest("You reached the limit of " + std::to_string(limit) + " " +
                           std::string(what) + " (Customer Profiles service quota)");
}

}  // namespace

std::vector<std::string_view> ResourceLimits::KnownNames() {
  std::vector<std::string_view> names{kKeysPerObjectType, kProfileBytes};
  for (const CountedLimit& rule : kCounted) {
    if (std::find(names.begin(), names.end(), rule.limit) == names.end()) {
      names.push_back(rule.limit);
    }
  }
  return names;
}

const int64_t* ResourceLimits::Find(std::string_view name) const {
  auto it = limits_.find(name);
  return it == limits_.end() ? nullptr : &it->second;
}

Status ResourceLimits::Check(const service::Registry& registry,
                             const service::RequestContext& context, std::string_view operation,
                             const json::object& input, size_t body_bytes) const {
  if (operation == "CreateProfile" || operation == "UpdateProfile") {
    // AWS bounds a profile at 250 KB; the request that carries it is the closest measure the api
    // layer has of what it would store.
    const int64_t* max = Find(kProfileBytes);
    if (max && static_cast<int64_t>(body_bytes) > *max) {
      return Error::BadRequest("The profile is larger than the limit of " + std::to_string(*max) +
                               " bytes (Customer Profiles service quota)");
    }
    return OkStatus();
  }
  if (operation == "PutProfileObjectType") {
    const int64_t* max = Find(kKeysPerObjectType);
    const json::value* keys = input.if_contains("Keys");
    if (max && keys && keys->is_object() &&
        static_cast<int64_t>(keys->get_object().size()) > *max) {
      return Error::BadRequest("Keys has " + std::to_string(keys->get_object().size()) +
                               " keys, more than the limit of " + std::to_string(*max) +
                               " keys per object type (Customer Profiles service quota)");
    }
  }
  for (const CountedLimit& rule : kCounted) {
    if (rule.operation != operation) continue;
    const int64_t* max = Find(rule.limit);
    const service::Handler* list = registry.Find(rule.list);
    if (!max || !list) return OkStatus();
    std::optional<bool> full = AtLeast(*list, context, input, rule, *max);
    if (!full || !*full) return OkStatus();
    if (!rule.exists.empty()) {
      // Replacing what exists adds nothing.
      const service::Handler* get = registry.Find(rule.exists);
      json::object request;
      if (const json::value* domain = input.if_contains("DomainName")) {
        request["DomainName"] = *domain;
      }
      if (const json::value* key = input.if_contains(rule.key)) request[rule.key] = *key;
      if (get && (*get)(context, std::move(request)).ok()) return OkStatus();
    }
    return LimitReached(*max, rule.what);
  }
  return OkStatus();
}

}  // namespace profiled::api
