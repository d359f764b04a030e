// CreateSegmentDefinition, GetSegmentDefinition, ListSegmentDefinitions, DeleteSegmentDefinition.
//
// A segment definition is a named resource (resource_crud.h): SegmentGroups (a CLASSIC segment)
// or SegmentSqlQuery (an ENHANCED one). Profiled stores definitions; it does not evaluate
// membership (GetSegmentMembership, estimates and snapshots are not served).
#include <string>

#include "service/common.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status PrepareSegment(store::Txn&, const RequestContext&, std::string_view, json::object& doc,
                      const json::object*) {
  bool groups = doc.contains("SegmentGroups"), sql = doc.contains("SegmentSqlQuery");
  if (groups == sql) {
    return Error::BadRequest("Exactly one of SegmentGroups and SegmentSqlQuery must be given");
  }
  doc["SegmentType"] = groups ? "CLASSIC" : "ENHANCED";
  return OkStatus();
}

}  // namespace

void RegisterSegmentOperations(Registry& registry, const ServiceEnv& env) {
  ResourceSpec spec;
  spec.kind = kSegmentDefinitionKind;
  spec.collection = "segment-definitions";
  spec.label = "Segment definition";
  spec.name_member = "SegmentDefinitionName";
  spec.arn_member = "SegmentDefinitionArn";
  spec.max_page = 500;
  spec.create_members = {"DisplayName", "Description", "SegmentGroups", "SegmentSqlQuery",
                         "SegmentSort"};
  spec.prepare = PrepareSegment;
  RegisterResource(registry, env, spec,
                   {.create = "CreateSegmentDefinition",
                    .get = "GetSegmentDefinition",
                    .update = "",
                    .list = "ListSegmentDefinitions",
                    .del = "DeleteSegmentDefinition"});
}

}  // namespace profiled::service
