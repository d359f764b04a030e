// File: event_outbox.h
// The durable outbox of event streams (docs/events.md): every profile and object change of a
// domain that has an event stream leaves, in the same transaction as the change, one record per
// stream in AWS's event-stream shape, which event_delivery.h sends to the stream's Kinesis
// destination. A change never reaches a stream without being committed, and a committed change
// is never lost by a crash or an unreachable destination (up to the backlog bound).
//
// The hook is history.cc's StorePreparedRecord: every profile and object change already appends
// a history record there, so the write paths need no call of their own. For a domain without
// event streams the hook costs one point read of an absent key (kEventStreamsKind).
//
// Store layout (domain scope unless said):
//   kEventStreamsKind   id kEventStreamsId           {"Streams": {name: Uri}}: which streams
//                                                     the domain has (written with the streams)
//   kEventOutboxKind    id "{stream}/{record id}"    a record waiting for delivery; trigger
//                       id "{stream}/{record id}/t/{trigger}"  events sort right after theirs
//   kTriggerInvocationsKind id "{trigger}/{ProfileId}"  recent invocation times
//   (EventTriggerLimits) kEventStreamRegistryKind (system scope {"", ""})  id "{account}/{domain}":
//   domains to drain
//   kEventDeliveryLeaseKind id "{stream}"            {"Owner", "ExpiresAt"}: the one delivery
//                                                     (process) that drains the stream
// Record ids are history record ids: a profile's ids sort in commit order, whichever process
// wrote them (history.cc's NextHistoryId advances the profile document's last id, which every
// change of the profile reads and writes under its lock), so draining in id order keeps each
// profile's events in order; the delivery lease keeps one drainer per stream.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "service/common.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kEventStreamsKind = "event_streams";
inline constexpr std::string_view kEventStreamsId = "streams";
inline constexpr std::string_view kEventOutboxKind = "event_outbox";
inline constexpr std::string_view kTriggerInvocationsKind = "event_trigger_invocations";
inline constexpr std::string_view kEventStreamRegistryKind = "event_stream_domains";
inline constexpr std::string_view kEventDeliveryLeaseKind = "event_delivery_lease";

// The domain's event-streams document as one transaction read it, for a transaction that records
// many changes (a batch of an import or an upload job) and changes no stream: it reads the
// document once instead of once per change. In a bulk load that read of an absent key looked
// through every file of the load, each time.
struct EventStreamsRead {
  bool done = false;
  std::optional<std::string> document;
};

// Called by StorePreparedRecord with the history record just stored (serialized) and, when the
// caller has it, the profile after the change (for trigger segment filters and key actions).
// Writes the outbox records of the domain's streams (none: returns after one read, or none when
// `read` holds it already).
// REQUIRES: a Write transaction.
// `ingested_text`: the Content of an INGESTED record that leaves it to its object (history.h).
Status RecordChangeEvents(store::Txn& txn, store::Scope scope, std::string_view record_body,
                          const boost::json::object* profile, EventStreamsRead* read = nullptr,
                          std::string_view ingested_text = {});

// Keeps kEventStreamsKind and the registry in step with the domain's streams: called in the
// transaction that creates (uri set) or deletes (uri empty) stream `name`. Deleting the last
// stream of a domain also drops its outbox.
Status SetDomainEventStream(store::Txn& txn, store::Scope scope, std::string_view name,
                            std::string_view uri);

// "2026-12-01T15:00:00Z" (or with ".123" milliseconds when `millis`), UTC.
std::string IsoTimestamp(int64_t epoch_ms, bool millis = false);

}  // namespace profiled::service
