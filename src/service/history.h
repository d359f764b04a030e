// File: history.h
// Profile history: every CreateProfile, UpdateProfile, AddProfileKey, DeleteProfileKey,
// DeleteProfile, merge and object ingestion appends one record in the same transaction as the
// change.
//
// Layout (since store v2): a record is a document of kHistoryRecordKind whose id is the record
// Id alone. Ids start with the time, so a new record appends at the right edge of the store's
// b-tree (one shared page per commit) instead of splitting a random page under its profile, which
// is what made every update write two random pages. A profile finds its records through a chain:
// the profile remembers its newest record (internal member "_hhead"), each record its
// predecessor ("_prev") and its profile ("_pid"). A deleted profile leaves a kHistoryHeadKind
// tombstone (id = ProfileId) holding the head, so its history stays listable, as AWS keeps it.
// Records written before v2 (kHistoryKind, id "{ProfileId}/{Id}") are still read.
//
//   Id (32 hex, the model's uuid pattern) = 12 hex of epoch milliseconds, 8 hex of a per-profile
//   counter, 12 random hex. The stored profile remembers the last time+counter (internal member
//   "_hlast"), so a profile's records sort strictly in write order even within a millisecond or
//   if the clock steps back: listing sorts by Id.
// A record holds the model's GetProfileHistoryRecordResponse members: Id, ObjectTypeName
// ("_profile" for the standard profile), CreatedAt, LastUpdatedAt, ActionType, PerformedBy (the
// caller's account root ARN), Content (the profile as JSON after the change; for key actions
// {"KeyName", "Values"}; for DELETED_BY_CUSTOMER the profile as it was).
// DeleteDomain removes every record with the domain.
//
// A new profile's CREATED record does not copy the profile (PrepareCreatedRecord): its Content is
// the profile's public view for as long as the profile is unchanged, so the record holds a
// marker instead ("_cip", Content in profile) and the profile one too ("_hcp", CREATED content
// pending). Before the profile first changes or goes, SaveProfile and EraseProfile write the
// Content into the record (KeepCreatedContent); readers of a marked record take it from the
// profile (CreatedContentFromProfile). The copy was a fifth of an upload row's bytes.
//
// An object's INGESTED record does not copy the object's text either (PrepareIngestedRecord): the
// record holds a marker ("_cio", Content in object) and the object the record's Id ("_hrec").
// Before a stored object is replaced or erased, KeepIngestedContent writes the object's text into
// the record it names; readers of a marked record take the text from the object
// (IngestedContentFromObject). The copy was a quarter of a PutProfileObject's bytes.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

struct EventStreamsRead;  // event_outbox.h

inline constexpr std::string_view kProfileObjectTypeName = "_profile";
inline constexpr std::string_view kHistoryLastMember = "_hlast";
inline constexpr std::string_view kHistoryHeadMember = "_hhead";
inline constexpr std::string_view kRecordProfileMember = "_pid";
inline constexpr std::string_view kRecordPrevMember = "_prev";
inline constexpr std::string_view kContentInProfileMember = "_cip";       // on a CREATED record
inline constexpr std::string_view kCreatedContentPendingMember = "_hcp";  // on its profile
inline constexpr std::string_view kContentInObjectMember = "_cio";        // on an INGESTED record
inline constexpr std::string_view kIngestedRecordMember = "_hrec";        // on its object
inline constexpr std::string_view kHistoryRecordKind = "hrec";            // id = record Id
inline constexpr std::string_view kHistoryHeadKind =
    "hhead";  // id = ProfileId of a deleted profile

// The next record id for `profile`, and remembers it in the profile's "_hlast".
std::string NextHistoryId(boost::json::object& profile, int64_t now_ms);

// "arn:aws:iam::{account}:root": who performed an action, as far as the request tells.
std::string PerformedBy(const RequestContext& ctx);

// A record ready to be stored: chained to its profile, serialized. Preparing one touches no
// store, so a bulk load can do it before its transaction (and off a single-writer store's thread).
struct PreparedRecord {
  std::string profile_id;
  std::string id;
  std::string body;
  bool deletion = false;  // DELETED_*: storing it also leaves the tombstone
  // An INGESTED record's Content, which the stored record leaves to its object: what its events
  // carry. Refers to the caller's text, which must outlive the PreparedRecord.
  std::string_view ingested_text;
};

// Chains `record` (its "Id" made by NextHistoryId for `profile`) after the profile's newest
// record and advances the profile's "_hhead": save the profile afterwards.
Result<PreparedRecord> PrepareHistoryRecord(boost::json::object& profile,
                                            boost::json::object record);
// The "_profile" record of `action_type` (CREATED, UPDATED, ...) for `profile`, prepared as above.
Result<PreparedRecord> PrepareProfileHistory(const RequestContext& ctx,
                                             boost::json::object& profile,
                                             std::string_view action_type, std::string content,
                                             double now_seconds);
// The CREATED record of the new `profile`, its Content left in the profile (above); marks the
// profile, prepared as PrepareProfileHistory's.
Result<PreparedRecord> PrepareCreatedRecord(const RequestContext& ctx, boost::json::object& profile,
                                            double now_seconds);

// The INGESTED record of an object of type `type_name` with UNIQUE key `unique` and text `text`
// put for `profile`, its Content left in the object (above): store the object with the record's
// Id as kIngestedRecordMember. Prepared as PrepareProfileHistory's.
Result<PreparedRecord> PrepareIngestedRecord(const RequestContext& ctx,
                                             boost::json::object& profile,
                                             std::string_view type_name, std::string_view unique,
                                             std::string_view text, double now_seconds);

// If the stored object `object`, about to be replaced or erased, still holds its INGESTED
// record's Content, writes that Content into the record. REQUIRES: a Write transaction.
Status KeepIngestedContent(store::Txn& txn, store::Scope scope, const boost::json::object& object);

// The Content of the INGESTED record `record` (stored as `record_id`) marked
// kContentInObjectMember: its object's text, read in `txn`. Internal error if neither the object
// nor the record holds it.
Result<std::string> IngestedContentFromObject(store::Txn& txn, store::Scope scope,
                                              std::string_view record_id,
                                              const boost::json::object& record);

// If the stored profile `stored`, about to change or be erased, still holds its CREATED
// record's Content, writes that Content into the record. The changed profile must then be stored
// without kCreatedContentPendingMember. REQUIRES: a Write transaction.
Status KeepCreatedContent(store::Txn& txn, store::Scope scope, const boost::json::object& stored);

// A record's Content when the record is marked kContentInProfileMember: the public view of its
// profile, read in `txn`. Internal error if the profile no longer holds it.
Result<std::string> CreatedContentFromProfile(store::Txn& txn, store::Scope scope,
                                              std::string_view profile_id);

// Writes a prepared record (and a deletion's tombstone), and the change's event-stream records
// when the domain has event streams (event_outbox.h; `profile`: the profile after the change, when
// the caller has it). REQUIRES: a Write transaction.
// `streams`: see EventStreamsRead.
Status StorePreparedRecord(store::Txn& txn, store::Scope scope, const PreparedRecord& record,
                           const boost::json::object* profile = nullptr,
                           EventStreamsRead* streams = nullptr);

// PrepareHistoryRecord + StorePreparedRecord. REQUIRES: a Write transaction.
Status StoreHistoryRecord(store::Txn& txn, store::Scope scope, boost::json::object& profile,
                          boost::json::object record);

// Appends a record for `profile` (whose "_hlast" it advances: save the profile afterwards).
// REQUIRES: a Write transaction.
Status AppendHistory(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                     boost::json::object& profile, std::string_view action_type,
                     std::string content, double now_seconds, EventStreamsRead* streams = nullptr);

}  // namespace profiled::service
