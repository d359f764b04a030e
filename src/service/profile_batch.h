// File: profile_batch.h
// The profile write path that CreateProfile, `profiled import` and upload jobs share: a new
// profile's writes are prepared without a transaction (PrepareCreate: its document, index rows
// and CREATED history record), so a transaction spends its time on the writes alone; a bulk
// load writes many such items in one transaction (WriteProfileBatch), each creating its profile
// or changing the one that already exists, as CreateProfile / UpdateProfile would.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "service/domain_stats.h"
#include "service/history.h"
#include "service/profile_store.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

struct DomainMatching;

// A new profile's writes, prepared.
struct PreparedCreate {
  PreparedRecord created;   // its CREATED history record
  PreparedProfile profile;  // its document and index rows
};

// `profile`: the new stored document (NewProfileFromCreate's), with its ProfileId.
// `upload_expiry_days` > 0: an upload job's DataExpiry, stamped after the history record
// (expiry.h, StampUploadedProfile). `attribute_rows`: PrepareNewProfile's hint.
Result<PreparedCreate> PrepareCreate(const RequestContext& ctx, boost::json::object profile,
                                     double now_seconds, int64_t upload_expiry_days = 0,
                                     bool attribute_rows = true);

// Stores a prepared new profile (its history record and event-stream records, document, index
// and match rows), not counting it in the domain's stats (the caller does). REQUIRES: a Write
// transaction in which the profile does not exist.
// `streams`: see EventStreamsRead (event_outbox.h).
Status StorePreparedCreate(store::Txn& txn, store::Scope scope, const PreparedCreate& create,
                           DomainMatching* matching, EventStreamsRead* streams = nullptr);

// One profile of a bulk load: the profile it changes if that exists, else the new one.
struct ProfileBatchItem {
  enum class Match {
    kProfileId,  // the profile whose ProfileId is create.profile.id (import)
    kSearchKey,  // the first profile (lowest ProfileId) under key_name/key_value (upload jobs)
    // none: no stored profile has create.profile.id (one NewProfileId made, or one an import
    // that is the store's only writer sees first in a domain that started empty)
    kNone,
  };
  enum class Change {
    // becomes what `create` would have created (UpdateProfile with every member given), its
    // internal members (history chain, custom keys, ingestion records) kept
    kReplace,
    kPatch,  // `input` applied as UpdateProfile's input: given members replaced, others kept
  };
  Match match = Match::kProfileId;
  Change change = Change::kReplace;
  std::string key_name, key_value;  // kSearchKey: a search key (e.g. "_email") and its value
  boost::json::object input;        // kPatch: UpdateProfile's input (public members)
  // > 0: an upload job's DataExpiry, stamped on a changed profile too (expiry.h)
  int64_t upload_expiry_days = 0;
  PreparedCreate create;  // written when no profile matches
};

struct ProfileBatchCounts {
  int64_t created = 0;
  int64_t updated = 0;
};

// Writes `items` in order inside the caller's Write transaction (a later item sees an earlier
// one's profile), the domain's stats once per shard. `matching`: the domain's, loaded in this
// transaction (LoadDomainMatching); run RunAutoMerges after the commit.
Status WriteProfileBatch(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                         const std::vector<ProfileBatchItem>& items, DomainMatching& matching,
                         double now_seconds, ProfileBatchCounts* counts);

}  // namespace profiled::service
