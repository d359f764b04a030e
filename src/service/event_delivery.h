// File: event_delivery.h
// Drains the event-stream outboxes (event_outbox.h) to their Kinesis destinations
// (destinations.h RecordStreams), at least once and in order per profile (docs/events.md):
//   - a batch (one PutRecords: at most 500 records, 5 MiB) holds at most one record per profile
//     (PartitionKey), the oldest of each, so a record refused by Kinesis is sent again before
//     any later record of its profile;
//   - a record leaves the outbox only after Kinesis accepted it;
//   - a failing destination is retried with exponential backoff (min_backoff doubling to
//     max_backoff) and reported in GetEventStream: DestinationDetails.Status UNHEALTHY with
//     UnhealthySince and Message; State STOPPED with StoppedSince when the destination refuses
//     (no such stream, access denied) rather than being unreachable; both recover on success;
//   - while it fails, records wait on disk up to max_backlog per stream (checked at the first
//     failure and every 8th after it); beyond that the oldest are dropped and the Message says
//     how many;
//   - a TRIGGERED record not sent within its trigger's EventExpiration is dropped unsent.
// One process drains: several processes on one PostgreSQL database each deliver, which keeps
// at-least-once but not the per-profile order (docs/events.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "service/destinations.h"
#include "store/store.h"

namespace profiled::service {

struct EventDeliveryOptions {
  size_t max_batch_records = 500;            // Kinesis PutRecords' limit
  size_t max_batch_bytes = 5 * 1024 * 1024;  // Kinesis PutRecords' limit
  int64_t max_backlog = 1'000'000;           // records kept per stream while it fails
  std::chrono::milliseconds idle_poll{100};
  std::chrono::milliseconds min_backoff{250};
  std::chrono::milliseconds max_backoff{5000};
};

class EventDelivery {
 public:
  // All three must outlive the delivery.
  EventDelivery(store::Store& store, RecordStreams& streams, const Clock& clock,
                EventDeliveryOptions options = {});

  // One pass over every domain with event streams: each stream whose backoff has passed gets
  // one batch. Returns how many records Kinesis accepted.
  Result<int64_t> RunOnce();

 private:
  struct StreamState {
    int failures = 0;
    std::chrono::steady_clock::time_point next_attempt{};
    int64_t dropped = 0;  // records dropped over the backlog bound since the last success
  };
  Result<int64_t> DrainStream(const std::string& account, const std::string& domain,
                              const std::string& name, const std::string& uri);
  Status RecordOutcome(const std::string& account, const std::string& domain,
                       const std::string& name, const Status& outcome);
  Status TrimBacklog(const std::string& account, const std::string& domain, const std::string& name,
                     StreamState& state);

  store::Store& store_;
  RecordStreams& streams_;
  const Clock& clock_;
  EventDeliveryOptions options_;
  std::map<std::string, StreamState> states_;  // by "account/domain/name"; RunOnce's thread only
};

// Starts the delivery on env.background (service/background.h) when the process has one and a
// Kinesis client (env.destinations): a pass, then the idle poll, or at once when a pass sent
// something (more may wait). Called at registration (event_stream.cc).
struct ServiceEnv;
void StartEventDelivery(const ServiceEnv& env, EventDeliveryOptions options = {});

}  // namespace profiled::service
