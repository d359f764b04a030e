// PutProfileObject, ListProfileObjects, DeleteProfileObject, and the store side of objects
// (deleting a type's objects, the domain's object statistics). The rules are in
// profile_object_rules.cc; this file loads, decides with them, and saves, each request in one
// transaction.
#include "service/profile_object.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <functional>
#include <set>
#include <string>

#include "common/ids.h"
#include "service/calculated_attribute_upkeep.h"
#include "service/common.h"
#include "service/domain_stats.h"
#include "service/expiry.h"
#include "service/held_keys.h"
#include "service/history.h"
#include "service/history_record.h"
#include "service/metering.h"
#include "service/object_removal.h"
#include "service/object_template.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
#include "service/rule_match_index.h"
#include "service/search_keys.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;

json::object ObjectKeysMember(const std::vector<ObjectKeyValue>& keys) {
  json::object out;
  for (const auto& k : keys) {
    json::value& list = out[k.def.name];
    if (!list.is_array()) list = json::array();
    json::array& values = list.get_array();
    if (std::find(values.begin(), values.end(), json::value(k.value)) == values.end()) {
      values.emplace_back(k.value);
    }
  }
  return out;
}

json::object NewObjectRecord(std::string_view type_name, std::string_view unique,
                             std::string_view profile_id, std::string_view text,
                             const std::vector<ObjectKeyValue>& keys, const json::object* existing,
                             double now) {
  json::object record;
  record["ObjectTypeName"] = type_name;
  record["ProfileObjectUniqueKey"] = unique;
  record["ProfileId"] = profile_id;
  record["Object"] = text;
  record["Keys"] = ObjectKeysMember(keys);
  record["Size"] = static_cast<int64_t>(text.size());
  record["CreatedAt"] =
      existing && existing->contains("CreatedAt") ? existing->at("CreatedAt") : json::value(now);
  record["UpdatedAt"] = now;
  record[kRecordLayoutMember] = kRecordLayout;
  return record;
}

std::string RejectionMessage(const Resolution& resolution, std::string_view type_name) {
  std::string why = "No profile matches the object's keys";
  if (!resolution.ambiguous.empty()) {
    why += " (ambiguous, matching several profiles:";
    for (const auto& k : resolution.ambiguous) why += " " + k;
    why += ")";
  }
  return why + " and object type " + std::string(type_name) +
         " does not allow profile creation (AllowProfileCreation is false); the object was not "
         "stored";
}

std::vector<json::object> ObjectsOverLimit(std::vector<json::object> records, int64_t max) {
  if (max < 1 || static_cast<int64_t>(records.size()) <= max) return {};
  std::sort(records.begin(), records.end(), [](const json::object& a, const json::object& b) {
    double ta = a.contains("UpdatedAt") ? a.at("UpdatedAt").to_number<double>() : 0;
    double tb = b.contains("UpdatedAt") ? b.at("UpdatedAt").to_number<double>() : 0;
    return ta < tb;
  });
  records.resize(records.size() - static_cast<size_t>(max));
  return records;
}

Status ForEachObjectOfProfile(
    store::Txn& txn, store::Scope scope, std::string_view type_name, std::string_view profile_id,
    std::string_view after,
    const std::function<Result<WalkStep>(const std::string& unique, json::object record)>& visit) {
  return ForEachIndexRef(
      txn, scope, ObjectProfileIndex(type_name), profile_id, after,
      [&](const std::string& unique) -> Result<WalkStep> {
        ASSIGN_OR_RETURN(auto body, txn.Get(scope, kObjectKind, ObjectDocId(type_name, unique)));
        if (!body) return WalkStep::kNext;
        ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
        return visit(unique, std::move(record));
      });
}

namespace {

// Short-lived rows that serialise profile creation per key value (see ResolveObjectProfile).
constexpr std::string_view kObjectLockKind = "object_lock";

enum class RowEdit { kAdd, kRemove };

// Adds or removes a stored object's index rows (not its document): the profile's row, its expiry
// row, and for a record of the first layout one row per key value, the same walk both ways.
Status EditObjectRows(store::Txn& txn, store::Scope scope, const json::object& record,
                      RowEdit edit) {
  std::string type = GetStringOr(record, "ObjectTypeName", "");
  std::string unique = GetStringOr(record, "ProfileObjectUniqueKey", "");
  auto apply = [&](std::string_view index, std::string_view value) {
    return edit == RowEdit::kAdd ? txn.IndexAdd(scope, index, value, unique)
                                 : txn.IndexRemove(scope, index, value, unique);
  };
  RETURN_IF_ERROR(apply(ObjectProfileIndex(type), GetStringOr(record, "ProfileId", "")));
  for (const auto& [index, value] : ObjectExpiryRows(record)) {
    RETURN_IF_ERROR(apply(index, value));
  }
  if (GetInt(record, kRecordLayoutMember).value_or(1) >= kRecordLayout) return OkStatus();
  if (const json::object* keys = GetObject(record, "Keys")) {
    for (const auto& [name, values] : *keys) {
      if (!values.is_array()) continue;
      for (const auto& v : values.get_array()) {
        if (!v.is_string()) continue;
        RETURN_IF_ERROR(apply(ObjectKeyIndex(type, name), std::string_view(v.get_string())));
      }
    }
  }
  return OkStatus();
}

// The object type an object is put with: the stored type, or a template of that name (AWS: an
// object whose ObjectTypeName is a TemplateId uses the template's mappings).
Result<json::object> TypeForIngestion(store::Txn& txn, const RequestContext& ctx,
                                      std::string_view domain, std::string_view name) {
  auto type = LoadObjectType(txn, ctx, domain, name);
  if (type.ok() || type.error().code() != ErrorCode::kNotFound) return type;
  auto tmpl = FindObjectTemplate(name);
  if (!tmpl.ok()) return type;
  json::object t = std::move(tmpl).value();
  t["ObjectTypeName"] = name;
  return t;
}

// Keeps at most MaxProfileObjectCount objects of the type on the profile, dropping the oldest.
Status EnforceMaxCount(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                       const json::object& type, std::string_view profile_id, double now) {
  auto max = GetInt(type, "MaxProfileObjectCount");
  if (!max || *max < 1) return OkStatus();
  std::vector<json::object> records;
  RETURN_IF_ERROR(
      ForEachObjectOfProfile(txn, scope, GetStringOr(type, "ObjectTypeName", ""), profile_id, "",
                             [&](const std::string&, json::object record) -> Result<WalkStep> {
                               records.push_back(std::move(record));
                               return WalkStep::kNext;
                             }));
  for (const json::object& record : ObjectsOverLimit(std::move(records), *max)) {
    RETURN_IF_ERROR(RemoveObject(txn, scope, ctx, record, ObjectRemoval::kOverLimit, now));
  }
  return OkStatus();
}

// One PutProfileObject request as its steps see it.
struct Ingestion {
  std::string type_name;
  std::string text;     // the Object as sent
  json::object object;  // ... parsed
  json::object type;    // the object type (or template) it is put with
  std::vector<ObjectKeyValue> keys;
  std::string unique;                    // the UNIQUE key's value
  std::string doc_id;                    // ObjectDocId(type_name, unique)
  std::optional<json::object> existing;  // the stored object it replaces, if any
};

// Loads what the request names (the type, the replaced object) and extracts the object's keys.
Status LoadIngestion(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                     Ingestion& in) {
  store::Scope scope = DomainScope(ctx, domain);
  ASSIGN_OR_RETURN(in.type, TypeForIngestion(txn, ctx, domain, in.type_name));
  ASSIGN_OR_RETURN(in.keys, ExtractKeyValues(in.type, in.object));
  in.unique = UniqueKeyValue(in.keys);
  in.doc_id = ObjectDocId(in.type_name, in.unique);
  ASSIGN_OR_RETURN(auto existing_body, txn.GetForUpdate(scope, kObjectKind, in.doc_id));
  in.existing.reset();
  if (existing_body) {
    ASSIGN_OR_RETURN(in.existing, ParseStored(*existing_body));
  }
  return OkStatus();
}

// The profile candidates of each matching key (two ids are enough to know a key is ambiguous).
Result<std::vector<KeyMatch>> LookUpMatches(store::Txn& txn, store::Scope scope,
                                            const std::vector<ObjectKeyValue>& order) {
  std::vector<KeyMatch> matches;
  for (const ObjectKeyValue& k : order) {
    ASSIGN_OR_RETURN(auto ids,
                     ProfilesWithKey(txn, scope, k.def.name, k.value, "", 2, /*for_update=*/true));
    matches.push_back({k.def.name, k.value, std::move(ids)});
  }
  return matches;
}

// Which profile the object goes to: ResolveProfile over the key index, made safe against a
// concurrent ingestion of the same new values, and keeping a replaced object with its profile.
Result<Resolution> ResolveObjectProfile(store::Txn& txn, store::Scope scope, const Ingestion& in) {
  std::vector<ObjectKeyValue> order = MatchingOrder(in.keys);
  bool allow_creation = GetBool(in.type, "AllowProfileCreation").value_or(false);
  ASSIGN_OR_RETURN(std::vector<KeyMatch> matches, LookUpMatches(txn, scope, order));
  Resolution resolution = ResolveProfile(matches, allow_creation);
  if (resolution.kind == ResolutionKind::kCreate && !order.empty()) {
    // Two objects with the same new email must not create two profiles. GetForUpdate locks
    // each key value's (absent) lock document until commit (store.h), so a concurrent
    // ingestion of the same values waits here for this commit; the lookup is then repeated,
    // and sees the profile a transaction that won the race created. Nothing is written.
    for (const ObjectKeyValue& k : order) {
      ASSIGN_OR_RETURN(auto lock,
                       txn.GetForUpdate(scope, kObjectLockKind, k.def.name + "\n" + k.value));
      (void)lock;
    }
    ASSIGN_OR_RETURN(matches, LookUpMatches(txn, scope, order));
    resolution = ResolveProfile(matches, allow_creation);
  }
  if (resolution.kind != ResolutionKind::kAttach && in.existing) {
    // A replaced object that no key places elsewhere stays with its profile.
    std::string previous = GetStringOr(*in.existing, "ProfileId", "");
    // For update: the profile is loaded for update next, and a shared lock now would have to
    // be upgraded then (a deadlock with a concurrent ingestion doing the same).
    ASSIGN_OR_RETURN(auto still_there, txn.GetForUpdate(scope, kProfileKind, previous));
    if (still_there) {
      resolution.kind = ResolutionKind::kAttach;
      resolution.profile_id = previous;
    }
  }
  return resolution;
}

// Where IngestIntoProfile put the object: its profile, and its INGESTED record.
struct Ingested {
  std::string profile_id;
  std::string record_id;
};

// Creates the profile (kCreate) or loads the resolved one for update, writes the object's mapped
// fields and search keys into it, appends its history records and saves it.
Result<Ingested> IngestIntoProfile(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                                   const Resolution& resolution, const Ingestion& in, double now,
                                   DomainMatching& matching, DomainStatsDelta& stats) {
  bool created = resolution.kind == ResolutionKind::kCreate;
  json::object profile;
  std::optional<json::object> before;
  if (created) {
    profile["ProfileId"] = NewProfileId();
    profile[kObjectCountMember] = 0;
  } else {
    ASSIGN_OR_RETURN(before, LoadProfile(txn, scope, resolution.profile_id, /*for_update=*/true));
    profile = *before;
  }
  std::string profile_id = GetStringOr(profile, "ProfileId", "");
  // The profile's object count (metering.h): a new object, or one its keys moved here.
  if (!in.existing || GetStringOr(*in.existing, "ProfileId", "") != profile_id) {
    RETURN_IF_ERROR(AdjustObjectCount(txn, scope, profile, 1, stats));
  }

  ApplyIngestedFields(profile, MappedProfileFields(in.type, in.object), in.type_name,
                      GetInt(in.type, "SourcePriority"));
  for (const ObjectKeyValue& k : KeysToStore(in.keys, created)) {
    if (IsMemberDerivedKey(k.def.name)) {
      AddCustomKey(profile, k.def.name, {k.value});
    } else {
      RETURN_IF_ERROR(HoldKey(txn, scope, profile_id, k.def.name, k.value));  // held_keys.h
    }
  }
  if (created) {
    // Its Content is the profile as the object made it (AWS: "the customer profile"), copied:
    // the INGESTED record that follows becomes the profile's newest, which the lazy CREATED
    // Content of CreateProfile (PrepareCreatedRecord) relies on being the CREATED one.
    RETURN_IF_ERROR(StoreHistoryRecord(
        txn, scope, profile,
        NewHistoryRecord(ctx, profile,
                         {"CREATED", kProfileObjectTypeName, "", Serialize(PublicProfile(profile))},
                         now)));
  }
  ASSIGN_OR_RETURN(PreparedRecord ingested,
                   PrepareIngestedRecord(ctx, profile, in.type_name, in.unique, in.text, now));
  RETURN_IF_ERROR(StorePreparedRecord(txn, scope, ingested, &profile));
  StampIngestedProfile(profile, in.type, now);
  RETURN_IF_ERROR(SaveProfile(txn, scope, before ? &*before : nullptr, profile, &matching));
  return Ingested{profile_id, ingested.id};
}

// Stores the object record, replacing any with the same UNIQUE value: its document, index rows
// and share of the domain's statistics (with `stats`, the profile's share IngestIntoProfile
// counted).
Status StoreObject(store::Txn& txn, store::Scope scope, const Ingestion& in,
                   const Ingested& ingested, double now, DomainStatsDelta stats) {
  const std::string& profile_id = ingested.profile_id;
  const json::object* existing = in.existing ? &*in.existing : nullptr;
  json::object record =
      NewObjectRecord(in.type_name, in.unique, profile_id, in.text, in.keys, existing, now);
  record[kIngestedRecordMember] = ingested.record_id;  // history.h: the record's Content
  StampObjectExpiry(record, in.type);
  int64_t old_size = 0;
  if (existing) {
    RETURN_IF_ERROR(KeepIngestedContent(txn, scope, *existing));
    RETURN_IF_ERROR(EditObjectRows(txn, scope, *existing, RowEdit::kRemove));
    old_size = GetInt(*existing, "Size").value_or(0);
  }
  RETURN_IF_ERROR(txn.Put(scope, kObjectKind, in.doc_id, Serialize(record)));
  RETURN_IF_ERROR(EditObjectRows(txn, scope, record, RowEdit::kAdd));
  RETURN_IF_ERROR(CalcOnObjectStored(txn, scope, in.type, existing, record));
  // The count of the profile its keys moved it from (metering.h). The domain's statistics change
  // once, in one shard (their totals are sums over the shards).
  stats.objects += existing ? 0 : 1;
  stats.object_bytes += static_cast<int64_t>(in.text.size()) - old_size;
  std::string previous = existing ? GetStringOr(*existing, "ProfileId", "") : "";
  if (previous != profile_id) {
    RETURN_IF_ERROR(AddProfileObjects(txn, scope, previous, -1, &stats));
  }
  return AddToDomainStats(txn, scope, in.doc_id, stats);
}

}  // namespace

Result<std::string> PutProfileObjectInTxn(store::Txn& txn, const RequestContext& ctx,
                                          std::string_view domain, std::string_view type_name,
                                          std::string text, boost::json::object object, double now,
                                          DomainMatching& matching) {
  Ingestion in;
  in.type_name = std::string(type_name);
  in.text = std::move(text);
  in.object = std::move(object);
  store::Scope scope = DomainScope(ctx, domain);
  RETURN_IF_ERROR(LoadIngestion(txn, ctx, domain, in));
  ASSIGN_OR_RETURN(Resolution resolution, ResolveObjectProfile(txn, scope, in));
  if (resolution.kind == ResolutionKind::kReject) {
    return Error::BadRequest(RejectionMessage(resolution, in.type_name));
  }
  DomainStatsDelta stats;
  ASSIGN_OR_RETURN(Ingested ingested,
                   IngestIntoProfile(txn, scope, ctx, resolution, in, now, matching, stats));
  RETURN_IF_ERROR(StoreObject(txn, scope, in, ingested, now, stats));
  RETURN_IF_ERROR(EnforceMaxCount(txn, scope, ctx, in.type, ingested.profile_id, now));
  return in.unique;
}

namespace {

// Load, resolve, update the profile, store the object, trim to MaxProfileObjectCount: all in one
// Write transaction, so a concurrent DeleteDomain or ingestion sees all of it or none.
Result<json::object> PutProfileObject(const ServiceEnv& env, const RequestContext& ctx,
                                      const json::object& request) {
  std::string domain = GetStringOr(request, "DomainName", "");
  std::string type_name = GetStringOr(request, "ObjectTypeName", "");
  std::string text = GetStringOr(request, "Object", "");
  ASSIGN_OR_RETURN(json::object object, ParseProfileObject(text));
  DomainMatching matching;
  std::string unique;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(matching, LoadDomainMatching(txn, ctx, domain));
    ASSIGN_OR_RETURN(unique, PutProfileObjectInTxn(txn, ctx, domain, type_name, text, object,
                                                   env.clock->NowEpochSeconds(), matching));
    return OkStatus();
  }));
  RunAutoMerges(env, ctx, domain, matching);
  json::object out;
  out["ProfileObjectUniqueKey"] = unique;
  return out;
}

bool MatchesFilter(const json::object& record, const json::object* filter) {
  if (!filter) return true;
  std::string key = GetStringOr(*filter, "KeyName", "");
  const json::array* wanted = GetArray(*filter, "Values");
  const json::object* keys = GetObject(record, "Keys");
  const json::array* have = keys ? GetArray(*keys, key) : nullptr;
  if (!wanted || !have) return false;
  for (const auto& w : *wanted) {
    if (std::find(have->begin(), have->end(), w) != have->end()) return true;
  }
  return false;
}

Result<json::object> ListProfileObjects(const ServiceEnv& env, const RequestContext& ctx,
                                        const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string type_name = GetStringOr(in, "ObjectTypeName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  std::string purpose = "ListProfileObjects/" + type_name + "/" + profile_id;
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, purpose));
  size_t page = PageSize(in, 100, 100);
  const json::object* filter = GetObject(in, "ObjectFilter");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    out.clear();
    ASSIGN_OR_RETURN(json::object domain_doc, LoadDomain(txn, ctx, domain));
    ExpiryView expiry = ExpiryViewOf(domain_doc, *env.clock);
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(json::object type, TypeForIngestion(txn, ctx, domain, type_name));
    ASSIGN_OR_RETURN(auto profile, txn.Get(scope, kProfileKind, profile_id));
    if (profile) {
      ASSIGN_OR_RETURN(json::object stored, ParseStored(*profile));
      if (expiry.ProfileExpired(stored)) profile.reset();
    }
    if (!profile) return Error::NotFound(ProfileNotFoundMessage(profile_id, domain));
    json::array items;
    std::string last;
    bool more = false;
    RETURN_IF_ERROR(ForEachObjectOfProfile(
        txn, scope, type_name, profile_id, cursor,
        [&](const std::string& unique, json::object record) -> Result<WalkStep> {
          if (!MatchesFilter(record, filter) || expiry.ObjectExpired(record)) {
            return WalkStep::kNext;
          }
          if (items.size() == page) {
            more = true;
            return WalkStep::kStop;
          }
          json::object item;
          item["ObjectTypeName"] = type_name;
          item["ProfileObjectUniqueKey"] = unique;
          item["Object"] = record["Object"];
          items.push_back(std::move(item));
          last = unique;
          return WalkStep::kNext;
        }));
    out["Items"] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(purpose, last);
    return OkStatus();
  }));
  return out;
}

Result<json::object> DeleteProfileObject(const ServiceEnv& env, const RequestContext& ctx,
                                         const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string type_name = GetStringOr(in, "ObjectTypeName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  std::string unique = GetStringOr(in, "ProfileObjectUniqueKey", "");
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(auto body,
                     txn.GetForUpdate(scope, kObjectKind, ObjectDocId(type_name, unique)));
    std::optional<json::object> record;
    if (body) {
      ASSIGN_OR_RETURN(record, ParseStored(*body));
    }
    if (!record || GetStringOr(*record, "ProfileId", "") != profile_id) {
      return Error::NotFound("Profile object " + unique + " of type " + type_name +
                             " does not exist for profile " + profile_id);
    }
    return RemoveObject(txn, scope, ctx, *record, ObjectRemoval::kDeletedByCustomer,
                        env.clock->NowEpochSeconds());
  }));
  json::object out;
  out["Message"] = "Successfully deleted the profile object " + unique + ".";
  return out;
}

// Every ObjectTypeName objects may be stored under: the domain's stored types, and the
// templates (an object put with a TemplateId as its type name when no such type is stored).
Result<std::set<std::string>> ObjectTypeNamesOfDomain(store::Txn& txn, store::Scope scope) {
  std::set<std::string> type_names;
  for (const json::object& t : ObjectTemplates()) {
    type_names.insert(GetStringOr(t, "TemplateId", ""));
  }
  RETURN_IF_ERROR(ForEachDocument(txn, scope, kObjectTypeKind, "", "",
                                  [&](const store::Document& type) -> Status {
                                    type_names.insert(type.id);
                                    return OkStatus();
                                  }));
  return type_names;
}

}  // namespace

namespace {

// EraseObject, with the profile's object count changed in `counts` (the caller applies it).
Status EraseObjectCounted(store::Txn& txn, store::Scope scope, const json::object& record,
                          ProfileObjectCounts& counts) {
  std::string id = ObjectDocId(GetStringOr(record, "ObjectTypeName", ""),
                               GetStringOr(record, "ProfileObjectUniqueKey", ""));
  RETURN_IF_ERROR(KeepIngestedContent(txn, scope, record));
  RETURN_IF_ERROR(EditObjectRows(txn, scope, record, RowEdit::kRemove));
  ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kObjectKind, id));
  (void)deleted;
  RETURN_IF_ERROR(CalcOnObjectErased(txn, scope, record));
  counts.Add(GetStringOr(record, "ProfileId", ""), -1);
  return AddToDomainStats(txn, scope, id, {0, -1, -GetInt(record, "Size").value_or(0)});
}

}  // namespace

Status EraseObject(store::Txn& txn, store::Scope scope, const json::object& record,
                   ProfileObjectCounts* counts) {
  if (counts != nullptr) return EraseObjectCounted(txn, scope, record, *counts);
  ProfileObjectCounts own;
  RETURN_IF_ERROR(EraseObjectCounted(txn, scope, record, own));
  return own.Apply(txn, scope);
}

Status DeleteObjectsOfType(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                           std::string_view type) {
  store::Scope scope = DomainScope(ctx, domain);
  std::string prefix = std::string(type) + "/";
  RETURN_IF_ERROR(CalcOnTypeObjectsDeleted(txn, scope, type));
  ProfileObjectCounts counts;
  RETURN_IF_ERROR(ForEachDocument(
      txn, scope, kObjectKind, prefix, "", [&](const store::Document& doc) -> Status {
        ASSIGN_OR_RETURN(json::object record, ParseStored(doc.body));
        RETURN_IF_ERROR(KeepIngestedContent(txn, scope, record));
        RETURN_IF_ERROR(EditObjectRows(txn, scope, record, RowEdit::kRemove));
        counts.Add(GetStringOr(record, "ProfileId", ""), -1);
        return AddToDomainStats(txn, scope, doc.id, {0, -1, -GetInt(record, "Size").value_or(0)});
      }));
  ASSIGN_OR_RETURN(int64_t removed, txn.DeleteKind(scope, kObjectKind, prefix));
  (void)removed;
  return counts.Apply(txn, scope);
}

Status DeleteObjectsOfProfile(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                              std::string_view profile_id) {
  store::Scope scope = DomainScope(ctx, domain);
  RETURN_IF_ERROR(CalcOnProfileDeleted(txn, scope, profile_id));
  ASSIGN_OR_RETURN(std::set<std::string> type_names, ObjectTypeNamesOfDomain(txn, scope));
  ProfileObjectCounts counts;
  for (const std::string& type : type_names) {
    std::string index = ObjectProfileIndex(type);
    // Every visit removes the row it is given: EraseObject with the object's rows, or the row
    // alone when its document is gone.
    RETURN_IF_ERROR(
        DrainIndexRefs(txn, scope, index, profile_id, [&](const std::string& unique) -> Status {
          ASSIGN_OR_RETURN(auto body, txn.Get(scope, kObjectKind, ObjectDocId(type, unique)));
          if (!body) return txn.IndexRemove(scope, index, profile_id, unique);
          ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
          return EraseObjectCounted(txn, scope, record, counts);
        }));
  }
  return counts.Apply(txn, scope);
}

Status MoveObjectsToProfile(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                            std::string_view from, json::object& to_profile) {
  store::Scope scope = DomainScope(ctx, domain);
  const std::string to = GetStringOr(to_profile, "ProfileId", "");
  ASSIGN_OR_RETURN(std::set<std::string> type_names, ObjectTypeNamesOfDomain(txn, scope));
  int64_t moved = 0;
  for (const std::string& type : type_names) {
    std::string index = ObjectProfileIndex(type);
    // Each move removes its own row under `from`.
    RETURN_IF_ERROR(
        DrainIndexRefs(txn, scope, index, from, [&](const std::string& unique) -> Status {
          std::string doc_id = ObjectDocId(type, unique);
          RETURN_IF_ERROR(txn.IndexRemove(scope, index, from, unique));
          ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kObjectKind, doc_id));
          if (!body) return OkStatus();
          ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
          record["ProfileId"] = to;
          RETURN_IF_ERROR(txn.Put(scope, kObjectKind, doc_id, Serialize(record)));
          ++moved;
          return txn.IndexAdd(scope, index, to, unique);
        }));
  }
  DomainStatsDelta stats;  // one change of the domain's statistics for both profiles
  RETURN_IF_ERROR(AddProfileObjects(txn, scope, from, -moved, &stats));
  if (moved != 0) RETURN_IF_ERROR(AdjustObjectCount(txn, scope, to_profile, moved, stats));
  if (stats.extra_metered != 0) RETURN_IF_ERROR(AddToDomainStats(txn, scope, to, stats));
  return CalcOnObjectsMoved(txn, scope, from, to);
}

Result<ObjectStats> CountObjects(store::Txn& txn, const RequestContext& ctx,
                                 std::string_view domain) {
  ASSIGN_OR_RETURN(DomainTotals totals, ReadDomainStats(txn, DomainScope(ctx, domain)));
  return ObjectStats{totals.objects, totals.object_bytes};
}

void RegisterProfileObjectOps(Registry& registry, const ServiceEnv& env) {
  registry.Register("PutProfileObject", WithEnv(env, PutProfileObject));
  registry.Register("ListProfileObjects", WithEnv(env, ListProfileObjects));
  registry.Register("DeleteProfileObject", WithEnv(env, DeleteProfileObject));
}

}  // namespace profiled::service
