// PutDomainObjectType, GetDomainObjectType, ListDomainObjectTypes, DeleteDomainObjectType.
//
// A domain object type is a named resource (resource_crud.h) that PutDomainObjectType creates or
// replaces (keeping CreatedAt). As AWS documents, creating one needs the domain's data store
// enabled (CreateDomain/UpdateDomain DataStore.Enabled). Profiled stores the mapping of Fields;
// nothing is ingested through it.
#include <string>

#include "service/common.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status PrepareDomainObjectType(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                               json::object&, const json::object* previous) {
  if (previous) return OkStatus();
  ASSIGN_OR_RETURN(json::object domain_doc, LoadDomain(txn, ctx, domain));
  const json::object* data_store = GetObject(domain_doc, "DataStore");
  bool enabled = data_store && GetBool(*data_store, "Enabled").value_or(false);
  if (!enabled) {
    return Error::BadRequest("Data store must be enabled on domain " + std::string(domain) +
                             " to create a domain object type");
  }
  return OkStatus();
}

}  // namespace

void RegisterDomainObjectTypeOperations(Registry& registry, const ServiceEnv& env) {
  ResourceSpec spec;
  spec.kind = kDomainObjectTypeKind;
  spec.collection = "domain-object-types";
  spec.label = "Domain object type";
  spec.name_member = "ObjectTypeName";
  spec.create_members = {"Description", "EncryptionKey", "Fields"};
  spec.upsert = true;
  spec.prepare = PrepareDomainObjectType;
  RegisterResource(registry, env, spec,
                   {.create = "PutDomainObjectType",
                    .get = "GetDomainObjectType",
                    .update = "",
                    .list = "ListDomainObjectTypes",
                    .del = "DeleteDomainObjectType"});
}

}  // namespace profiled::service
