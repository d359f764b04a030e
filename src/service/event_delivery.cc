#include "service/event_delivery.h"

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <set>
#include <vector>

#include "common/ids.h"
#include "common/log.h"
#include "service/background.h"
#include "service/common.h"
#include "service/event_outbox.h"
#include "service/resource_crud.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

struct Pending {
  std::string id;
  std::string partition_key;
  std::string data;
  int64_t expires_at = 0;
};

// What a failure makes of the stream: STOPPED when the destination refused (it will not accept
// until someone changes it), only UNHEALTHY when it could not be reached or was busy.
bool Refused(const Error& error) {
  return error.code() == ErrorCode::kNotFound || error.code() == ErrorCode::kBadRequest;
}

}  // namespace

EventDelivery::EventDelivery(store::Store& store, RecordStreams& streams, const Clock& clock,
                             EventDeliveryOptions options)
    : store_(store), streams_(streams), clock_(clock), options_(options), owner_(NewUuid()) {}

EventDelivery::~EventDelivery() {
  Status released = ReleaseLeases();
  if (!released.ok()) log::Warn("event delivery: " + released.error().message());
}

Result<bool> EventDelivery::HoldLease(const store::Scope& scope, const std::string& name,
                                      StreamState& state) {
  const int64_t now_ms = static_cast<int64_t>(clock_.NowEpochSeconds() * 1000);
  const int64_t lease_ms = options_.lease.count();
  // Whose the lease is now, by a read: a stream another delivery holds costs one point read a
  // pass, and so does checking that ours is still ours (a deleted and re-created stream starts
  // without a lease).
  std::string holder;
  int64_t expires = 0;
  RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    holder.clear();
    expires = 0;
    ASSIGN_OR_RETURN(auto body, txn.Get(scope, kEventDeliveryLeaseKind, name));
    if (!body) return OkStatus();
    ASSIGN_OR_RETURN(json::object lease, ParseStored(*body));
    holder = GetStringOr(lease, "Owner", "");
    expires = GetInt(lease, "ExpiresAt").value_or(0);
    return OkStatus();
  }));
  const bool mine = holder == owner_ && expires > now_ms;
  if (!mine) state.lease_until = 0;
  if (!holder.empty() && holder != owner_ && expires > now_ms) return false;
  if (mine && expires - now_ms > lease_ms * 2 / 3) {
    state.lease_until = expires;
    return true;
  }
  // Free, lapsed, or ours and due for renewal: take it under the document's lock, where a
  // delivery that took it meanwhile is seen.
  bool taken = false;
  RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    taken = false;
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kEventDeliveryLeaseKind, name));
    if (body) {
      ASSIGN_OR_RETURN(json::object lease, ParseStored(*body));
      if (GetStringOr(lease, "Owner", "") != owner_ &&
          GetInt(lease, "ExpiresAt").value_or(0) > now_ms) {
        return OkStatus();
      }
    }
    // Only while the stream exists: a lease must not outlive a deleted stream's domain.
    ASSIGN_OR_RETURN(auto stream, txn.Get(scope, kEventStreamKind, name));
    if (!stream) return OkStatus();
    json::object lease{{"Owner", owner_}, {"ExpiresAt", now_ms + lease_ms}};
    RETURN_IF_ERROR(txn.Put(scope, kEventDeliveryLeaseKind, name, json::serialize(lease)));
    taken = true;
    return OkStatus();
  }));
  state.lease_until = taken ? now_ms + lease_ms : 0;
  return taken;
}

Status EventDelivery::ReleaseLeases() {
  Status result = OkStatus();
  for (auto& [key, state] : states_) {
    if (state.lease_until == 0) continue;
    state.lease_until = 0;
    // key is "account/domain/name"; account and domain names hold no '/'.
    size_t a = key.find('/'), b = a == std::string::npos ? a : key.find('/', a + 1);
    if (b == std::string::npos) continue;
    const std::string account = key.substr(0, a), domain = key.substr(a + 1, b - a - 1);
    const std::string name = key.substr(b + 1);
    const store::Scope scope{account, domain};
    Status s = store_.Write([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kEventDeliveryLeaseKind, name));
      if (!body) return OkStatus();
      ASSIGN_OR_RETURN(json::object lease, ParseStored(*body));
      if (GetStringOr(lease, "Owner", "") != owner_) return OkStatus();
      ASSIGN_OR_RETURN(bool gone, txn.Delete(scope, kEventDeliveryLeaseKind, name));
      (void)gone;
      return OkStatus();
    });
    if (!s.ok() && result.ok()) result = s;
  }
  return result;
}

Result<int64_t> EventDelivery::RunOnce() {
  std::vector<std::string> domains;
  RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    domains.clear();
    return ForEachDocument(txn, kSystemScope, kEventStreamRegistryKind, "", "",
                           [&](const store::Document& doc) -> Status {
                             domains.push_back(doc.id);
                             return OkStatus();
                           });
  }));
  int64_t sent = 0;
  for (const std::string& entry : domains) {
    size_t slash = entry.find('/');
    if (slash == std::string::npos) continue;
    const std::string account = entry.substr(0, slash), domain = entry.substr(slash + 1);
    const store::Scope scope{account, domain};
    std::optional<json::object> streams;
    RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
      streams.reset();
      ASSIGN_OR_RETURN(auto body, txn.Get(scope, kEventStreamsKind, kEventStreamsId));
      if (!body) return OkStatus();
      ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
      if (const json::object* s = GetObject(doc, "Streams")) streams = *s;
      return OkStatus();
    }));
    if (!streams || streams->empty()) {
      // The domain was deleted (DeleteScope took its streams): forget it, unless a stream was
      // created meanwhile (the marker is read under its lock, as SetDomainEventStream writes it).
      RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
        ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kEventStreamsKind, kEventStreamsId));
        if (body) return OkStatus();
        RETURN_IF_ERROR(txn.Delete(kSystemScope, kEventStreamRegistryKind, entry));
        return OkStatus();
      }));
      continue;
    }
    for (const auto& [name, uri] : *streams) {
      if (!uri.is_string()) continue;
      auto n = DrainStream(account, domain, std::string(name), std::string(uri.get_string()));
      if (!n.ok()) {
        log::Warn("event delivery: " + n.error().message());
        continue;
      }
      sent += *n;
    }
  }
  return sent;
}

Result<int64_t> EventDelivery::DrainStream(const std::string& account, const std::string& domain,
                                           const std::string& name, const std::string& uri) {
  StreamState& state = states_[account + "/" + domain + "/" + name];
  if (std::chrono::steady_clock::now() < state.next_attempt) return 0;
  const store::Scope scope{account, domain};
  ASSIGN_OR_RETURN(bool held, HoldLease(scope, name, state));
  if (!held) return 0;
  const std::string prefix = name + "/";
  const int64_t now_ms = static_cast<int64_t>(clock_.NowEpochSeconds() * 1000);

  // The oldest record of each profile, in id order; expired trigger records are dropped.
  std::vector<Pending> batch;
  std::vector<std::string> expired;
  RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    batch.clear();
    expired.clear();
    std::set<std::string> keys;
    size_t bytes = 0, scanned = 0;
    return ForEachDocument(
        txn, scope, kEventOutboxKind, prefix, "",
        [&](const store::Document& doc) -> Result<WalkStep> {
          // A backlog of one busy profile must not make every pass read all of it.
          if (++scanned > 4 * options_.max_batch_records) return WalkStep::kStop;
          ASSIGN_OR_RETURN(json::object entry, ParseStored(doc.body));
          Pending p{doc.id, GetStringOr(entry, "PartitionKey", ""), GetStringOr(entry, "Data", ""),
                    GetInt(entry, "ExpiresAt").value_or(0)};
          if (!keys.insert(p.partition_key).second) return WalkStep::kNext;
          if (p.expires_at > 0 && p.expires_at < now_ms) {
            expired.push_back(p.id);
            return WalkStep::kNext;
          }
          bytes += p.data.size() + p.partition_key.size();
          if (!batch.empty() && bytes > options_.max_batch_bytes) return WalkStep::kStop;
          batch.push_back(std::move(p));
          return batch.size() >= options_.max_batch_records ? WalkStep::kStop : WalkStep::kNext;
        },
        options_.max_batch_records);
  }));
  if (batch.empty() && expired.empty()) return 0;

  std::vector<std::string> done = expired;
  Status outcome = OkStatus();
  if (!batch.empty()) {
    std::vector<StreamRecord> records;
    records.reserve(batch.size());
    for (const Pending& p : batch) records.push_back({p.data, p.partition_key});
    auto results = streams_.PutRecords(uri, records);
    if (!results.ok()) {
      outcome = results.error();
    } else {
      for (size_t i = 0; i < batch.size(); ++i) {
        if ((*results)[i].ok()) {
          done.push_back(batch[i].id);
        } else if (outcome.ok()) {
          outcome = (*results)[i].error();
        }
      }
    }
  }
  if (!done.empty()) {
    RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
      for (const std::string& id : done) RETURN_IF_ERROR(txn.Delete(scope, kEventOutboxKind, id));
      return OkStatus();
    }));
  }
  if (outcome.ok()) {
    state.failures = 0;
    state.dropped = 0;
    state.next_attempt = {};
  } else {
    state.failures = std::min(state.failures + 1, 30);
    auto backoff = options_.min_backoff * (int64_t{1} << std::min(state.failures - 1, 20));
    state.next_attempt = std::chrono::steady_clock::now() + std::min(backoff, options_.max_backoff);
    // Counting a large backlog reads it: once in a while is enough for a bound.
    if (state.failures % 8 == 1) RETURN_IF_ERROR(TrimBacklog(account, domain, name, state));
    if (state.dropped > 0) {
      outcome = Error(outcome.error().code(),
                      outcome.error().message() + " (" + std::to_string(state.dropped) +
                          " records dropped: more than " + std::to_string(options_.max_backlog) +
                          " waited)");
    }
  }
  RETURN_IF_ERROR(RecordOutcome(account, domain, name, outcome));
  return static_cast<int64_t>(done.size() - expired.size());
}

Status EventDelivery::TrimBacklog(const std::string& account, const std::string& domain,
                                  const std::string& name, StreamState& state) {
  const store::Scope scope{account, domain};
  const std::string prefix = name + "/";
  int64_t count = 0;
  RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(count, txn.Count(scope, kEventOutboxKind, prefix));
    return OkStatus();
  }));
  int64_t excess = count - options_.max_backlog;
  while (excess > 0) {
    int64_t removed = 0;
    RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto oldest,
                       txn.Scan(scope, kEventOutboxKind, prefix, "",
                                static_cast<size_t>(std::min<int64_t>(excess, kWalkBatch))));
      removed = 0;
      for (const store::Document& doc : oldest) {
        ASSIGN_OR_RETURN(bool gone, txn.Delete(scope, kEventOutboxKind, doc.id));
        removed += gone ? 1 : 0;
      }
      return OkStatus();
    }));
    if (removed == 0) break;
    excess -= removed;
    state.dropped += removed;
  }
  if (state.dropped > 0) {
    log::Warn("event stream " + name + " of domain " + domain + ": dropped " +
              std::to_string(state.dropped) + " records over the backlog bound");
  }
  return OkStatus();
}

Status EventDelivery::RecordOutcome(const std::string& account, const std::string& domain,
                                    const std::string& name, const Status& outcome) {
  const store::Scope scope{account, domain};
  const double now = clock_.NowEpochSeconds();
  return store_.Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kEventStreamKind, name));
    if (!body) return OkStatus();  // deleted meanwhile
    ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
    json::object before;
    if (const json::object* d = GetObject(doc, "_Delivery")) before = *d;
    json::object after = before;
    if (outcome.ok()) {
      after = json::object{{"State", "RUNNING"}, {"Status", "HEALTHY"}};
    } else {
      const bool stopped = Refused(outcome.error());
      after["Status"] = "UNHEALTHY";
      if (GetStringOr(before, "Status", "HEALTHY") != "UNHEALTHY") after["UnhealthySince"] = now;
      after["Message"] = outcome.error().message();
      if (stopped) {
        if (GetStringOr(before, "State", "RUNNING") != "STOPPED") after["StoppedSince"] = now;
        after["State"] = "STOPPED";
      } else {
        after["State"] = "RUNNING";
        after.erase("StoppedSince");
      }
    }
    if (after == before || (before.empty() && outcome.ok())) return OkStatus();
    doc["_Delivery"] = std::move(after);
    return txn.Put(scope, kEventStreamKind, name, Serialize(doc));
  });
}

void StartEventDelivery(const ServiceEnv& env, EventDeliveryOptions options) {
  if (env.background == nullptr || env.destinations == nullptr ||
      env.destinations->streams == nullptr) {
    return;
  }
  auto delivery =
      std::make_shared<EventDelivery>(*env.store, *env.destinations->streams, *env.clock, options);
  env.background->Start("event-delivery", [delivery, options](const TaskSignal& signal) {
    while (!signal.Stopping()) {
      auto sent = delivery->RunOnce();
      if (!sent.ok()) log::Warn("event delivery: " + sent.error().message());
      if (sent.ok() && *sent > 0) continue;
      if (signal.WaitFor(options.idle_poll)) break;
    }
    // Now, while the store is open, rather than whenever the last copy of `delivery` goes.
    Status released = delivery->ReleaseLeases();
    if (!released.ok()) log::Warn("event delivery: " + released.error().message());
  });
}

}  // namespace profiled::service
