#include "service/expiry.h"

#include <algorithm>
#include <boost/json/value.hpp>
#include <cstdio>
#include <limits>

#include "common/hex.h"
#include "common/log.h"
#include "common/scaled_clock.h"
#include "service/background.h"
#include "service/common.h"
#include "service/event_outbox.h"
#include "service/history.h"
#include "service/history_record.h"
#include "service/object_removal.h"
#include "service/profile_object.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
#include "service/rule_match_index.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kFixedProfileIndex = "exp/p";
constexpr std::string_view kDefaultProfileIndex = "exp/pd";
constexpr std::string_view kFixedObjectIndex = "exp/o";
constexpr std::string_view kDefaultObjectIndex = "exp/od";
constexpr size_t kTimeDigits = 13;  // epoch ms until the year 2286
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

int64_t Ms(double seconds) { return static_cast<int64_t>(seconds * 1000.0 + 0.5); }

std::optional<int64_t> NumberMember(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->is_double() ? static_cast<int64_t>(v->get_double()) : v->to_number<int64_t>();
}

// "{13-digit ms}/{id}": time first, so the rows sort by time and a new one lands at the end.
std::string RowValue(int64_t ms, std::string_view id) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%013lld", static_cast<long long>(std::max<int64_t>(ms, 0)));
  return std::string(digits).append("/").append(id);
}

std::optional<int64_t> RowTime(std::string_view value) {
  if (value.size() <= kTimeDigits || value[kTimeDigits] != '/') return std::nullopt;
  int64_t ms = 0;
  for (char c : value.substr(0, kTimeDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    ms = ms * 10 + (c - '0');
  }
  return ms;
}

// When the profile was last updated: "_upd", or for a profile written before expiry existed the
// time of its newest history record ("_hlast", history.h).
std::optional<int64_t> ProfileUpdatedMs(const json::object& profile) {
  if (auto upd = NumberMember(profile, kProfileUpdatedMember)) return upd;
  auto last = GetString(profile, kHistoryLastMember);
  if (!last || last->size() < 12) return std::nullopt;
  return static_cast<int64_t>(ParseHexValue(last->substr(0, 12)));
}

// The time of a default profile's "exp/pd" row (expiry.h): "_xr", never after the last update.
int64_t DefaultRowMs(const json::object& profile, int64_t updated_ms) {
  auto row = NumberMember(profile, kExpiryRowMember);
  return row && *row <= updated_ms ? *row : updated_ms;
}

// An action that updates the profile (AWS: a profile expires when "it has not been updated").
bool UpdatesProfile(std::string_view object_type_name, std::string_view action) {
  if (action == "INGESTED") return true;
  if (object_type_name != kProfileObjectTypeName) return false;
  return action == "CREATED" || action == "UPDATED" || action == "ADDED_PROFILE_KEY" ||
         action == "DELETED_PROFILE_KEY" || action == "MERGED";
}

std::optional<int64_t> TypeDays(const json::object& type) {
  auto days = GetInt(type, "ExpirationDays");
  if (!days || *days < 1) return std::nullopt;
  return days;
}

}  // namespace

void NoteProfileChange(json::object& profile, std::string_view object_type_name,
                       std::string_view action_type, double now_seconds) {
  if (!UpdatesProfile(object_type_name, action_type)) return;
  int64_t now = Ms(now_seconds);
  if (profile.contains(kExpiresMember)) {
    profile[kExpiryRowMember] = now;  // its "exp/pd" row is new: at the exact time
    profile.erase(kExpiresMember);
  } else if (!profile.contains(kExpiryRowMember)) {
    // Keeps the row a profile stored without "_xr" has (or, new, the exact time).
    profile[kExpiryRowMember] = ProfileUpdatedMs(profile).value_or(now);
  }
  profile[kProfileUpdatedMember] = now;
}

void StampIngestedProfile(json::object& profile, const json::object& type, double now_seconds) {
  if (auto days = TypeDays(type)) profile[kExpiresMember] = Ms(now_seconds) + *days * kDayMs;
}

void StampUploadedProfile(json::object& profile, int64_t days, int64_t domain_days,
                          const json::object* before, double now_seconds) {
  int64_t due = Ms(now_seconds) + days * kDayMs;
  if (before != nullptr) {
    int64_t current = ExpiryView{0, domain_days}.ProfileDue(*before);
    if (current != kNever) due = std::max(due, current);
  }
  profile[kExpiresMember] = due;
}

void StampObjectExpiry(json::object& record, const json::object& type) {
  auto days = TypeDays(type);
  const json::value* updated = record.if_contains("UpdatedAt");
  if (!days || updated == nullptr || !updated->is_number()) return;
  record[kExpiresMember] = Ms(updated->to_number<double>()) + *days * kDayMs;
}

std::vector<std::pair<std::string, std::string>> ProfileExpiryRows(const json::object& profile) {
  std::string id = GetStringOr(profile, "ProfileId", "");
  if (id.empty()) return {};
  if (auto fixed = NumberMember(profile, kExpiresMember)) {
    return {{std::string(kFixedProfileIndex), RowValue(*fixed, id)}};
  }
  if (auto updated = ProfileUpdatedMs(profile)) {
    return {{std::string(kDefaultProfileIndex), RowValue(DefaultRowMs(profile, *updated), id)}};
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> ObjectExpiryRows(const json::object& record) {
  std::string id = ObjectDocId(GetStringOr(record, "ObjectTypeName", ""),
                               GetStringOr(record, "ProfileObjectUniqueKey", ""));
  if (auto fixed = NumberMember(record, kExpiresMember)) {
    return {{std::string(kFixedObjectIndex), RowValue(*fixed, id)}};
  }
  const json::value* updated = record.if_contains("UpdatedAt");
  if (updated == nullptr || !updated->is_number()) return {};
  return {{std::string(kDefaultObjectIndex), RowValue(Ms(updated->to_number<double>()), id)}};
}

int64_t ExpiryView::ProfileDue(const json::object& profile) const {
  if (auto fixed = NumberMember(profile, kExpiresMember)) return *fixed;
  if (auto updated = ProfileUpdatedMs(profile)) return *updated + domain_days * kDayMs;
  return kNever;
}

int64_t ExpiryView::ObjectDue(const json::object& record) const {
  if (auto fixed = NumberMember(record, kExpiresMember)) return *fixed;
  const json::value* updated = record.if_contains("UpdatedAt");
  if (updated == nullptr || !updated->is_number()) return kNever;
  return Ms(updated->to_number<double>()) + domain_days * kDayMs;
}

ExpiryView ExpiryViewOf(const json::object& domain, const Clock& clock) {
  ExpiryView view;
  view.now_ms = Ms(clock.NowEpochSeconds());
  auto days = GetInt(domain, "DefaultExpirationDays");
  view.domain_days = days && *days > 0 ? *days : kFallbackExpirationDays;
  return view;
}

Status RegisterExpiringDomain(store::Txn& txn, const RequestContext& ctx, std::string_view domain) {
  json::object entry;
  entry["Region"] = ctx.region;
  return txn.Put(kSystemScope, kExpiryRegistryKind, ctx.account_id + "/" + std::string(domain),
                 Serialize(entry));
}

namespace {

// One row found due by a pass.
struct DueRow {
  std::string_view index;
  std::string value;
};

enum class Outcome { kExpired, kStaleRow, kKept };

// Removes the profile as DeleteProfile does, with an EXPIRED record instead of
// DELETED_BY_CUSTOMER. REQUIRES: `before` loaded for update.
Status ExpireProfile(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                     const json::object& before, double now_seconds) {
  store::Scope scope = DomainScope(ctx, domain);
  std::string id = GetStringOr(before, "ProfileId", "");
  ASSIGN_OR_RETURN(DomainMatching matching, LoadDomainMatching(txn, ctx, domain));
  json::object last = before;
  json::object record = NewHistoryRecord(ctx, last,
                                         {.action_type = "EXPIRED",
                                          .object_type_name = kProfileObjectTypeName,
                                          .unique_key = "",
                                          .content = Serialize(PublicProfile(before))},
                                         now_seconds);
  record["PerformedBy"] = kExpiryPrincipal;
  RETURN_IF_ERROR(StoreHistoryRecord(txn, scope, last, std::move(record)));
  RETURN_IF_ERROR(DeleteObjectsOfProfile(txn, ctx, domain, id));
  return EraseProfile(txn, scope, before, &matching);
}

// A default profile's row fell due before the profile (it was updated since the row's time):
// the row moves to the last update. Kept when it is there already (the domain's days grew since
// the row was read).
Result<Outcome> AdvanceExpiryRow(store::Txn& txn, store::Scope scope, const json::object& doc) {
  auto updated = ProfileUpdatedMs(doc);
  if (!updated || DefaultRowMs(doc, *updated) == *updated) return Outcome::kKept;
  json::object after = doc;
  after[kExpiryRowMember] = *updated;
  RETURN_IF_ERROR(SaveProfile(txn, scope, &doc, after, nullptr));
  return Outcome::kStaleRow;
}

// Expires what the due row names, if it still is due under the transaction's locks; a row that
// no longer matches its document (or whose document is gone) is removed.
Result<Outcome> ExpireRow(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                          const DueRow& row, const Clock& clock) {
  store::Scope scope = DomainScope(ctx, domain);
  ASSIGN_OR_RETURN(json::object domain_doc, LoadDomain(txn, ctx, domain));
  ExpiryView view = ExpiryViewOf(domain_doc, clock);
  double now_seconds = static_cast<double>(view.now_ms) / 1000.0;
  std::string id = row.value.substr(kTimeDigits + 1);
  bool is_profile = row.index == kFixedProfileIndex || row.index == kDefaultProfileIndex;
  std::string ref = is_profile ? id : id.substr(id.find('/') + 1);
  auto stale =
      [&](const std::vector<std::pair<std::string, std::string>>& current) -> Result<Outcome> {
    for (const auto& [index, value] : current) {
      if (index == row.index && value == row.value) return Outcome::kKept;
    }
    RETURN_IF_ERROR(txn.IndexRemove(scope, row.index, row.value, ref));
    return Outcome::kStaleRow;
  };
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, is_profile ? kProfileKind : kObjectKind, id));
  if (!body) return stale({});
  ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
  if (is_profile) {
    if (!view.ProfileExpired(doc)) {
      auto current = ProfileExpiryRows(doc);
      bool is_current =
          current.size() == 1 && current[0].first == row.index && current[0].second == row.value;
      if (is_current && row.index == kDefaultProfileIndex) return AdvanceExpiryRow(txn, scope, doc);
      return stale(current);
    }
    RETURN_IF_ERROR(ExpireProfile(txn, ctx, domain, doc, now_seconds));
  } else {
    if (!view.ObjectExpired(doc)) return stale(ObjectExpiryRows(doc));
    RETURN_IF_ERROR(RemoveObject(txn, scope, ctx, doc, ObjectRemoval::kExpired, now_seconds));
  }
  return Outcome::kExpired;
}

constexpr size_t kDuePage = 16;

// The rows of the domain due now, up to `batch` per index, oldest first. False when the domain
// is gone.
Result<bool> CollectDue(store::Store& store, const Clock& clock, const RequestContext& ctx,
                        std::string_view domain, size_t batch, std::vector<DueRow>& due) {
  bool exists = false;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    due.clear();
    ASSIGN_OR_RETURN(auto body, txn.Get(AccountScope(ctx), kDomainKind, domain));
    exists = body.has_value();
    if (!exists) return OkStatus();
    ASSIGN_OR_RETURN(json::object domain_doc, ParseStored(*body));
    ExpiryView view = ExpiryViewOf(domain_doc, clock);
    int64_t default_cutoff = view.now_ms - view.domain_days * kDayMs;
    store::Scope scope = DomainScope(ctx, domain);
    for (auto [index, cutoff] : {std::pair{kFixedProfileIndex, view.now_ms},
                                 std::pair{kDefaultProfileIndex, default_cutoff},
                                 std::pair{kFixedObjectIndex, view.now_ms},
                                 std::pair{kDefaultObjectIndex, default_cutoff}}) {
      size_t taken = 0;
      RETURN_IF_ERROR(ForEachIndexValue(
          txn, scope, index, "",
          [&, index = index, cutoff = cutoff](const std::string& value) -> Result<WalkStep> {
            auto at = RowTime(value);
            if (at && *at > cutoff) return WalkStep::kStop;
            due.push_back({index, value});
            return ++taken == batch ? WalkStep::kStop : WalkStep::kNext;
          },
          // Small pages: a read (GetDomain, every AfterDueExpiry) mostly finds nothing due, which
          // the first value tells; a page of `batch` values cost `batch` seeks per index first.
          std::min(batch, kDuePage)));
    }
    return OkStatus();
  }));
  return exists;
}

// Drops a deleted domain from the registry, unless it was created again meanwhile (the domain's
// key is locked, as CreateDomain locks it).
Status ForgetDomain(store::Store& store, const RequestContext& ctx, std::string_view domain) {
  return store.Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(AccountScope(ctx), kDomainKind, domain));
    if (body) return OkStatus();
    ASSIGN_OR_RETURN(bool deleted, txn.Delete(kSystemScope, kExpiryRegistryKind,
                                              ctx.account_id + "/" + std::string(domain)));
    (void)deleted;
    return OkStatus();
  });
}

// `forget_gone`: a domain that no longer exists leaves the registry (a pass), or is left alone
// (a read's ExpireDueNow).
Status ExpireDomain(store::Store& store, const Clock& clock, const RequestContext& ctx,
                    std::string_view domain, const ExpiryOptions& options, ExpiryPassStats& stats,
                    bool forget_gone = true) {
  std::vector<DueRow> due;
  while (true) {
    ASSIGN_OR_RETURN(bool exists, CollectDue(store, clock, ctx, domain, options.batch, due));
    if (!exists) return forget_gone ? ForgetDomain(store, ctx, domain) : OkStatus();
    if (due.empty()) return OkStatus();
    size_t progress = 0;
    for (const DueRow& row : due) {
      Outcome outcome = Outcome::kKept;
      Status s = store.Write([&](store::Txn& txn) -> Status {
        auto result = ExpireRow(txn, ctx, domain, row, clock);
        if (!result.ok() && result.error().code() == ErrorCode::kNotFound) {
          outcome = Outcome::kKept;  // the domain went meanwhile
          return OkStatus();
        }
        ASSIGN_OR_RETURN(outcome, std::move(result));
        return OkStatus();
      });
      RETURN_IF_ERROR(s);
      if (outcome == Outcome::kKept) continue;
      ++progress;
      if (outcome != Outcome::kExpired) continue;
      bool is_profile = row.index == kFixedProfileIndex || row.index == kDefaultProfileIndex;
      ++(is_profile ? stats.profiles : stats.objects);
    }
    // Rows that stayed (the domain's days grew since they were read) end the domain's pass.
    if (progress == 0) return OkStatus();
  }
}

}  // namespace

Result<ExpiryPassStats> RunExpiryPass(store::Store& store, const Clock& clock,
                                      const ExpiryOptions& options) {
  std::vector<store::Document> domains;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    domains.clear();
    return ForEachDocument(txn, kSystemScope, kExpiryRegistryKind, "", "",
                           [&](const store::Document& doc) -> Status {
                             domains.push_back(doc);
                             return OkStatus();
                           });
  }));
  ExpiryPassStats stats;
  for (const store::Document& entry : domains) {
    size_t slash = entry.id.find('/');
    if (slash == std::string::npos) continue;
    RequestContext ctx{entry.id.substr(0, slash), "", "expiry"};
    if (auto doc = ParseStored(entry.body); doc.ok()) {
      ctx.region = GetStringOr(*doc, "Region", "");
    }
    Status s = ExpireDomain(store, clock, ctx, entry.id.substr(slash + 1), options, stats);
    if (!s.ok()) log::Warn("expiry of domain " + entry.id + ": " + s.error().message());
  }
  return stats;
}

Status ExpireDueNow(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain) {
  if (env.store == nullptr || env.clock == nullptr || domain.empty()) return OkStatus();
  // As a pass's own context: the removals are the service's, not the caller's request.
  RequestContext sweep{ctx.account_id, ctx.region, "expiry"};
  ExpiryPassStats stats;
  return ExpireDomain(*env.store, *env.clock, sweep, domain, ExpiryOptions{}, stats,
                      /*forget_gone=*/false);
}

Handler AfterDueExpiry(const ServiceEnv& env, Handler handler) {
  return [env, handler = std::move(handler)](const RequestContext& ctx,
                                             json::object in) -> Result<json::object> {
    RETURN_IF_ERROR(ExpireDueNow(env, ctx, GetStringOr(in, "DomainName", "")));
    return handler(ctx, std::move(in));
  };
}

void StartExpiry(const ServiceEnv& env, ExpiryOptions options) {
  if (env.background == nullptr || env.store == nullptr || env.clock == nullptr) return;
  // A scaled clock (--time-scale) shortens the period in proportion, down to a quarter second.
  if (const auto* scaled = dynamic_cast<const ScaledClock*>(env.clock); scaled != nullptr) {
    auto period = std::chrono::duration<double, std::milli>(options.period) / scaled->scale();
    options.period = std::max(std::chrono::milliseconds(250),
                              std::chrono::duration_cast<std::chrono::milliseconds>(period));
  }
  store::Store* store = env.store;
  const Clock* clock = env.clock;
  env.background->Start("expiry", [store, clock, options](const TaskSignal& signal) {
    do {
      auto pass = RunExpiryPass(*store, *clock, options);
      if (!pass.ok()) log::Warn("expiry pass: " + pass.error().message());
    } while (!signal.WaitFor(options.period));
  });
}

}  // namespace profiled::service
