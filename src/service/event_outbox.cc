#include "service/event_outbox.h"

#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <optional>
#include <vector>

#include "common/ids.h"
#include "service/common.h"
#include "service/event_trigger_eval.h"
#include "service/history.h"
#include "service/profile_object.h"
#include "service/profile_patch.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// Whether a history action removed what it names (a profile, or one object).
bool IsRemoval(std::string_view action_type) {
  return action_type.starts_with("DELETED_BY") || action_type == "EXPIRED";
}

// The event type of a history action (AWS documents CREATED and UPDATED; a deletion or an
// expiry is DELETED, docs/events.md).
std::string_view EventTypeOf(std::string_view action_type) {
  if (action_type == "CREATED") return "CREATED";
  if (IsRemoval(action_type)) return "DELETED";
  return "UPDATED";
}

json::value ParseOr(std::string_view text, json::value fallback) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? fallback : v;
}

struct Outgoing {
  std::string id;    // outbox id after "{stream}/"
  std::string body;  // the outbox document
};

std::string OutboxBody(std::string_view partition_key, const json::object& event,
                       int64_t created_ms, int64_t expires_ms) {
  json::object entry;
  entry["PartitionKey"] = partition_key;
  entry["Data"] = json::serialize(event);
  entry["CreatedAt"] = created_ms;
  if (expires_ms > 0) entry["ExpiresAt"] = expires_ms;
  return json::serialize(entry);
}

}  // namespace

std::string IsoTimestamp(int64_t epoch_ms, bool millis) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (millis) {
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(epoch_ms % 1000));
  } else {
    std::snprintf(buf + n, sizeof buf - n, "Z");
  }
  return buf;
}

Status RecordChangeEvents(store::Txn& txn, store::Scope scope, std::string_view record_body,
                          const json::object* profile, EventStreamsRead* read,
                          std::string_view ingested_text) {
  // The whole cost for a domain without event streams: this read of an absent key.
  EventStreamsRead read_now;
  if (read == nullptr) read = &read_now;
  if (!read->done) {
    ASSIGN_OR_RETURN(read->document, txn.Get(scope, kEventStreamsKind, kEventStreamsId));
    read->done = true;
  }
  const std::optional<std::string>& marker = read->document;
  if (!marker) return OkStatus();
  ASSIGN_OR_RETURN(json::object streams_doc, ParseStored(*marker));
  const json::object* streams = GetObject(streams_doc, "Streams");
  if (streams == nullptr || streams->empty()) return OkStatus();
  ASSIGN_OR_RETURN(json::object record, ParseStored(record_body));

  const std::string record_id = GetStringOr(record, "Id", "");
  const std::string profile_id = GetStringOr(record, kRecordProfileMember, "");
  const std::string action = GetStringOr(record, "ActionType", "");
  const std::string type_name = GetStringOr(record, "ObjectTypeName", "");
  const std::string unique_key = GetStringOr(record, "ProfileObjectUniqueKey", "");
  const json::value* created_at = record.if_contains("CreatedAt");
  const int64_t now_ms = created_at != nullptr && created_at->is_number()
                             ? static_cast<int64_t>(created_at->to_number<double>() * 1000)
                             : 0;
  const bool is_object = type_name != kProfileObjectTypeName;

  json::object event;
  event["SchemaVersion"] = 0;
  event["EventId"] = NewUuid();
  event["EventTimestamp"] = IsoTimestamp(now_ms);
  const bool removal = IsRemoval(action);
  if (is_object && removal) {
    event["EventType"] = "DELETED";
  } else if (is_object) {
    // The object document is stored after its history record: present now means replaced.
    ASSIGN_OR_RETURN(auto existing,
                     txn.Get(scope, kObjectKind, ObjectDocId(type_name, unique_key)));
    event["EventType"] = existing ? "UPDATED" : "CREATED";
  } else {
    event["EventType"] = EventTypeOf(action);
  }
  event["DomainName"] = scope.domain;
  event["ObjectTypeName"] = type_name;
  event["AssociatedProfileId"] = profile_id;
  if (is_object) event["ProfileObjectUniqueKey"] = unique_key;
  const std::string content = record.contains(kContentInObjectMember)
                                  ? std::string(ingested_text)
                                  : GetStringOr(record, "Content", "");
  std::optional<json::object> created;  // a new profile's, when its record does not copy it
  if (profile == nullptr && record.contains(kContentInProfileMember)) {
    ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, profile_id));
    if (body) {
      ASSIGN_OR_RETURN(created, ParseStored(*body));
      profile = &*created;
    }
  }
  if (!is_object && profile != nullptr && !EventTypeOf(action).starts_with("DELETED")) {
    event["Object"] = PublicProfile(*profile);  // key actions' Content is the key, not the profile
  } else if (!content.empty()) {
    event["Object"] = ParseOr(content, json::string(content));
  } else {
    json::object only_id;
    only_id["ProfileId"] = profile_id;
    event["Object"] = std::move(only_id);
  }
  event["IsMessageRealTime"] = true;

  std::vector<Outgoing> out;
  out.push_back({record_id, OutboxBody(profile_id, event, now_ms, 0)});

  if (is_object && !removal) {
    ASSIGN_OR_RETURN(std::vector<FiredTrigger> fired,
                     EvaluateTriggers(txn, scope, type_name, *event.if_contains("Object"), profile,
                                      profile_id, now_ms));
    for (const FiredTrigger& trigger : fired) {
      json::object t = event;
      t["EventId"] = NewUuid();
      t["EventType"] = "TRIGGERED";
      t["EventTriggerName"] = trigger.name;
      out.push_back({record_id + "/t/" + trigger.name,
                     OutboxBody(profile_id, t, now_ms,
                                trigger.expiration_ms > 0 ? now_ms + trigger.expiration_ms : 0)});
    }
  }
  for (const auto& [name, uri] : *streams) {
    for (const Outgoing& o : out) {
      RETURN_IF_ERROR(txn.Put(scope, kEventOutboxKind, std::string(name) + "/" + o.id, o.body));
    }
  }
  return OkStatus();
}

Status SetDomainEventStream(store::Txn& txn, store::Scope scope, std::string_view name,
                            std::string_view uri) {
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kEventStreamsKind, kEventStreamsId));
  json::object doc;
  if (body) {
    ASSIGN_OR_RETURN(doc, ParseStored(*body));
  }
  json::object streams;
  if (const json::object* s = GetObject(doc, "Streams")) streams = *s;
  const std::string registry_id = std::string(scope.account) + "/" + std::string(scope.domain);
  if (uri.empty()) {
    streams.erase(name);
    RETURN_IF_ERROR(txn.DeleteKind(scope, kEventOutboxKind, std::string(name) + "/"));
    ASSIGN_OR_RETURN(bool leased, txn.Delete(scope, kEventDeliveryLeaseKind, name));
    (void)leased;
  } else {
    streams[name] = uri;
  }
  if (streams.empty()) {
    RETURN_IF_ERROR(txn.Delete(scope, kEventStreamsKind, kEventStreamsId));
    RETURN_IF_ERROR(txn.Delete(kSystemScope, kEventStreamRegistryKind, registry_id));
    return OkStatus();
  }
  doc["Streams"] = std::move(streams);
  RETURN_IF_ERROR(txn.Put(scope, kEventStreamsKind, kEventStreamsId, Serialize(doc)));
  return txn.Put(kSystemScope, kEventStreamRegistryKind, registry_id, "{}");
}

}  // namespace profiled::service
