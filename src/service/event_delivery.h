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
//   - a TRIGGERED record not sent within its trigger's EventExpiration is dropped unsent;
//   - one process at a time drains a stream: it holds the stream's delivery lease (a document
//     kEventDeliveryLeaseKind, event_outbox.h, naming the holder and an expiry, taken and renewed
//     in a store transaction), so that several processes on one PostgreSQL database never
//     interleave a profile's records. A holder renews the lease while it works and releases it when
//     it stops; a crashed holder's lease lapses after `lease` and another process takes the stream
//     over.
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
  // How long a delivery lease lasts unless renewed. Longer than a PutRecords call can take
  // (aws/http_client.h: 10 s), so a holder never sends after its lease lapsed; renewed when a
  // third of it has passed.
  std::chrono::milliseconds lease{30'000};
};

class EventDelivery {
 public:
  // All three must outlive the delivery.
  EventDelivery(store::Store& store, RecordStreams& streams, const Clock& clock,
                EventDeliveryOptions options = {});
  // Releases the leases it holds (ReleaseLeases).
  ~EventDelivery();
  EventDelivery(const EventDelivery&) = delete;
  EventDelivery& operator=(const EventDelivery&) = delete;

  // One pass over every domain with event streams: each stream whose backoff has passed gets
  // one batch. Returns how many records Kinesis accepted.
  Result<int64_t> RunOnce();

  // Gives up the delivery leases this delivery holds, so that another process takes their
  // streams over at once rather than after the lease lapses. Called when the process stops.
  Status ReleaseLeases();

  // Identifies this delivery in the leases it holds (unique per instance).
  const std::string& owner() const { return owner_; }

 private:
  struct StreamState {
    int failures = 0;
    std::chrono::steady_clock::time_point next_attempt{};
    int64_t dropped = 0;      // records dropped over the backlog bound since the last success
    int64_t lease_until = 0;  // epoch ms until which this delivery holds the lease; 0: not held
  };
  // Whether this delivery holds (now) the lease of stream `name`: takes a free or lapsed one,
  // renews its own when a third of it has passed, and leaves one another delivery holds.
  Result<bool> HoldLease(const store::Scope& scope, const std::string& name, StreamState& state);
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
  std::string owner_;
  std::map<std::string, StreamState> states_;  // by "account/domain/name"; RunOnce's thread only
};

// Starts the delivery on env.background (service/background.h) when the process has one and a
// Kinesis client (env.destinations): a pass, then the idle poll, or at once when a pass sent
// something (more may wait). Called at registration (event_stream.cc).
struct ServiceEnv;
void StartEventDelivery(const ServiceEnv& env, EventDeliveryOptions options = {});

}  // namespace profiled::service
