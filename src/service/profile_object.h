// File: profile_object.h
// Profile objects: ingestion (PutProfileObject), resolution to a profile, listing, deletion and
// the domain's object statistics. The rules are plain functions over JSON documents; the
// handlers in profile_object.cc only load, call them, and save (see docs/objects.md).
//
// Store layout (domain scope):
//   document kObjectKind  id "{ObjectTypeName}/{ProfileObjectUniqueKey}"   the object record
//   ObjectCount and TotalSize are kept in the domain's stats shards (service/domain_stats.h)
//   index "objprof/{type}"        value ProfileId   ref unique key   objects of a profile
// A record of the first layout (no "_v") also has one row per key value in an index
// "objkey/{type}/{key}" (value key value, ref unique key) that nothing read: two of the twelve
// rows a PutProfileObject wrote. Records now say "_v": 2 and have none; the rows of older records
// go when those are replaced or removed.
// Profile search keys contributed by objects are rows the profile holds (held_keys.h), or for the
// names its members also derive (_email, _phone, ...) values in its "_keys" (search_keys.h), so
// SaveProfile keeps their index rows; which values ingestion wrote into the profile, and from
// which type, lives in the profile's internal member "_ingested" (see ApplyIngestedFields).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/object_type.h"
#include "service/registry.h"
#include "service/store_walk.h"
#include "store/store.h"

namespace profiled::service {

class ProfileObjectCounts;  // metering.h

inline constexpr std::string_view kObjectKind = "object";
inline constexpr std::string_view kIngestedMember = "_ingested";
inline constexpr std::string_view kRecordLayoutMember = "_v";
inline constexpr int64_t kRecordLayout = 2;
inline constexpr size_t kMaxObjectChars = 256000;

std::string ObjectDocId(std::string_view type, std::string_view unique_key);
std::string ObjectProfileIndex(std::string_view type);
std::string ObjectKeyIndex(std::string_view type, std::string_view key_name);

// ---- Pure rules --------------------------------------------------------------------------------

// Parses PutProfileObject's Object: a JSON object of at most 256,000 characters.
Result<boost::json::object> ParseProfileObject(std::string_view text);

// The value a field's Source takes in `object`:
//   "_source.a.b"                       the value at that path (numbers and booleans as their
//                                       JSON text, objects and arrays serialised);
//   "{{_source.first}} {{_source.last}}" the text with each placeholder replaced ("" if absent),
//                                       trimmed; nullopt when every placeholder is absent.
// nullopt when the path is absent, null or "".
std::optional<std::string> EvaluateSource(std::string_view source,
                                          const boost::json::object& object);

// One key of the type with its value in the object. A key naming several fields joins their
// values with "_" and exists only when every field has a value.
struct ObjectKeyValue {
  KeyDef def;
  std::string value;
};

// The keys the object has values for, in the definition's order. BadRequest when the UNIQUE
// key's fields are missing, or its value is longer than 255 characters.
Result<std::vector<ObjectKeyValue>> ExtractKeyValues(const boost::json::object& type,
                                                     const boost::json::object& object);
// The UNIQUE key's value (REQUIRES: `keys` came from ExtractKeyValues).
std::string UniqueKeyValue(const std::vector<ObjectKeyValue>& keys);

// The keys used to look for the object's profile, in the order they are tried: PROFILE keys
// (not SECONDARY) in definition order, then SECONDARY keys in definition order.
std::vector<ObjectKeyValue> MatchingOrder(const std::vector<ObjectKeyValue>& keys);

// What the lookup of one matching key found (profile ids; two are enough to know it is
// ambiguous).
struct KeyMatch {
  std::string key_name;
  std::string value;
  std::vector<std::string> profile_ids;
};

enum class ResolutionKind { kAttach, kCreate, kReject };
struct Resolution {
  ResolutionKind kind = ResolutionKind::kReject;
  std::string profile_id;              // kAttach: the profile
  std::string matched_key;             // kAttach: the key that decided
  std::vector<std::string> ambiguous;  // keys skipped because they matched several profiles
};

// AWS's resolution: try each key in turn (`matches` is in MatchingOrder); exactly one profile →
// attach; several → the key is ambiguous and skipped; none → next key. Nothing matched →
// create a profile when `allow_creation`, otherwise reject.
Resolution ResolveProfile(const std::vector<KeyMatch>& matches, bool allow_creation);

// The key values to store on the profile as search keys: never LOOKUP_ONLY ones; NEW_ONLY ones
// only when the object created the profile.
std::vector<ObjectKeyValue> KeysToStore(const std::vector<ObjectKeyValue>& keys,
                                        bool profile_created);

// A value the type's Fields write into the standard profile: path "FirstName",
// "Address.City" or "Attributes.Name" (the Target after "_profile.").
struct ProfileFieldWrite {
  std::string path;
  std::string value;
};
std::vector<ProfileFieldWrite> MappedProfileFields(const boost::json::object& type,
                                                   const boost::json::object& object);

// Writes `writes` into `profile`, keeping what came from elsewhere:
//   - a field whose current value is not the one ingestion last wrote there (recorded in
//     "_ingested") was set by hand (CreateProfile/UpdateProfile) and is never overwritten;
//   - a field last written by another object type with a better SourcePriority (lower number;
//     none = lowest) is kept;
//   - otherwise the new value is written and recorded with its type and priority.
// Returns the paths written.
std::vector<std::string> ApplyIngestedFields(boost::json::object& profile,
                                             const std::vector<ProfileFieldWrite>& writes,
                                             std::string_view type_name,
                                             std::optional<int64_t> source_priority);

// The parts of an object record that PutProfileObject computes (see the layout above).
// Keys as stored: {"KeyName": ["value", ...]}, each value once, in `keys` order.
boost::json::object ObjectKeysMember(const std::vector<ObjectKeyValue>& keys);
// The record stored for an object: ObjectTypeName, ProfileObjectUniqueKey, ProfileId, Object,
// Keys, Size (bytes of `text`), CreatedAt (kept from `existing`, the record it replaces, if that
// has one; else `now`) and UpdatedAt = `now`.
boost::json::object NewObjectRecord(std::string_view type_name, std::string_view unique,
                                    std::string_view profile_id, std::string_view text,
                                    const std::vector<ObjectKeyValue>& keys,
                                    const boost::json::object* existing, double now);

// The BadRequest message for a kReject resolution of an object of `type_name`.
std::string RejectionMessage(const Resolution& resolution, std::string_view type_name);

// The records to drop so that at most `max` remain (MaxProfileObjectCount): the oldest by
// UpdatedAt (a record without one counts as oldest). None when `max` < 1 (no limit).
std::vector<boost::json::object> ObjectsOverLimit(std::vector<boost::json::object> records,
                                                  int64_t max);

// ---- Store helpers -----------------------------------------------------------------------------

// Calls `visit(unique, record)` for each stored object of `type_name` on the profile whose unique
// key sorts after `after`, in unique-key order (a row whose document is gone is passed over).
// `visit` returns WalkStep::kStop to end the walk early.
Status ForEachObjectOfProfile(
    store::Txn& txn, store::Scope scope, std::string_view type_name, std::string_view profile_id,
    std::string_view after,
    const std::function<Result<WalkStep>(const std::string& unique, boost::json::object record)>&
        visit);

// Deletes one stored object: document, rows, its share of the statistics and of the calculated
// attributes. Nothing else (object_removal.h adds the history record and the event). Its
// profile's object count changes in *counts when given (the caller applies it, or changes the
// profile's document it stores), else in the stored profile here (metering.h).
Status EraseObject(store::Txn& txn, store::Scope scope, const boost::json::object& record,
                   ProfileObjectCounts* counts = nullptr);

struct DomainMatching;
// PutProfileObject's work (load the type, extract the keys, resolve or create the profile, write
// the mapped fields and keys into it, store the object, trim to MaxProfileObjectCount) inside the
// caller's Write transaction, in which `matching` was loaded (LoadDomainMatching); the caller
// runs RunAutoMerges after the commit. `object` is `text` parsed (ParseProfileObject). Returns
// the ProfileObjectUniqueKey. `profiled import --kind objects` puts a batch of objects this way
// in one transaction.
Result<std::string> PutProfileObjectInTxn(store::Txn& txn, const RequestContext& ctx,
                                          std::string_view domain, std::string_view type_name,
                                          std::string text, boost::json::object object, double now,
                                          DomainMatching& matching);

// Deletes every object of `type` with its index rows (DeleteProfileObjectType).
Status DeleteObjectsOfType(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                           std::string_view type);

// Deletes every object attached to the profile, of every type (DeleteProfile).
Status DeleteObjectsOfProfile(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                              std::string_view profile_id);

// Moves every object attached to profile `from` (of every stored type, and of every template
// used as a type name) to the profile `to_profile` (MergeProfiles): rewrites each object's
// ProfileId and moves its "objprof/{type}" row. Sizes and key rows do not change. `to_profile` is
// the document the caller stores next: its object count (metering.h) changes there. REQUIRES: a
// Write transaction.
Status MoveObjectsToProfile(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                            std::string_view from, boost::json::object& to_profile);

// The domain's exact object statistics (GetDomain's Stats.ObjectCount and TotalSize, in bytes
// of the stored Object text).
struct ObjectStats {
  int64_t object_count = 0;
  int64_t total_size = 0;
};
Result<ObjectStats> CountObjects(store::Txn& txn, const RequestContext& ctx,
                                 std::string_view domain);

}  // namespace profiled::service
