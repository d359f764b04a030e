// PutIntegration, GetIntegration, ListIntegrations, DeleteIntegration, ListAccountIntegrations.
//
// An integration is a named resource (resource_crud.h) whose name is its Uri. Profiled runs no
// AppFlow flows: an integration records which object type(s) data from the Uri maps to, and
// PutProfileObject is how data arrives. ListAccountIntegrations finds a Uri's integrations across
// the account's domains through an account-level index (name kAccountIndex, value Uri, ref domain)
// instead of scanning domains. DeleteDomain removes the domain's documents but not that account
// index row; a stale row is skipped when listing, because its integration document is gone.
// The same index tells PutIntegration whether another domain already has the Uri: "An
// integration can belong to only one domain" (PutIntegration's documentation).
#include <boost/json/array.hpp>
#include <string>

#include "service/common.h"
#include "service/object_type.h"
#include "service/operations.h"
#include "service/resource_crud.h"
#include "service/store_walk.h"
#include "service/tags.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kAccountIndex = "integrations/uri";
constexpr std::string_view kListAccountPurpose = "ListAccountIntegrations";
// Account scope, id = Uri, never written: PutIntegration locks it so that two domains putting
// one Uri at once are serialised (the second sees the first's index row).
constexpr std::string_view kUriLockKind = "integration_uri_lock";

// PutIntegration's documentation: "An integration can belong to only one domain." BadRequest
// when a live integration of another domain has the Uri (rows of deleted domains are stale).
Status RequireUriFree(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                      std::string_view uri) {
  ASSIGN_OR_RETURN(auto lock, txn.GetForUpdate(AccountScope(ctx), kUriLockKind, uri));
  (void)lock;
  return ForEachIndexRef(
      txn, AccountScope(ctx), kAccountIndex, uri, "", [&](const std::string& other) -> Status {
        if (other == domain) return OkStatus();
        ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, other), kIntegrationKind, uri));
        if (!body) return OkStatus();
        return Error::BadRequest("Integration " + std::string(uri) + " already belongs to domain " +
                                 other + ": an integration can belong to only one domain");
      });
}

// PutIntegration's ObjectTypeNames: "It supports the following event types: SegmentIdentify,
// ShopifyCreateCustomers, ShopifyUpdateCustomers, ShopifyCreateDraftOrders,
// ShopifyUpdateDraftOrders, ShopifyCreateOrders, and ShopifyUpdatedOrders."
bool IsDocumentedEventType(std::string_view key) {
  static constexpr std::string_view kTypes[] = {
      "SegmentIdentify",          "ShopifyCreateCustomers",   "ShopifyUpdateCustomers",
      "ShopifyCreateDraftOrders", "ShopifyUpdateDraftOrders", "ShopifyCreateOrders",
      "ShopifyUpdatedOrders"};
  for (std::string_view t : kTypes) {
    if (t == key) return true;
  }
  return false;
}

Status PrepareIntegration(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                          json::object& doc, const json::object*) {
  RETURN_IF_ERROR(RequireUriFree(txn, ctx, domain, GetStringOr(doc, "Uri", "")));
  auto type_name = GetString(doc, "ObjectTypeName");
  const json::object* type_names = GetObject(doc, "ObjectTypeNames");
  if (!type_name && (!type_names || type_names->empty())) {
    return Error::BadRequest("Either ObjectTypeName or ObjectTypeNames must be given");
  }
  if (type_name) RETURN_IF_ERROR(LoadObjectType(txn, ctx, domain, *type_name));
  if (type_names) {
    for (const auto& [event_type, name] : *type_names) {
      if (!IsDocumentedEventType(event_type)) {
        return Error::BadRequest(
            "ObjectTypeNames: " + std::string(event_type) +
            " is not a supported event type (SegmentIdentify, ShopifyCreateCustomers, "
            "ShopifyUpdateCustomers, ShopifyCreateDraftOrders, ShopifyUpdateDraftOrders, "
            "ShopifyCreateOrders, ShopifyUpdatedOrders)");
      }
      if (!name.is_string()) {
        return Error::BadRequest("ObjectTypeNames." + std::string(event_type) +
                                 " must be an object type name");
      }
      RETURN_IF_ERROR(LoadObjectType(txn, ctx, domain, name.get_string()));
    }
  }
  if (const json::array* triggers = GetArray(doc, "EventTriggerNames")) {
    for (const auto& t : *triggers) {
      if (!t.is_string()) continue;
      RETURN_IF_ERROR(RequireResourceOfKind(txn, ctx, domain, kEventTriggerKind, "Event trigger",
                                            t.get_string()));
    }
  }
  if (!doc.contains("Scope")) doc["Scope"] = "PROFILE";
  // Data from the Uri is not pulled by a flow here, so it is never "unstructured" flow data.
  doc["IsUnstructured"] = false;
  return OkStatus();
}

ResourceSpec IntegrationSpec() {
  ResourceSpec spec;
  spec.kind = kIntegrationKind;
  spec.collection = "integrations";
  spec.label = "Integration";
  spec.name_member = "Uri";
  // WorkflowId is not a member of PutIntegration's input (the binder drops it from a request):
  // only a completing integration workflow (workflow.h) sets it.
  spec.create_members = {"ObjectTypeName",    "ObjectTypeNames", "FlowDefinition", "RoleArn",
                         "EventTriggerNames", "Scope",           "WorkflowId"};
  spec.upsert = true;
  spec.prepare = PrepareIntegration;
  spec.after_put = [](store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                      std::string_view uri) {
    return txn.IndexAdd(AccountScope(ctx), kAccountIndex, uri, domain);
  };
  spec.after_delete = [](store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                         std::string_view uri) {
    return txn.IndexRemove(AccountScope(ctx), kAccountIndex, uri, domain);
  };
  return spec;
}

Result<json::object> ListAccountIntegrations(const ServiceEnv& env, const RequestContext& ctx,
                                             const json::object& in) {
  std::string uri = GetStringOr(in, "Uri", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kListAccountPurpose));
  size_t page = PageSize(in, 100, 100);
  ResourceSpec spec = IntegrationSpec();
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    json::array items;
    std::string after = cursor, last;
    bool more = false;
    // Stale rows (the domain was deleted) are skipped, so read on until a full page plus one.
    while (!more) {
      ASSIGN_OR_RETURN(auto domains,
                       txn.IndexLookup(AccountScope(ctx), kAccountIndex, uri, after, page + 1));
      for (const std::string& domain : domains) {
        after = domain;
        ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kIntegrationKind, uri));
        if (!body) continue;
        if (items.size() == page) {
          more = true;
          break;
        }
        ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
        doc["DomainName"] = domain;
        ASSIGN_OR_RETURN(json::object tags,
                         LoadTags(txn, ctx, ResourceArn(ctx, domain, "integrations", uri)));
        if (!tags.empty()) doc["Tags"] = std::move(tags);
        items.push_back(std::move(doc));  // the serializer keeps the item shape's members
        last = domain;
      }
      if (domains.size() < page + 1) break;
    }
    out["Items"] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(kListAccountPurpose, last);
    return OkStatus();
  }));
  return out;
}

}  // namespace

void RegisterIntegrationOperations(Registry& registry, const ServiceEnv& env) {
  RegisterResource(registry, env, IntegrationSpec(),
                   {.create = "PutIntegration",
                    .get = "GetIntegration",
                    .update = "",
                    .list = "ListIntegrations",
                    .del = "DeleteIntegration"});
  registry.Register("ListAccountIntegrations", [env](const RequestContext& ctx, json::object in) {
    return ListAccountIntegrations(env, ctx, in);
  });
}

}  // namespace profiled::service
