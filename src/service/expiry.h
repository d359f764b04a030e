// File: expiry.h
// Data expiry (docs/expiry.md): profiles and objects past their time are never served, and are
// removed in the background, as DeleteProfile / DeleteProfileObject would remove them, with an
// EXPIRED history record.
//
// When something expires (AWS admin guide, "Customer Profiles data expiration"):
//   - a profile: its last update (CreateProfile, UpdateProfile, a key edit, a merge into it, an
//     object ingested into it) + the days that update brought: the object type's ExpirationDays
//     for an ingestion, else the domain's DefaultExpirationDays as it is now;
//   - an object: its ingestion + the type's ExpirationDays as it was at ingestion ("retention on
//     individual objects is set at the time of ingestion"), else the domain's current
//     DefaultExpirationDays.
// Stored members: a profile's "_upd" (ms of its last update) and "_exp" (ms: a fixed expiry its
// last update set); an object record's "_exp" (ms), else its UpdatedAt counts.
//
// A profile's "exp/pd" row holds "_xr" (ms), not "_upd": a time at or before its last update,
// kept across updates, so that a write to a busy profile leaves the row alone (it would
// otherwise delete and insert a row with every write). The row falls due no later than the
// profile; the sweep that finds it due and the profile not yet expired moves it to "_upd"
// (ExpireRow), once per DefaultExpirationDays at most. A profile stored before "_xr" existed
// keeps its exact row: its first update takes that time as its "_xr".
//
// The expiry index (domain scope; value "{13-digit ms}/{id}" so that a new row appends at the
// right edge and a sweep reads only what is due; ref as below):
//   "exp/p"   value: fixed expiry of a profile            ref ProfileId
//   "exp/pd"  value: last update of a default profile     ref ProfileId   (due: + domain days)
//   "exp/o"   value: fixed expiry of an object            ref unique key  (id "{type}/{unique}")
//   "exp/od"  value: ingestion of a default object        ref unique key  (due: + domain days)
// Profile rows derive from the document (profile_store.cc keeps them), object rows from the
// record (profile_object.cc's EditObjectRows). Domains to sweep: kExpiryRegistryKind in the
// system scope, id "{account}/{domain}", written with the domain document.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr int64_t kDayMs = 86'400'000;
// AWS: "if neither are provided, the profile or profile object will expire to the default 365
// days" (a domain always has DefaultExpirationDays; an old document might not).
inline constexpr int64_t kFallbackExpirationDays = 365;
inline constexpr std::string_view kProfileUpdatedMember = "_upd";
inline constexpr std::string_view kExpiresMember = "_exp";
inline constexpr std::string_view kExpiryRowMember = "_xr";
inline constexpr std::string_view kExpiryRegistryKind = "expiry_domains";
// Who PerformedBy names on an EXPIRED record: the service, not the account.
inline constexpr std::string_view kExpiryPrincipal = "profile.amazonaws.com";

// ---- Stamping (pure) ---------------------------------------------------------------------------

// Called for every history record a profile gets (history.cc): an action that updates the
// profile restarts its expiry from `now_seconds` with the domain's days (erasing "_exp").
void NoteProfileChange(boost::json::object& profile, std::string_view object_type_name,
                       std::string_view action_type, double now_seconds);
// After an ingestion's history records: the type's ExpirationDays, when it has them, fix the
// profile's expiry from `now_seconds`.
void StampIngestedProfile(boost::json::object& profile, const boost::json::object& type,
                          double now_seconds);
// An upload job's DataExpiry: the profile expires `days` after `now_seconds`, or later if it
// already would (AWS: "Customer profiles will always respect the longest expiry time"); the
// current expiry is judged with `domain_days`. Call after the job's history record.
void StampUploadedProfile(boost::json::object& profile, int64_t days, int64_t domain_days,
                          const boost::json::object* before, double now_seconds);
// The object record's fixed expiry, from its type's ExpirationDays (none: the domain's).
void StampObjectExpiry(boost::json::object& record, const boost::json::object& type);

// (index name, value) of the expiry rows a profile / an object record derives.
std::vector<std::pair<std::string, std::string>> ProfileExpiryRows(
    const boost::json::object& profile);
std::vector<std::pair<std::string, std::string>> ObjectExpiryRows(
    const boost::json::object& record);

// What a read needs to hide what is past its time before the sweep removed it.
struct ExpiryView {
  int64_t now_ms = 0;
  int64_t domain_days = kFallbackExpirationDays;
  // The epoch ms at which it expires.
  int64_t ProfileDue(const boost::json::object& profile) const;
  int64_t ObjectDue(const boost::json::object& record) const;
  bool ProfileExpired(const boost::json::object& profile) const {
    return ProfileDue(profile) <= now_ms;
  }
  bool ObjectExpired(const boost::json::object& record) const {
    return ObjectDue(record) <= now_ms;
  }
};
ExpiryView ExpiryViewOf(const boost::json::object& domain, const Clock& clock);

// Keeps the domain on the sweep's list (called where the domain document is written).
// REQUIRES: a Write transaction.
Status RegisterExpiringDomain(store::Txn& txn, const RequestContext& ctx, std::string_view domain);

// ---- The sweep ---------------------------------------------------------------------------------

struct ExpiryOptions {
  // Between passes (real time; a --time-scale clock divides it, StartExpiry). A pass removes
  // everything due, one row per transaction.
  std::chrono::milliseconds period{60'000};
  size_t batch = 200;  // due rows read per index per round
};

struct ExpiryPassStats {
  int64_t profiles = 0;  // profiles expired
  int64_t objects = 0;   // objects expired (not counting those removed with their profile)
};

// One pass over every registered domain: removes every profile and object due at
// clock.Now(). Each removal is its own transaction, made as DeleteProfile / DeleteProfileObject
// make theirs, with an EXPIRED history record.
Result<ExpiryPassStats> RunExpiryPass(store::Store& store, const Clock& clock,
                                      const ExpiryOptions& options = {});

// The due part of the sweep for one domain, run before a read that counts stored data rather
// than reading documents one by one (GetDomain's Stats, calculated attributes, segment
// estimates, membership and snapshots), so that it never counts what is past its time: it
// removes what is due now, as a pass does. Nothing for a domain that does not exist (the read
// answers for it). Four index reads when nothing is due.
Status ExpireDueNow(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain);
// `handler` run after ExpireDueNow for the input's DomainName.
Handler AfterDueExpiry(const ServiceEnv& env, Handler handler);

// Starts the sweep on env.background (a pass every options.period); none without a background.
void StartExpiry(const ServiceEnv& env, ExpiryOptions options = {});

}  // namespace profiled::service
