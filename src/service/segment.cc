// CreateSegmentDefinition, GetSegmentDefinition, ListSegmentDefinitions, DeleteSegmentDefinition.
//
// A segment definition is a named resource (resource_crud.h): SegmentGroups (a CLASSIC segment)
// or SegmentSqlQuery (an ENHANCED one). A definition's groups are checked when it is stored
// (segment_ops.h: references and the documented limits); evaluation is segment_ops.cc's.
//
// A definition that another one names in SourceSegments, or that an event trigger names as its
// SegmentFilter, cannot be deleted (BadRequest naming the user): the dependent would silently
// change meaning, and deleting then re-creating a source could make SourceSegments circular.
#include <string>

#include "service/common.h"
#include "service/operations.h"
#include "service/resource_crud.h"
#include "service/segment_ops.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status PrepareSegment(const ServiceEnv& env, store::Txn& txn, const RequestContext& ctx,
                      std::string_view domain, json::object& doc) {
  bool groups = doc.contains("SegmentGroups"), sql = doc.contains("SegmentSqlQuery");
  if (groups == sql) {
    return Error::BadRequest("Exactly one of SegmentGroups and SegmentSqlQuery must be given");
  }
  doc["SegmentType"] = groups ? "CLASSIC" : "ENHANCED";
  return CheckSegmentDefinition(txn, ctx, domain, doc, env.clock->NowEpochSeconds());
}

// BadRequest when a segment definition or an event trigger of the domain still uses `name`.
Status RefuseDeleteInUse(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                         std::string_view name) {
  store::Scope scope = DomainScope(ctx, domain);
  auto in_use = [&](std::string_view what, std::string_view user) {
    return Error::BadRequest("Segment definition " + std::string(name) + " is used by " +
                             std::string(what) + " " + std::string(user) +
                             "; delete or change that first");
  };
  RETURN_IF_ERROR(ForEachDocument(
      txn, scope, kSegmentDefinitionKind, "", "", [&](const store::Document& d) -> Status {
        ASSIGN_OR_RETURN(json::object def, ParseStored(d.body));
        const json::object* groups = GetObject(def, "SegmentGroups");
        const json::array* list = groups ? GetArray(*groups, "Groups") : nullptr;
        for (const auto& g : list ? *list : json::array()) {
          const json::array* sources =
              g.is_object() ? GetArray(g.get_object(), "SourceSegments") : nullptr;
          for (const auto& s : sources ? *sources : json::array()) {
            if (s.is_object() && GetString(s.get_object(), "SegmentDefinitionName") == name) {
              return in_use("segment definition", d.id);
            }
          }
        }
        return OkStatus();
      }));
  return ForEachDocument(txn, scope, kEventTriggerKind, "", "",
                         [&](const store::Document& d) -> Status {
                           ASSIGN_OR_RETURN(json::object trigger, ParseStored(d.body));
                           if (GetString(trigger, "SegmentFilter") == name) {
                             return in_use("event trigger", d.id);
                           }
                           return OkStatus();
                         });
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
  spec.prepare = [env](store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                       json::object& doc,
                       const json::object*) { return PrepareSegment(env, txn, ctx, domain, doc); };
  spec.after_delete = RefuseDeleteInUse;
  RegisterResource(registry, env, spec,
                   {.create = "CreateSegmentDefinition",
                    .get = "GetSegmentDefinition",
                    .update = "",
                    .list = "ListSegmentDefinitions",
                    .del = "DeleteSegmentDefinition"});
  RegisterSegmentEvaluationOperations(registry, env);
}

}  // namespace profiled::service
