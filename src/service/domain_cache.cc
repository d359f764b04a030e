// File: domain_cache.cc
#include "service/domain_cache.h"

#include <utility>

#include "service/common.h"
#include "service/domain_stats.h"
#include "service/object_type.h"

namespace profiled::service {

namespace json = boost::json;

Result<DomainCache::Doc> DomainCache::Get(store::Store& store, const RequestContext& ctx,
                                          std::string_view domain) {
  std::string key = ctx.account_id + "/" + std::string(domain);
  uint64_t generation;
  {
    MutexLock lock(mu_);
    auto it = docs_.find(key);
    if (it != docs_.end()) return it->second;
    generation = generation_;  // before the read's snapshot: see Invalidate
  }
  json::object doc;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(doc, LoadDomain(txn, ctx, domain));
    return OkStatus();
  }));
  auto kept = std::make_shared<const json::object>(std::move(doc));
  MutexLock lock(mu_);
  if (generation_ == generation) {
    if (docs_.size() >= kMaxKept) docs_.clear();
    docs_.emplace(std::move(key), kept);
  }
  return kept;
}

void DomainCache::Invalidate() {
  MutexLock lock(mu_);
  ++generation_;
  docs_.clear();
}

Result<const json::object*> DomainForRead(const DomainCache::Doc& cached, store::Txn& txn,
                                          const RequestContext& ctx, std::string_view domain,
                                          json::object* storage) {
  if (cached) return cached.get();
  ASSIGN_OR_RETURN(*storage, LoadDomain(txn, ctx, domain));
  return static_cast<const json::object*>(storage);
}

void PrefetchDomain(const DomainCache::Doc& cached, store::Txn& txn, const RequestContext& ctx,
                    std::string_view domain) {
  if (!cached) txn.Prefetch(AccountScope(ctx), kDomainKind, domain);
}

Result<DomainCache::Doc> KeptDomain(const ServiceEnv& env, const RequestContext& ctx,
                                    std::string_view domain) {
  if (env.domains == nullptr) return DomainCache::Doc();
  return env.domains->Get(*env.store, ctx, domain);
}

std::vector<std::string> KindsMostWritesRead() {
  return {std::string(kDomainKind), std::string(kObjectTypeKind), std::string(kStatsKind)};
}

void ForgetKeptDomains(const ServiceEnv& env) {
  if (env.domains != nullptr) env.domains->Invalidate();
}

}  // namespace profiled::service
