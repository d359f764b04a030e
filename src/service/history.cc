#include "service/history.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <optional>
#include <vector>

#include "common/hex.h"
#include "common/ids.h"
#include "service/common.h"
#include "service/event_outbox.h"
#include "service/expiry.h"
#include "service/history_record.h"
#include "service/profile_object.h"
#include "service/profile_ops.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr size_t kTimeHex = 12;
constexpr size_t kCounterHex = 8;

// The legacy (schema 1) key of a record: under its profile, so one profile's records were a
// prefix scan but every record landed at a random place of the b-tree.
std::string LegacyRecordDocId(std::string_view profile_id, std::string_view record_id) {
  return std::string(profile_id).append("/").append(record_id);
}

// Whether the record ends its profile (and leaves the tombstone): a deletion or the expiry of the
// profile itself, not the removal of one of its objects or keys.
bool IsDeletion(std::string_view object_type_name, std::string_view action_type) {
  return object_type_name == kProfileObjectTypeName &&
         (action_type.starts_with("DELETED_BY") || action_type == "EXPIRED");
}

// The members of ProfileHistoryRecord (the list shape: no Content).
json::object ListView(const json::object& record) {
  json::object out;
  for (std::string_view m : {"Id", "ObjectTypeName", "CreatedAt", "LastUpdatedAt", "ActionType",
                             "ProfileObjectUniqueKey", "PerformedBy"}) {
    if (auto it = record.find(m); it != record.end()) out[m] = it->value();
  }
  return out;
}

// The record as GetProfileHistoryRecord answers it: without the chain's internal members.
json::object PublicRecord(json::object record) {
  record.erase(kRecordProfileMember);
  record.erase(kRecordPrevMember);
  record.erase(kContentInProfileMember);
  record.erase(kContentInObjectMember);
  return record;
}

bool Matches(const json::object& record, const json::object& filter) {
  for (std::string_view m : {"ObjectTypeName", "ActionType", "PerformedBy"}) {
    auto want = GetString(filter, m);
    if (!want) continue;
    auto have = GetString(record, m);
    if (!have || *have != *want) return false;
  }
  return true;
}

// The newest record of the profile's chain: the profile's own head, or for a deleted profile the
// head its deletion left behind. "" when the profile has no record in the chained layout.
// NotFound when neither the profile nor any of its history exists.
Result<std::string> ChainHead(store::Txn& txn, store::Scope scope, std::string_view profile_id) {
  ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, profile_id));
  if (!body) {
    ASSIGN_OR_RETURN(body, txn.Get(scope, kHistoryHeadKind, profile_id));
  }
  if (body) {
    ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
    return GetStringOr(doc, kHistoryHeadMember, "");
  }
  ASSIGN_OR_RETURN(auto legacy,
                   txn.Scan(scope, kHistoryKind, std::string(profile_id) + "/", "", 1));
  if (legacy.empty()) return Error::NotFound(ProfileNotFoundMessage(profile_id, scope.domain));
  return std::string();
}

// Every record of the profile, oldest first: the legacy records (a prefix scan) and the chain
// (walked back from its head). Record ids increase strictly per profile, so sorting by id is
// the order the changes happened in.
Result<std::vector<json::object>> ProfileRecords(store::Txn& txn, store::Scope scope,
                                                 std::string_view profile_id) {
  ASSIGN_OR_RETURN(std::string head, ChainHead(txn, scope, profile_id));
  std::vector<json::object> records;
  RETURN_IF_ERROR(ForEachDocument(txn, scope, kHistoryKind, std::string(profile_id) + "/", "",
                                  [&](const store::Document& doc) -> Status {
                                    ASSIGN_OR_RETURN(json::object record, ParseStored(doc.body));
                                    records.push_back(std::move(record));
                                    return OkStatus();
                                  }));
  for (std::string id = head; !id.empty();) {
    ASSIGN_OR_RETURN(auto body, txn.Get(scope, kHistoryRecordKind, id));
    if (!body)
      return Error::Internal("history record " + id + " of profile " + std::string(profile_id) +
                             " is missing from its chain");
    ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
    id = GetStringOr(record, kRecordPrevMember, "");
    records.push_back(std::move(record));
  }
  auto id_of = [](const json::object& r) { return GetStringOr(r, "Id", ""); };
  std::sort(records.begin(), records.end(),
            [&](const json::object& a, const json::object& b) { return id_of(a) < id_of(b); });
  return records;
}

Result<json::object> ListProfileHistoryRecords(const ServiceEnv& env, const RequestContext& ctx,
                                               const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  std::string purpose = "ListProfileHistoryRecords/" + profile_id;
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, purpose));
  size_t page = PageSize(in, 100, 100);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    out.clear();
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(std::vector<json::object> records, ProfileRecords(txn, scope, profile_id));
    json::array items;
    std::string last_returned;
    bool more = false;
    for (const json::object& record : records) {
      std::string id = GetStringOr(record, "Id", "");
      if (!cursor.empty() && id <= cursor) continue;
      if (!Matches(record, in)) continue;
      if (items.size() == page) {
        more = true;
        break;
      }
      last_returned = id;
      items.emplace_back(ListView(record));
    }
    out["ProfileHistoryRecords"] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(purpose, last_returned);
    return OkStatus();
  }));
  return out;
}

Result<json::object> GetProfileHistoryRecord(const ServiceEnv& env, const RequestContext& ctx,
                                             const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  std::string id = GetStringOr(in, "Id", "");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(auto body, txn.Get(scope, kHistoryRecordKind, id));
    if (body) {
      ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
      if (GetStringOr(record, kRecordProfileMember, "") != profile_id) body.reset();
    }
    if (!body) {
      ASSIGN_OR_RETURN(body, txn.Get(scope, kHistoryKind, LegacyRecordDocId(profile_id, id)));
    }
    if (!body) {
      return Error::NotFound("Profile history record " + id + " does not exist for profile " +
                             profile_id + " in domain " + domain);
    }
    ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
    if (record.contains(kContentInProfileMember)) {
      ASSIGN_OR_RETURN(std::string content, CreatedContentFromProfile(txn, scope, profile_id));
      record["Content"] = std::move(content);
    } else if (record.contains(kContentInObjectMember)) {
      ASSIGN_OR_RETURN(std::string content, IngestedContentFromObject(txn, scope, id, record));
      record["Content"] = std::move(content);
    }
    out = PublicRecord(std::move(record));
    return OkStatus();
  }));
  return out;
}

// A record whose Content another document holds for now (history.h): NewHistoryRecord's, without
// its empty Content, marked by `marker`.
json::object RecordLeavingContent(const RequestContext& ctx, json::object& profile,
                                  HistoryRecordFields fields, std::string_view marker,
                                  double now_seconds) {
  json::object record = NewHistoryRecord(ctx, profile, std::move(fields), now_seconds);
  record.erase("Content");
  record[marker] = true;
  return record;
}

// A record that left its Content to another document, and that document, for KeepContent.
struct LeftContent {
  std::string_view record_id;
  std::string_view marker;     // kContentInProfileMember or kContentInObjectMember
  std::string_view action;     // "CREATED", "INGESTED" (for the error)
  std::string_view holder;     // "profile", "object" (for the error)
  std::string_view holder_id;  // (for the error)
};

// Writes `content()` into the record as its Content, unless an earlier step of this transaction
// did (the marker is then gone).
Status KeepContent(store::Txn& txn, store::Scope scope, const LeftContent& left,
                   const std::function<std::string()>& content) {
  const std::string id(left.record_id);
  ASSIGN_OR_RETURN(auto body, txn.Get(scope, kHistoryRecordKind, id));
  if (!body) {
    return Error::Internal("the " + std::string(left.action) + " record " + id + " of " +
                           std::string(left.holder) + " " + std::string(left.holder_id) +
                           " is missing");
  }
  ASSIGN_OR_RETURN(json::object record, ParseStored(*body));
  if (!record.contains(left.marker)) return OkStatus();  // kept earlier in this txn
  record.erase(left.marker);
  record["Content"] = content();
  return txn.Put(scope, kHistoryRecordKind, id, Serialize(record));
}

}  // namespace

std::string NextHistoryId(json::object& profile, int64_t now_ms) {
  uint64_t ms = now_ms < 0 ? 0 : static_cast<uint64_t>(now_ms);
  uint64_t counter = 0;
  if (auto last = GetString(profile, kHistoryLastMember);
      last && last->size() == kTimeHex + kCounterHex) {
    uint64_t last_ms = ParseHexValue(last->substr(0, kTimeHex));
    uint64_t last_counter = ParseHexValue(last->substr(kTimeHex));
    if (ms <= last_ms) {
      ms = last_ms;
      counter = last_counter + 1;
    }
  }
  std::string head;
  AppendHex(head, ms, kTimeHex);
  AppendHex(head, counter, kCounterHex);
  profile[kHistoryLastMember] = head;
  return head + RandomHex(32 - kTimeHex - kCounterHex);
}

std::string PerformedBy(const RequestContext& ctx) {
  return "arn:aws:iam::" + ctx.account_id + ":root";
}

Result<PreparedRecord> PrepareHistoryRecord(json::object& profile, json::object record) {
  PreparedRecord prepared;
  prepared.profile_id = GetStringOr(profile, "ProfileId", "");
  prepared.id = GetStringOr(record, "Id", "");
  if (prepared.profile_id.empty() || prepared.id.empty()) {
    return Error::Internal("history record without ids");
  }
  const std::string type_name = GetStringOr(record, "ObjectTypeName", "");
  const std::string action = GetStringOr(record, "ActionType", "");
  prepared.deletion = IsDeletion(type_name, action);
  const json::value* at = record.if_contains("CreatedAt");
  NoteProfileChange(profile, type_name, action,
                    at && at->is_number() ? at->to_number<double>() : 0);
  record[kRecordProfileMember] = prepared.profile_id;
  if (auto prev = GetString(profile, kHistoryHeadMember)) record[kRecordPrevMember] = *prev;
  profile[kHistoryHeadMember] = prepared.id;
  prepared.body = Serialize(record);
  return prepared;
}

Result<PreparedRecord> PrepareProfileHistory(const RequestContext& ctx, json::object& profile,
                                             std::string_view action_type, std::string content,
                                             double now_seconds) {
  return PrepareHistoryRecord(profile, NewHistoryRecord(ctx, profile,
                                                        {.action_type = action_type,
                                                         .object_type_name = kProfileObjectTypeName,
                                                         .unique_key = "",
                                                         .content = std::move(content)},
                                                        now_seconds));
}

Result<PreparedRecord> PrepareCreatedRecord(const RequestContext& ctx, json::object& profile,
                                            double now_seconds) {
  json::object record = RecordLeavingContent(ctx, profile,
                                             {.action_type = "CREATED",
                                              .object_type_name = kProfileObjectTypeName,
                                              .unique_key = "",
                                              .content = ""},
                                             kContentInProfileMember, now_seconds);
  profile[kCreatedContentPendingMember] = true;
  return PrepareHistoryRecord(profile, std::move(record));
}

Result<PreparedRecord> PrepareIngestedRecord(const RequestContext& ctx, json::object& profile,
                                             std::string_view type_name, std::string_view unique,
                                             std::string_view text, double now_seconds) {
  json::object record = RecordLeavingContent(ctx, profile,
                                             {.action_type = "INGESTED",
                                              .object_type_name = type_name,
                                              .unique_key = unique,
                                              .content = ""},
                                             kContentInObjectMember, now_seconds);
  ASSIGN_OR_RETURN(PreparedRecord prepared, PrepareHistoryRecord(profile, std::move(record)));
  prepared.ingested_text = text;
  return prepared;
}

Status KeepIngestedContent(store::Txn& txn, store::Scope scope, const json::object& object) {
  auto id = GetString(object, kIngestedRecordMember);
  if (!id) return OkStatus();
  return KeepContent(txn, scope,
                     {*id, kContentInObjectMember, "INGESTED", "object",
                      GetStringOr(object, "ProfileObjectUniqueKey", "")},
                     [&] { return GetStringOr(object, "Object", ""); });
}

Result<std::string> IngestedContentFromObject(store::Txn& txn, store::Scope scope,
                                              std::string_view record_id,
                                              const json::object& record) {
  const std::string doc_id = ObjectDocId(GetStringOr(record, "ObjectTypeName", ""),
                                         GetStringOr(record, "ProfileObjectUniqueKey", ""));
  ASSIGN_OR_RETURN(auto body, txn.Get(scope, kObjectKind, doc_id));
  if (body) {
    ASSIGN_OR_RETURN(json::object object, ParseStored(*body));
    if (GetStringOr(object, kIngestedRecordMember, "") == record_id) {
      return GetStringOr(object, "Object", "");
    }
  }
  // The object was replaced or erased after `record` was read (a store whose reads are not one
  // snapshot): the replacement wrote the Content into the record first.
  ASSIGN_OR_RETURN(auto again, txn.Get(scope, kHistoryRecordKind, record_id));
  if (again) {
    ASSIGN_OR_RETURN(json::object kept, ParseStored(*again));
    if (auto content = GetString(kept, "Content")) return std::string(*content);
  }
  return Error::Internal("the INGESTED record " + std::string(record_id) + " lost its Content");
}

Status KeepCreatedContent(store::Txn& txn, store::Scope scope, const json::object& stored) {
  if (!stored.contains(kCreatedContentPendingMember)) return OkStatus();
  // Until the profile changes its newest record is the CREATED one: every record is appended
  // with a change that SaveProfile or EraseProfile stores.
  return KeepContent(txn, scope,
                     {GetStringOr(stored, kHistoryHeadMember, ""), kContentInProfileMember,
                      "CREATED", "profile", GetStringOr(stored, "ProfileId", "")},
                     [&] { return Serialize(PublicProfile(stored)); });
}

Result<std::string> CreatedContentFromProfile(store::Txn& txn, store::Scope scope,
                                              std::string_view profile_id) {
  ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, profile_id));
  std::optional<json::object> profile;
  if (body) {
    ASSIGN_OR_RETURN(profile, ParseStored(*body));
  }
  if (!profile || !profile->contains(kCreatedContentPendingMember)) {
    return Error::Internal("the CREATED record of profile " + std::string(profile_id) +
                           " lost its Content");
  }
  return Serialize(PublicProfile(*profile));
}

Status StorePreparedRecord(store::Txn& txn, store::Scope scope, const PreparedRecord& record,
                           const json::object* profile, EventStreamsRead* streams) {
  RETURN_IF_ERROR(txn.Put(scope, kHistoryRecordKind, record.id, record.body));
  RETURN_IF_ERROR(
      RecordChangeEvents(txn, scope, record.body, profile, streams, record.ingested_text));
  if (record.deletion) {
    // The profile document goes; its history stays reachable from this tombstone.
    json::object tombstone;
    tombstone[kHistoryHeadMember] = record.id;
    RETURN_IF_ERROR(txn.Put(scope, kHistoryHeadKind, record.profile_id, Serialize(tombstone)));
  }
  return OkStatus();
}

Status StoreHistoryRecord(store::Txn& txn, store::Scope scope, json::object& profile,
                          json::object record) {
  ASSIGN_OR_RETURN(PreparedRecord prepared, PrepareHistoryRecord(profile, std::move(record)));
  return StorePreparedRecord(txn, scope, prepared, &profile);
}

Status AppendHistory(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                     json::object& profile, std::string_view action_type, std::string content,
                     double now_seconds, EventStreamsRead* streams) {
  ASSIGN_OR_RETURN(PreparedRecord prepared, PrepareProfileHistory(ctx, profile, action_type,
                                                                  std::move(content), now_seconds));
  return StorePreparedRecord(txn, scope, prepared, &profile, streams);
}

void RegisterHistoryOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("ListProfileHistoryRecords", [env](const RequestContext& ctx, json::object in) {
    return ListProfileHistoryRecords(env, ctx, in);
  });
  registry.Register("GetProfileHistoryRecord", [env](const RequestContext& ctx, json::object in) {
    return GetProfileHistoryRecord(env, ctx, in);
  });
}

}  // namespace profiled::service
