// File: domain_cache.cc
#include "service/domain_cache.h"

#include <atomic>
#include <utility>

#include "service/common.h"
#include "service/domain_stats.h"
#include "service/object_type.h"

namespace profiled::service {

namespace json = boost::json;

DomainCache::DomainCache()
    : id_([] {
        static std::atomic<uint64_t> next{1};
        return next.fetch_add(1, std::memory_order_relaxed);
      }()) {}

DomainCache::Docs& DomainCache::ThisThreadsDocs(uint64_t generation) const {
  struct Copy {
    uint64_t cache = 0;
    uint64_t generation = 0;
    Docs docs;
  };
  thread_local Copy copy;
  if (copy.cache != id_ || copy.generation != generation) {
    copy.docs.clear();
    copy.cache = id_;
    copy.generation = generation;
  }
  return copy.docs;
}

Result<DomainCache::Doc> DomainCache::Get(store::Store& store, const RequestContext& ctx,
                                          std::string_view domain) {
  std::string key = ctx.account_id + "/" + std::string(domain);
  // Acquire: a read that began after an Invalidate sees its bump, and so not the old document.
  uint64_t generation = generation_.load(std::memory_order_acquire);
  Docs& mine = ThisThreadsDocs(generation);
  if (auto it = mine.find(key); it != mine.end()) return it->second;
  auto keep_mine = [&](const Doc& doc) {
    if (mine.size() >= kMaxKept) mine.clear();
    mine.emplace(key, doc);
  };
  {
    MutexLock lock(mu_);
    auto it = docs_.find(key);
    // docs_ holds only documents read since its last clear: as new as this thread would read.
    if (it != docs_.end()) {
      keep_mine(it->second);
      return it->second;
    }
    generation = generation_.load(std::memory_order_relaxed);  // before the read's snapshot
  }
  json::object doc;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(doc, LoadDomain(txn, ctx, domain));
    return OkStatus();
  }));
  auto kept = std::make_shared<const json::object>(std::move(doc));
  MutexLock lock(mu_);
  if (generation_.load(std::memory_order_relaxed) == generation) {
    if (docs_.size() >= kMaxKept) docs_.clear();
    docs_.emplace(key, kept);
    keep_mine(kept);
  }
  return kept;
}

void DomainCache::Invalidate() {
  MutexLock lock(mu_);
  generation_.fetch_add(1, std::memory_order_release);
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
  return {std::string(kDomainKind), std::string(kObjectTypeKind), std::string(kStatsKind),
          std::string(kProfileKind)};
}

void ForgetKeptDomains(const ServiceEnv& env) {
  if (env.domains != nullptr) env.domains->Invalidate();
}

}  // namespace profiled::service
