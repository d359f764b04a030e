// CreateEventTrigger, GetEventTrigger, UpdateEventTrigger, ListEventTriggers, DeleteEventTrigger.
//
// An event trigger is a named resource (resource_crud.h). Its object type, and its segment filter
// when given, must exist in the domain. Profiled stores triggers but does not fire them.
#include <string>

#include "service/common.h"
#include "service/object_type.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status PrepareTrigger(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                      json::object& doc, const json::object*) {
  RETURN_IF_ERROR(LoadObjectType(txn, ctx, domain, GetStringOr(doc, "ObjectTypeName", "")));
  if (auto segment = GetString(doc, "SegmentFilter")) {
    RETURN_IF_ERROR(RequireResourceOfKind(txn, ctx, domain, kSegmentDefinitionKind,
                                          "Segment definition", *segment));
  }
  return OkStatus();
}

}  // namespace

void RegisterEventTriggerOperations(Registry& registry, const ServiceEnv& env) {
  std::vector<std::string_view> members = {"ObjectTypeName", "Description",
                                           "EventTriggerConditions", "SegmentFilter",
                                           "EventTriggerLimits"};
  ResourceSpec spec;
  spec.kind = kEventTriggerKind;
  spec.collection = "event-triggers";
  spec.label = "Event trigger";
  spec.name_member = "EventTriggerName";
  spec.create_members = members;
  spec.update_members = members;
  spec.prepare = PrepareTrigger;
  RegisterResource(registry, env, spec,
                   {.create = "CreateEventTrigger",
                    .get = "GetEventTrigger",
                    .update = "UpdateEventTrigger",
                    .list = "ListEventTriggers",
                    .del = "DeleteEventTrigger"});
}

}  // namespace profiled::service
