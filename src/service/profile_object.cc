// PutProfileObject, ListProfileObjects, DeleteProfileObject, and the store side of objects
// (deleting a type's objects, the domain's object statistics). The rules are in
// profile_object_rules.cc; this file loads, decides with them, and saves, each request in one
// transaction.
#include "service/profile_object.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <set>
#include <string>

#include "common/ids.h"
#include "service/common.h"
#include "service/domain_stats.h"
#include "service/history.h"
#include "service/object_template.h"
#include "service/profile_store.h"
#include "service/search_keys.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// Short-lived rows that serialise profile creation per key value (see PutProfileObject).
constexpr std::string_view kObjectLockKind = "object_lock";
constexpr size_t kBatch = 500;

// The object record's key values as stored: {"KeyName": ["value", ...]}.
json::object KeysMember(const std::vector<ObjectKeyValue>& keys) {
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

enum class RowEdit { kAdd, kRemove };

// Adds or removes a stored object's index rows (not its document): the profile's row and one per
// key value, the same walk both ways.
Status EditObjectRows(store::Txn& txn, store::Scope scope, const json::object& record,
                      RowEdit edit) {
  std::string type = GetStringOr(record, "ObjectTypeName", "");
  std::string unique = GetStringOr(record, "ProfileObjectUniqueKey", "");
  auto apply = [&](std::string_view index, std::string_view value) {
    return edit == RowEdit::kAdd ? txn.IndexAdd(scope, index, value, unique)
                                 : txn.IndexRemove(scope, index, value, unique);
  };
  RETURN_IF_ERROR(apply(ObjectProfileIndex(type), GetStringOr(record, "ProfileId", "")));
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

// Deletes one stored object: document, rows and its share of the statistics.
Status EraseObject(store::Txn& txn, store::Scope scope, const json::object& record) {
  std::string id = ObjectDocId(GetStringOr(record, "ObjectTypeName", ""),
                               GetStringOr(record, "ProfileObjectUniqueKey", ""));
  RETURN_IF_ERROR(EditObjectRows(txn, scope, record, RowEdit::kRemove));
  ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kObjectKind, id));
  (void)deleted;
  return AddToDomainStats(txn, scope, id, {0, -1, -GetInt(record, "Size").value_or(0)});
}

// An INGESTED history record for the profile, in history.h's layout, naming the object type and
// the object (AppendHistory writes "_profile" records only).
Status AppendIngestedHistory(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                             json::object& profile, std::string_view action, std::string_view type,
                             std::string_view unique, std::string content, double now) {
  json::object record;
  record["Id"] = NextHistoryId(profile, static_cast<int64_t>(now * 1000.0 + 0.5));
  record["ObjectTypeName"] = type;
  record["CreatedAt"] = now;
  record["LastUpdatedAt"] = now;
  record["ActionType"] = action;
  if (!unique.empty()) record["ProfileObjectUniqueKey"] = unique;
  record["PerformedBy"] = PerformedBy(ctx);
  record["Content"] = std::move(content);
  return StoreHistoryRecord(txn, scope, profile, std::move(record));
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
Status EnforceMaxCount(store::Txn& txn, store::Scope scope, const json::object& type,
                       std::string_view profile_id) {
  auto max = GetInt(type, "MaxProfileObjectCount");
  if (!max || *max < 1) return OkStatus();
  std::string type_name = GetStringOr(type, "ObjectTypeName", "");
  std::vector<json::object> records;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(scope, ObjectProfileIndex(type_name), profile_id,
                                                after, kBatch));
    for (const auto& ref : refs) {
      ASSIGN_OR_RETURN(auto body, txn.Get(scope, kObjectKind, ObjectDocId(type_name, ref)));
      if (!body) continue;
      ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
      records.push_back(std::move(record));
    }
    if (refs.size() < kBatch) break;
    after = refs.back();
  }
  if (static_cast<int64_t>(records.size()) <= *max) return OkStatus();
  std::sort(records.begin(), records.end(), [](const json::object& a, const json::object& b) {
    double ta = a.contains("UpdatedAt") ? a.at("UpdatedAt").to_number<double>() : 0;
    double tb = b.contains("UpdatedAt") ? b.at("UpdatedAt").to_number<double>() : 0;
    return ta < tb;
  });
  size_t excess = records.size() - static_cast<size_t>(*max);
  for (size_t i = 0; i < excess; ++i) RETURN_IF_ERROR(EraseObject(txn, scope, records[i]));
  return OkStatus();
}

Result<json::object> PutProfileObject(const ServiceEnv& env, const RequestContext& ctx,
                                      const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string type_name = GetStringOr(in, "ObjectTypeName", "");
  std::string text = GetStringOr(in, "Object", "");
  ASSIGN_OR_RETURN(json::object object, ParseProfileObject(text));
  std::string unique;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(json::object type, TypeForIngestion(txn, ctx, domain, type_name));
    ASSIGN_OR_RETURN(std::vector<ObjectKeyValue> keys, ExtractKeyValues(type, object));
    unique = UniqueKeyValue(keys);
    std::string doc_id = ObjectDocId(type_name, unique);
    ASSIGN_OR_RETURN(auto existing_body, txn.GetForUpdate(scope, kObjectKind, doc_id));
    std::optional<json::object> existing;
    if (existing_body) {
      ASSIGN_OR_RETURN(existing, ParseStored(*existing_body));
    }

    // Resolution: candidate profiles per matching key, then the decision.
    std::vector<ObjectKeyValue> order = MatchingOrder(keys);
    auto lookup = [&]() -> Result<std::vector<KeyMatch>> {
      std::vector<KeyMatch> matches;
      for (const ObjectKeyValue& k : order) {
        ASSIGN_OR_RETURN(auto ids, txn.IndexLookup(scope, std::string(kKeyIndexPrefix) + k.def.name,
                                                   k.value, "", 2));
        matches.push_back({k.def.name, k.value, std::move(ids)});
      }
      return matches;
    };
    bool allow_creation = GetBool(type, "AllowProfileCreation").value_or(false);
    ASSIGN_OR_RETURN(std::vector<KeyMatch> matches, lookup());
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
      ASSIGN_OR_RETURN(matches, lookup());
      resolution = ResolveProfile(matches, allow_creation);
    }
    if (resolution.kind != ResolutionKind::kAttach && existing) {
      // A replaced object that no key places elsewhere stays with its profile.
      std::string previous = GetStringOr(*existing, "ProfileId", "");
      // For update: the profile is loaded for update below, and a shared lock now would have to
      // be upgraded then (a deadlock with a concurrent ingestion doing the same).
      ASSIGN_OR_RETURN(auto still_there, txn.GetForUpdate(scope, kProfileKind, previous));
      if (still_there) {
        resolution.kind = ResolutionKind::kAttach;
        resolution.profile_id = previous;
      }
    }
    if (resolution.kind == ResolutionKind::kReject) {
      std::string why = "No profile matches the object's keys";
      if (!resolution.ambiguous.empty()) {
        why += " (ambiguous, matching several profiles:";
        for (const auto& k : resolution.ambiguous) why += " " + k;
        why += ")";
      }
      return Error::BadRequest(why + " and object type " + type_name +
                               " does not allow profile creation (AllowProfileCreation is "
                               "false); the object was not stored");
    }

    double now = env.clock->NowEpochSeconds();
    bool created = resolution.kind == ResolutionKind::kCreate;
    json::object profile;
    std::optional<json::object> before;
    if (created) {
      profile["ProfileId"] = NewProfileId();
    } else {
      ASSIGN_OR_RETURN(before, LoadProfile(txn, scope, resolution.profile_id, /*for_update=*/true));
      profile = *before;
    }
    std::string profile_id = GetStringOr(profile, "ProfileId", "");

    ApplyIngestedFields(profile, MappedProfileFields(type, object), type_name,
                        GetInt(type, "SourcePriority"));
    for (const ObjectKeyValue& k : KeysToStore(keys, created)) {
      AddCustomKey(profile, k.def.name, {k.value});
    }
    if (created) {
      RETURN_IF_ERROR(AppendIngestedHistory(txn, scope, ctx, profile, "CREATED",
                                            kProfileObjectTypeName, "", "", now));
    }
    RETURN_IF_ERROR(
        AppendIngestedHistory(txn, scope, ctx, profile, "INGESTED", type_name, unique, text, now));
    RETURN_IF_ERROR(SaveProfile(txn, scope, before ? &*before : nullptr, profile));

    // The object itself, replacing any object with the same UNIQUE value.
    json::object record;
    record["ObjectTypeName"] = type_name;
    record["ProfileObjectUniqueKey"] = unique;
    record["ProfileId"] = profile_id;
    record["Object"] = text;
    record["Keys"] = KeysMember(keys);
    record["Size"] = static_cast<int64_t>(text.size());
    record["CreatedAt"] =
        existing && existing->contains("CreatedAt") ? existing->at("CreatedAt") : json::value(now);
    record["UpdatedAt"] = now;
    int64_t old_size = 0;
    if (existing) {
      RETURN_IF_ERROR(EditObjectRows(txn, scope, *existing, RowEdit::kRemove));
      old_size = GetInt(*existing, "Size").value_or(0);
    }
    RETURN_IF_ERROR(txn.Put(scope, kObjectKind, doc_id, Serialize(record)));
    RETURN_IF_ERROR(EditObjectRows(txn, scope, record, RowEdit::kAdd));
    RETURN_IF_ERROR(AddToDomainStats(
        txn, scope, doc_id, {0, existing ? 0 : 1, static_cast<int64_t>(text.size()) - old_size}));
    return EnforceMaxCount(txn, scope, type, profile_id);
  }));
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
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(json::object type, TypeForIngestion(txn, ctx, domain, type_name));
    ASSIGN_OR_RETURN(auto profile, txn.Get(scope, kProfileKind, profile_id));
    if (!profile) return Error::NotFound(ProfileNotFoundMessage(profile_id, domain));
    json::array items;
    std::string after = cursor, last;
    bool more = false;
    while (!more) {
      ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(scope, ObjectProfileIndex(type_name), profile_id,
                                                  after, kBatch));
      for (const auto& ref : refs) {
        ASSIGN_OR_RETURN(auto body, txn.Get(scope, kObjectKind, ObjectDocId(type_name, ref)));
        if (!body) continue;
        ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
        if (!MatchesFilter(record, filter)) continue;
        if (items.size() == page) {
          more = true;
          break;
        }
        json::object item;
        item["ObjectTypeName"] = type_name;
        item["ProfileObjectUniqueKey"] = ref;
        item["Object"] = record["Object"];
        items.push_back(std::move(item));
        last = ref;
      }
      if (refs.size() < kBatch) break;
      after = refs.back();
    }
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
    return EraseObject(txn, scope, *record);
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
  std::string after_type;
  while (true) {
    ASSIGN_OR_RETURN(auto types, txn.Scan(scope, kObjectTypeKind, "", after_type, kBatch));
    for (const auto& type : types) type_names.insert(type.id);
    if (types.size() < kBatch) break;
    after_type = types.back().id;
  }
  return type_names;
}

}  // namespace

Status DeleteObjectsOfType(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                           std::string_view type) {
  store::Scope scope = DomainScope(ctx, domain);
  std::string prefix = std::string(type) + "/";
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(auto docs, txn.Scan(scope, kObjectKind, prefix, after, kBatch));
    for (const auto& doc : docs) {
      ASSIGN_OR_RETURN(json::object record, ParseStored(doc.body));
      RETURN_IF_ERROR(EditObjectRows(txn, scope, record, RowEdit::kRemove));
      RETURN_IF_ERROR(
          AddToDomainStats(txn, scope, doc.id, {0, -1, -GetInt(record, "Size").value_or(0)}));
    }
    if (docs.size() < kBatch) break;
    after = docs.back().id;
  }
  ASSIGN_OR_RETURN(int64_t removed, txn.DeleteKind(scope, kObjectKind, prefix));
  (void)removed;
  return OkStatus();
}

Status DeleteObjectsOfProfile(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                              std::string_view profile_id) {
  store::Scope scope = DomainScope(ctx, domain);
  ASSIGN_OR_RETURN(std::set<std::string> type_names, ObjectTypeNamesOfDomain(txn, scope));
  for (const std::string& type : type_names) {
    std::string index = ObjectProfileIndex(type);
    // Each erase removes its own index row, so the lookup always restarts from the front.
    while (true) {
      ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(scope, index, profile_id, "", kBatch));
      for (const auto& unique : refs) {
        ASSIGN_OR_RETURN(auto body, txn.Get(scope, kObjectKind, ObjectDocId(type, unique)));
        if (!body) {
          RETURN_IF_ERROR(txn.IndexRemove(scope, index, profile_id, unique));
          continue;
        }
        ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
        RETURN_IF_ERROR(EraseObject(txn, scope, record));
      }
      if (refs.size() < kBatch) break;
    }
  }
  return OkStatus();
}

Status MoveObjectsToProfile(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                            std::string_view from, std::string_view to) {
  store::Scope scope = DomainScope(ctx, domain);
  ASSIGN_OR_RETURN(std::set<std::string> type_names, ObjectTypeNamesOfDomain(txn, scope));
  for (const std::string& type : type_names) {
    std::string index = ObjectProfileIndex(type);
    // Each move removes its own row under `from`, so the lookup always restarts from the front.
    while (true) {
      ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(scope, index, from, "", kBatch));
      for (const auto& unique : refs) {
        std::string doc_id = ObjectDocId(type, unique);
        RETURN_IF_ERROR(txn.IndexRemove(scope, index, from, unique));
        ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kObjectKind, doc_id));
        if (!body) continue;
        ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
        record["ProfileId"] = to;
        RETURN_IF_ERROR(txn.Put(scope, kObjectKind, doc_id, Serialize(record)));
        RETURN_IF_ERROR(txn.IndexAdd(scope, index, to, unique));
      }
      if (refs.size() < kBatch) break;
    }
  }
  return OkStatus();
}

Result<ObjectStats> CountObjects(store::Txn& txn, const RequestContext& ctx,
                                 std::string_view domain) {
  ASSIGN_OR_RETURN(DomainTotals totals, ReadDomainStats(txn, DomainScope(ctx, domain)));
  return ObjectStats{totals.objects, totals.object_bytes};
}

void RegisterProfileObjectOps(Registry& registry, const ServiceEnv& env) {
  auto bind = [&env](auto fn) {
    return [env, fn](const RequestContext& ctx, json::object in) { return fn(env, ctx, in); };
  };
  registry.Register("PutProfileObject", bind(PutProfileObject));
  registry.Register("ListProfileObjects", bind(ListProfileObjects));
  registry.Register("DeleteProfileObject", bind(DeleteProfileObject));
}

}  // namespace profiled::service
