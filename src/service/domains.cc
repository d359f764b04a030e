// CreateDomain, GetDomain, UpdateDomain, DeleteDomain, ListDomains.
// A domain is one account-level document (kDomainKind, id = name) holding its settings as the
// model's response shape; its tags live with the tags service, its contents under its scope.
#include <boost/json/array.hpp>
#include <string>

#include "service/attribute_index.h"
#include "service/common.h"
#include "service/domain_cache.h"
#include "service/domain_stats.h"
#include "service/expiry.h"
#include "service/ml_jobs.h"
#include "service/operations.h"
#include "service/rule_match_index.h"
#include "service/tags.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kListDomainsPurpose = "ListDomains";
// Settings copied verbatim from a request into the stored domain.
constexpr std::string_view kPlainSettings[] = {"DefaultExpirationDays", "DefaultEncryptionKey",
                                               "DeadLetterQueueUrl", "Matching", "DataStore"};
// Settings that UpdateDomain clears when given as "" (the API's own rule for these members).
constexpr std::string_view kClearableSettings[] = {"DefaultEncryptionKey", "DeadLetterQueueUrl"};

// RuleBasedMatchingResponse adds Status to the request's shape: a new domain skips PENDING (AWS)
// and is ACTIVE at once; an existing one is IN_PROGRESS until RebuildRuleMatches has evaluated
// its profiles (rule_match_index.h).
json::value RuleBasedMatchingResponse(const json::object& request, bool is_update) {
  json::object out = request;
  bool enabled = GetBool(request, "Enabled").value_or(false);
  out["Status"] = !enabled ? "PENDING" : is_update ? "IN_PROGRESS" : "ACTIVE";
  return out;
}

void ApplySettings(const json::object& in, json::object& domain, bool is_update) {
  for (std::string_view key : kPlainSettings) {
    auto it = in.find(key);
    if (it != in.end()) domain[key] = it->value();
  }
  if (const json::object* rbm = GetObject(in, "RuleBasedMatching")) {
    domain["RuleBasedMatching"] = RuleBasedMatchingResponse(*rbm, is_update);
  }
  if (is_update) {
    for (std::string_view key : kClearableSettings) {
      auto value = GetString(in, key);
      if (value && value->empty()) domain.erase(key);
    }
  }
}

Result<json::object> DomainStats(store::Txn& txn, const RequestContext& ctx,
                                 std::string_view domain) {
  ASSIGN_OR_RETURN(DomainTotals totals, ReadDomainStats(txn, DomainScope(ctx, domain)));
  json::object stats;
  stats["ProfileCount"] = totals.profiles;
  // A profile with more than 100 objects counts as two, ... (metering.h).
  stats["MeteringProfileCount"] = totals.profiles + totals.extra_metered;
  stats["ObjectCount"] = totals.objects;
  stats["TotalSize"] = totals.object_bytes;
  return stats;
}

// The domain as the response shapes show it: stored settings plus tags.
Result<json::object> DomainView(store::Txn& txn, const RequestContext& ctx,
                                const json::object& stored) {
  json::object out = stored;
  HideAttributeRowsState(out);
  ASSIGN_OR_RETURN(json::object tags,
                   LoadTags(txn, ctx, DomainArn(ctx, GetStringOr(stored, "DomainName", ""))));
  if (!tags.empty()) out["Tags"] = std::move(tags);
  return out;
}

// Stores the domain with the request's Tags merged in; returns the response view.
Result<json::object> SaveDomain(store::Txn& txn, const RequestContext& ctx,
                                const json::object& domain, const json::object& in) {
  std::string name = GetStringOr(domain, "DomainName", "");
  RETURN_IF_ERROR(txn.Put(AccountScope(ctx), kDomainKind, name, Serialize(domain)));
  RETURN_IF_ERROR(NoteMatchingSchedule(txn, ctx, domain));  // identity-resolution jobs
  RETURN_IF_ERROR(RegisterExpiringDomain(txn, ctx, name));  // the expiry sweep (expiry.h)
  if (const json::object* tags = GetObject(in, "Tags")) {
    RETURN_IF_ERROR(MergeTags(txn, ctx, DomainArn(ctx, name), *tags));
  }
  return DomainView(txn, ctx, domain);
}

Result<json::object> CreateDomain(const ServiceEnv& env, const RequestContext& ctx,
                                  const json::object& in) {
  std::string name = GetStringOr(in, "DomainName", "");
  if (const json::object* rbm = GetObject(in, "RuleBasedMatching")) {
    RETURN_IF_ERROR(CheckRuleBasedMatching(*rbm));
  }
  json::object out;
  Status written = env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto existing, txn.GetForUpdate(AccountScope(ctx), kDomainKind, name));
    if (existing) return Error::BadRequest("Domain " + name + " already exists");
    json::object domain;
    StartWithoutAttributeRows(domain);  // until something reads them (attribute_index.h)
    domain["DomainName"] = name;
    ApplySettings(in, domain, /*is_update=*/false);
    double now = env.clock->NowEpochSeconds();
    domain["CreatedAt"] = now;
    domain["LastUpdatedAt"] = now;
    ASSIGN_OR_RETURN(out, SaveDomain(txn, ctx, domain, in));
    return OkStatus();
  });
  ForgetKeptDomains(env);
  RETURN_IF_ERROR(written);
  return out;
}

Result<json::object> GetDomain(const ServiceEnv& env, const RequestContext& ctx,
                               const json::object& in) {
  std::string name = GetStringOr(in, "DomainName", "");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(json::object domain, LoadDomain(txn, ctx, name));
    ASSIGN_OR_RETURN(out, DomainView(txn, ctx, domain));
    ASSIGN_OR_RETURN(json::object stats, DomainStats(txn, ctx, name));
    out["Stats"] = std::move(stats);
    return OkStatus();
  }));
  return out;
}

Result<json::object> UpdateDomain(const ServiceEnv& env, const RequestContext& ctx,
                                  const json::object& in) {
  std::string name = GetStringOr(in, "DomainName", "");
  const json::object* new_rbm = GetObject(in, "RuleBasedMatching");
  if (new_rbm) RETURN_IF_ERROR(CheckRuleBasedMatching(*new_rbm));
  json::object out;
  std::optional<json::object> old_rbm;
  Status written = env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(AccountScope(ctx), kDomainKind, name));
    if (!body) return DomainNotFound(name);
    ASSIGN_OR_RETURN(json::object domain, ParseStored(*body));
    old_rbm.reset();
    if (const json::object* rbm = GetObject(domain, "RuleBasedMatching")) old_rbm = *rbm;
    ApplySettings(in, domain, /*is_update=*/true);
    domain["LastUpdatedAt"] = env.clock->NowEpochSeconds();
    ASSIGN_OR_RETURN(out, SaveDomain(txn, ctx, domain, in));
    return OkStatus();
  });
  ForgetKeptDomains(env);
  RETURN_IF_ERROR(written);
  if (new_rbm) {
    ASSIGN_OR_RETURN(out["RuleBasedMatching"],
                     RebuildRuleMatches(env, ctx, name, old_rbm ? &*old_rbm : nullptr));
  }
  return out;
}

Result<json::object> DeleteDomain(const ServiceEnv& env, const RequestContext& ctx,
                                  const json::object& in) {
  std::string name = GetStringOr(in, "DomainName", "");
  Status written = env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(bool deleted, txn.Delete(AccountScope(ctx), kDomainKind, name));
    if (!deleted) return DomainNotFound(name);
    RETURN_IF_ERROR(txn.DeleteScope(DomainScope(ctx, name)));
    return DeleteTagsUnder(txn, ctx, DomainArn(ctx, name));
  });
  ForgetKeptDomains(env);
  RETURN_IF_ERROR(written);
  json::object out;
  out["Message"] = "Domain " + name + " was deleted.";
  return out;
}

Result<json::object> ListDomains(const ServiceEnv& env, const RequestContext& ctx,
                                 const json::object& in) {
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kListDomainsPurpose));
  size_t page = PageSize(in, 100, 100);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    // One extra row tells whether another page exists, so the last page carries no token.
    ASSIGN_OR_RETURN(auto docs, txn.Scan(AccountScope(ctx), kDomainKind, "", cursor, page + 1));
    bool more = docs.size() > page;
    if (more) docs.resize(page);
    json::array items;
    for (const auto& doc : docs) {
      ASSIGN_OR_RETURN(json::object domain, ParseStored(doc.body));
      // The serializer keeps ListDomainItem's members: name, timestamps and tags.
      ASSIGN_OR_RETURN(json::object item, DomainView(txn, ctx, domain));
      items.push_back(std::move(item));
    }
    out["Items"] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(kListDomainsPurpose, docs.back().id);
    return OkStatus();
  }));
  return out;
}

}  // namespace

void RegisterDomainOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("CreateDomain", WithEnv(env, CreateDomain));
  registry.Register("GetDomain", AfterDueExpiry(env, WithEnv(env, GetDomain)));
  registry.Register("UpdateDomain", WithEnv(env, UpdateDomain));
  registry.Register("DeleteDomain", WithEnv(env, DeleteDomain));
  registry.Register("ListDomains", WithEnv(env, ListDomains));
}

}  // namespace profiled::service
