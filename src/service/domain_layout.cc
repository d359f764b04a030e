// CreateDomainLayout, GetDomainLayout, UpdateDomainLayout, ListDomainLayouts, DeleteDomainLayout.
//
// A layout is a named resource (resource_crud.h). Version starts at "1" and counts updates, so a
// client can tell whether the layout it holds is current.
#include <string>

#include "service/common.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status PrepareLayout(store::Txn&, const RequestContext&, std::string_view, json::object& doc,
                     const json::object* previous) {
  int64_t version = 1;
  if (previous) {
    std::string old = GetStringOr(*previous, "Version", "0");
    version = std::strtoll(old.c_str(), nullptr, 10) + 1;
  }
  doc["Version"] = std::to_string(version);
  if (!doc.contains("IsDefault")) doc["IsDefault"] = false;
  return OkStatus();
}

}  // namespace

void RegisterDomainLayoutOperations(Registry& registry, const ServiceEnv& env) {
  std::vector<std::string_view> members = {"Description", "DisplayName", "IsDefault", "LayoutType",
                                           "Layout"};
  ResourceSpec spec;
  spec.kind = kDomainLayoutKind;
  spec.collection = "layouts";
  spec.label = "Layout";
  spec.name_member = "LayoutDefinitionName";
  spec.create_members = members;
  spec.update_members = members;
  spec.prepare = PrepareLayout;
  RegisterResource(registry, env, spec,
                   {.create = "CreateDomainLayout",
                    .get = "GetDomainLayout",
                    .update = "UpdateDomainLayout",
                    .list = "ListDomainLayouts",
                    .del = "DeleteDomainLayout"});
}

}  // namespace profiled::service
