// File: resource_crud.h
// One generic "named document resource" of a domain: integrations, event streams, domain
// layouts, event triggers, calculated attribute definitions and segment definitions are all a
// document per name in the domain's scope, with CreatedAt/LastUpdatedAt, an ARN
// arn:…:domains/{domain}/{collection}/{name} whose tags live with the tags service, and the same
// create / get / update / list / delete behaviour. A ResourceSpec says what differs (the store
// kind, the ARN collection, which members create and update copy, and a few hooks), and
// RegisterResource serves the operations; the resource files only declare their spec.
//
// Every operation answers with the whole view of the resource (below); the serializer writes
// only the members of the operation's output shape (api/serializer.h), so e.g. CreateEventStream
// answers EventStreamArn and Tags while GetEventStream answers its State and destination.
//
// Because the documents live in the domain's scope, DeleteDomain removes them with the domain.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

// Store kinds of the named resources (domain scope, id = the resource's name).
inline constexpr std::string_view kIntegrationKind = "integration";  // id = Uri
inline constexpr std::string_view kEventStreamKind = "event_stream";
inline constexpr std::string_view kDomainLayoutKind = "domain_layout";
inline constexpr std::string_view kEventTriggerKind = "event_trigger";
inline constexpr std::string_view kCalculatedAttributeKind = "calculated_attribute";
inline constexpr std::string_view kSegmentDefinitionKind = "segment_definition";
inline constexpr std::string_view kDomainObjectTypeKind = "domain_object_type";
inline constexpr std::string_view kRecommenderKind = "recommender";
inline constexpr std::string_view kRecommenderFilterKind = "recommender_filter";
inline constexpr std::string_view kRecommenderSchemaKind = "recommender_schema";

struct ResourceSpec {
  std::string_view kind;         // store kind
  std::string_view collection;   // ARN path segment, e.g. "event-streams"
  std::string_view label;        // for messages, e.g. "Event stream"
  std::string_view name_member;  // input member naming the resource, e.g. "EventStreamName"
  std::string_view arn_member;   // output member carrying the ARN ("" when no shape has one)
  size_t max_page = 100;         // the List operation's MaxResults maximum
  std::string_view list_member = "Items";  // the List output member holding the page

  // Create copies these input members into the stored document; Update patches these (absent
  // members keep their value).
  std::vector<std::string_view> create_members;
  std::vector<std::string_view> update_members;
  // Create of an existing name replaces it keeping CreatedAt (PutIntegration) instead of
  // answering BadRequest.
  bool upsert = false;

  // Checks and completes a document about to be written (create or update): references to other
  // resources exist, computed members. `previous` is the stored document being replaced, if any.
  std::function<Status(store::Txn&, const RequestContext&, std::string_view domain,
                       boost::json::object& doc, const boost::json::object* previous)>
      prepare;
  // Adds members computed at read time, which the stored document does not hold (e.g. an event
  // stream's State), to a view: the stored document plus DomainName, the ARN member and Tags
  // (when any). Create, Get, Update and each List item answer with the view; Delete answers
  // Message "{label} {name} was deleted." (where the output shape has a Message).
  std::function<void(boost::json::object& view)> derive;
  // Called in the same transaction after a document is written / deleted (account indexes).
  std::function<Status(store::Txn&, const RequestContext&, std::string_view domain,
                       std::string_view name)>
      after_put, after_delete;
};

// Operation names to register; "" leaves one out.
struct ResourceOps {
  std::string_view create, get, update, list, del;
};

void RegisterResource(Registry& registry, const ServiceEnv& env, const ResourceSpec& spec,
                      const ResourceOps& ops);

// arn:…:domains/{domain}/{collection}/{name}
std::string ResourceArn(const RequestContext& ctx, std::string_view domain,
                        std::string_view collection, std::string_view name);

// The stored document of a named resource, or NotFound naming it.
Result<boost::json::object> LoadResource(store::Txn& txn, const RequestContext& ctx,
                                         std::string_view domain, const ResourceSpec& spec,
                                         std::string_view name);
// NotFound unless a document of `kind` named `name` exists in the domain.
Status RequireResourceOfKind(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                             std::string_view kind, std::string_view label, std::string_view name);

// Whether `rest` ("{collection}/{name}", the ARN after "domains/{domain}/") names an existing
// sub-resource of the domain: object types and every named resource above. Used by the tags
// service so that only existing resources can be tagged.
Result<bool> SubResourceExists(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                               std::string_view rest);

// Copies the listed members of `from` that are present and not null.
boost::json::object PickMembers(const boost::json::object& from,
                                const std::vector<std::string_view>& members);

}  // namespace profiled::service
