// CreateEventStream, GetEventStream, ListEventStreams, DeleteEventStream.
//
// An event stream is a named resource (resource_crud.h) recording its Kinesis destination (Uri).
// Creating one makes the domain's changes leave event records in its outbox (event_outbox.h),
// which event_delivery.h sends to the destination; the delivery writes the destination's state
// into the stream's document ("_Delivery"), which Get and List report (docs/events.md).
#include <string>

#include "service/common.h"
#include "service/event_delivery.h"
#include "service/event_outbox.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status PrepareEventStream(store::Txn&, const RequestContext& ctx, std::string_view,
                          json::object& doc, const json::object*) {
  std::string uri = GetStringOr(doc, "Uri", "");
  // The destination must be a Kinesis data stream ARN (any partition).
  bool kinesis = uri.rfind("arn:", 0) == 0 && uri.find(":kinesis:") != std::string::npos &&
                 uri.find(":stream/") != std::string::npos;
  if (!kinesis) {
    return Error::BadRequest(
        "Uri must be the ARN of a Kinesis data stream "
        "(arn:aws:kinesis:region:account-id:stream/stream-name), not " +
        uri);
  }
  // CreateEventStream's documentation: the destination is "in the same region and Amazon Web
  // Services account as the customer profiles domain".
  const std::string same = ":kinesis:" + ctx.region + ":" + ctx.account_id + ":stream/";
  if (uri.find(same) == std::string::npos) {
    return Error::BadRequest(
        "Uri must name a Kinesis data stream in the domain's region and "
        "account (" +
        ctx.region + ", " + ctx.account_id + "), not " + uri);
  }
  return OkStatus();
}

// State and destination status are what the delivery last found ("_Delivery", written by
// event_delivery.cc); a stream nothing was sent to yet is RUNNING and HEALTHY.
void DeriveEventStream(json::object& view) {
  // A copy: inserting into `view` below may rehash it and move what a pointer into it points to.
  const json::object* stored = GetObject(view, "_Delivery");
  const json::object delivery_copy = stored ? *stored : json::object();
  const json::object* delivery = &delivery_copy;
  view["State"] = GetStringOr(*delivery, "State", "RUNNING");
  if (const json::value* since = delivery->if_contains("StoppedSince")) {
    view["StoppedSince"] = *since;
  }
  json::object destination;
  destination["Uri"] = view["Uri"];
  destination["Status"] = GetStringOr(*delivery, "Status", "HEALTHY");
  if (const json::value* since = delivery->if_contains("UnhealthySince")) {
    destination["UnhealthySince"] = *since;
  }
  if (auto message = GetString(*delivery, "Message")) destination["Message"] = *message;
  view["DestinationSummary"] = destination;
  view["DestinationDetails"] = std::move(destination);
}

Status LinkStreamToDomain(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                          std::string_view name) {
  ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kEventStreamKind, name));
  if (!body) return Error::Internal("event stream vanished while being created");
  ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
  return SetDomainEventStream(txn, DomainScope(ctx, domain), name, GetStringOr(doc, "Uri", ""));
}

Status UnlinkStreamFromDomain(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                              std::string_view name) {
  return SetDomainEventStream(txn, DomainScope(ctx, domain), name, "");
}

}  // namespace

void RegisterEventStreamOperations(Registry& registry, const ServiceEnv& env) {
  ResourceSpec spec;
  spec.kind = kEventStreamKind;
  spec.collection = "event-streams";
  spec.label = "Event stream";
  spec.name_member = "EventStreamName";
  spec.arn_member = "EventStreamArn";
  spec.create_members = {"Uri"};
  spec.prepare = PrepareEventStream;
  spec.derive = DeriveEventStream;
  spec.after_put = LinkStreamToDomain;
  spec.after_delete = UnlinkStreamFromDomain;
  RegisterResource(registry, env, spec,
                   {.create = "CreateEventStream",
                    .get = "GetEventStream",
                    .update = "",
                    .list = "ListEventStreams",
                    .del = "DeleteEventStream"});
  StartEventDelivery(env);
}

}  // namespace profiled::service
