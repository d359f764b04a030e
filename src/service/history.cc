#include "service/history.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cinttypes>
#include <cstdio>

#include "common/ids.h"
#include "service/common.h"
#include "service/profile_ops.h"
#include "service/profile_store.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr size_t kTimeHex = 12;
constexpr size_t kCounterHex = 8;

std::string Hex(uint64_t v, size_t digits) {
  std::string out(digits, '0');
  for (size_t i = digits; i-- > 0;) {
    out[i] = "0123456789abcdef"[v & 0xf];
    v >>= 4;
  }
  return out;
}

uint64_t ParseHex(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) {
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint64_t>(c - 'a' + 10);
    }
  }
  return v;
}

std::string RecordDocId(std::string_view profile_id, std::string_view record_id) {
  return std::string(profile_id).append("/").append(record_id);
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

bool Matches(const json::object& record, const json::object& filter) {
  for (std::string_view m : {"ObjectTypeName", "ActionType", "PerformedBy"}) {
    auto want = GetString(filter, m);
    if (!want) continue;
    auto have = GetString(record, m);
    if (!have || *have != *want) return false;
  }
  return true;
}

// A profile's history is served while the profile exists or any of its records remain.
Status RequireProfileOrHistory(store::Txn& txn, store::Scope scope, std::string_view profile_id) {
  ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, profile_id));
  if (body) return OkStatus();
  ASSIGN_OR_RETURN(auto any, txn.Scan(scope, kHistoryKind, std::string(profile_id) + "/", "", 1));
  if (any.empty()) return Error::NotFound(ProfileNotFoundMessage(profile_id, scope.domain));
  return OkStatus();
}

Result<json::object> ListProfileHistoryRecords(const ServiceEnv& env, const RequestContext& ctx,
                                               const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  std::string purpose = "ListProfileHistoryRecords/" + profile_id;
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, purpose));
  size_t page = PageSize(in, 100, 100);
  std::string prefix = profile_id + "/";
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    out.clear();
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    RETURN_IF_ERROR(RequireProfileOrHistory(txn, scope, profile_id));
    json::array items;
    std::string after = cursor.empty() ? std::string() : prefix + cursor;
    std::string last_returned;
    bool more = false;
    // Filters may skip records, so scan in batches until one past a full page has matched.
    const size_t batch = std::max<size_t>(page + 1, 100);
    while (!more) {
      ASSIGN_OR_RETURN(auto docs, txn.Scan(scope, kHistoryKind, prefix, after, batch));
      for (const auto& doc : docs) {
        ASSIGN_OR_RETURN(json::object record, ParseStored(doc.body));
        if (!Matches(record, in)) continue;
        if (items.size() == page) {
          more = true;
          break;
        }
        last_returned = doc.id.substr(prefix.size());
        items.emplace_back(ListView(record));
      }
      if (docs.size() < batch) break;
      after = docs.back().id;
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
    ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kHistoryKind,
                                        RecordDocId(profile_id, id)));
    if (!body) {
      return Error::NotFound("Profile history record " + id + " does not exist for profile " +
                             profile_id + " in domain " + domain);
    }
    ASSIGN_OR_RETURN(out, ParseStored(*body));
    return OkStatus();
  }));
  return out;
}

}  // namespace

std::string NextHistoryId(json::object& profile, int64_t now_ms) {
  uint64_t ms = now_ms < 0 ? 0 : static_cast<uint64_t>(now_ms);
  uint64_t counter = 0;
  if (auto last = GetString(profile, kHistoryLastMember);
      last && last->size() == kTimeHex + kCounterHex) {
    uint64_t last_ms = ParseHex(last->substr(0, kTimeHex));
    uint64_t last_counter = ParseHex(last->substr(kTimeHex));
    if (ms <= last_ms) {
      ms = last_ms;
      counter = last_counter + 1;
    }
  }
  std::string head = Hex(ms, kTimeHex) + Hex(counter, kCounterHex);
  profile[kHistoryLastMember] = head;
  return head + NewProfileId().substr(0, 32 - kTimeHex - kCounterHex);
}

std::string PerformedBy(const RequestContext& ctx) {
  return "arn:aws:iam::" + ctx.account_id + ":root";
}

Status AppendHistory(store::Txn& txn, store::Scope scope, const RequestContext& ctx,
                     json::object& profile, std::string_view action_type, std::string content,
                     double now_seconds) {
  std::string profile_id = GetStringOr(profile, "ProfileId", "");
  std::string id = NextHistoryId(profile, static_cast<int64_t>(now_seconds * 1000.0 + 0.5));
  json::object record;
  record["Id"] = id;
  record["ObjectTypeName"] = kProfileObjectTypeName;
  record["CreatedAt"] = now_seconds;
  record["LastUpdatedAt"] = now_seconds;
  record["ActionType"] = action_type;
  record["PerformedBy"] = PerformedBy(ctx);
  record["Content"] = std::move(content);
  return txn.Put(scope, kHistoryKind, RecordDocId(profile_id, id), Serialize(record));
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
