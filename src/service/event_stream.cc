// CreateEventStream, GetEventStream, ListEventStreams, DeleteEventStream.
//
// An event stream is a named resource (resource_crud.h) recording its Kinesis destination (Uri).
// Profiled does not deliver events to Kinesis: a stream is always reported RUNNING with a HEALTHY
// destination, so that tools which create and check streams work, but nothing is sent
// (docs/resources.md).
#include <string>

#include "service/common.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status PrepareEventStream(store::Txn&, const RequestContext&, std::string_view, json::object& doc,
                          const json::object*) {
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
  return OkStatus();
}

// Computed, not stored: nothing is delivered, so the stream and its destination always look
// healthy (GetEventStream shows DestinationDetails, ListEventStreams DestinationSummary).
void DeriveEventStream(json::object& view) {
  view["State"] = "RUNNING";
  json::object destination;
  destination["Uri"] = view["Uri"];
  destination["Status"] = "HEALTHY";
  view["DestinationSummary"] = destination;
  view["DestinationDetails"] = std::move(destination);
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
  RegisterResource(registry, env, spec,
                   {.create = "CreateEventStream",
                    .get = "GetEventStream",
                    .update = "",
                    .list = "ListEventStreams",
                    .del = "DeleteEventStream"});
}

}  // namespace profiled::service
