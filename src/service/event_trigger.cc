// CreateEventTrigger, GetEventTrigger, UpdateEventTrigger, ListEventTriggers, DeleteEventTrigger.
//
// An event trigger is a named resource (resource_crud.h). Its object type, and its segment filter
// when given, must exist in the domain; one that an integration names (EventTriggerNames) cannot
// be deleted. Triggers fire as objects are put (event_trigger_eval.h, docs/events.md).
#include <string>

#include "service/common.h"
#include "service/event_trigger_eval.h"
#include "service/object_type.h"
#include "service/operations.h"
#include "service/resource_crud.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status PrepareTrigger(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                      json::object& doc, const json::object*) {
  ASSIGN_OR_RETURN(json::object type,
                   LoadObjectType(txn, ctx, domain, GetStringOr(doc, "ObjectTypeName", "")));
  RETURN_IF_ERROR(CheckTriggerConditions(doc, type));
  if (auto segment = GetString(doc, "SegmentFilter")) {
    RETURN_IF_ERROR(RequireResourceOfKind(txn, ctx, domain, kSegmentDefinitionKind,
                                          "Segment definition", *segment));
  }
  return OkStatus();
}

// DeleteEventTrigger's documentation: "You cannot delete an Event Trigger with an active
// Integration associated." Runs in the deleting transaction, so an error undoes the delete.
Status RefuseIfIntegrated(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                          std::string_view name) {
  return ForEachDocument(
      txn, DomainScope(ctx, domain), kIntegrationKind, "", "",
      [&](const store::Document& doc) -> Status {
        ASSIGN_OR_RETURN(json::object integration, ParseStored(doc.body));
        if (const json::array* names = GetArray(integration, "EventTriggerNames")) {
          for (const json::value& n : *names) {
            if (n.is_string() && n.get_string() == name) {
              return Error::BadRequest("Event trigger " + std::string(name) +
                                       " cannot be deleted: integration " +
                                       GetStringOr(integration, "Uri", doc.id) + " uses it");
            }
          }
        }
        return OkStatus();
      });
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
  spec.after_delete = RefuseIfIntegrated;
  RegisterResource(registry, env, spec,
                   {.create = "CreateEventTrigger",
                    .get = "GetEventTrigger",
                    .update = "UpdateEventTrigger",
                    .list = "ListEventTriggers",
                    .del = "DeleteEventTrigger"});
}

}  // namespace profiled::service
