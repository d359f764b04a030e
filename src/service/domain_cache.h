// File: domain_cache.h
// Parsed domain documents kept in memory for the reads that need only a domain's settings
// (SearchProfiles, BatchGetProfile): each saves a Get and a JSON parse, 8% of a search's CPU.
// Only for a store that this process alone can write (RocksDB holds a lock on its directory): an
// entry is dropped when this process changes a domain document, and no other process can.
//
// Every Write that changes or deletes a domain document (kDomainKind) calls Invalidate() once it
// has committed, before its caller is answered; a read that began after that answer cannot see
// the old document. A read that raced with the write may: it was concurrent with it.
//
// Each thread also keeps its own copy of what it found, checked against the generation without a
// lock: the two io threads of a search load took the one mutex ~40,000 times a second each, and a
// thread that found it held by the other, preempted, waited out that thread's time slice
// (docs/performance.md, fourteenth session).
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

class DomainCache {
 public:
  using Doc = std::shared_ptr<const boost::json::object>;

  DomainCache();
  DomainCache(const DomainCache&) = delete;
  DomainCache& operator=(const DomainCache&) = delete;

  // The domain's stored document: kept, or read in a transaction of its own and kept.
  // DomainNotFound when there is none (not kept: the domain may be created next).
  Result<Doc> Get(store::Store& store, const RequestContext& ctx, std::string_view domain)
      EXCLUDES(mu_);
  // Drops every kept document (domain writes are rare; one generation for all keeps this simple).
  void Invalidate() EXCLUDES(mu_);

 private:
  static constexpr size_t kMaxKept = 4096;
  using Docs = std::unordered_map<std::string, Doc>;  // account '/' domain
  // This thread's copy for this cache, emptied first if it is another cache's or older than
  // `generation`.
  Docs& ThisThreadsDocs(uint64_t generation) const;

  const uint64_t id_;  // tells the thread-local copies of two caches apart (never reused)
  Mutex mu_;
  Docs docs_ GUARDED_BY(mu_);
  // Bumped by Invalidate (under mu_, with docs_ cleared): a document read before a bump is not
  // kept after it, by docs_ or by a thread's copy.
  std::atomic<uint64_t> generation_{0};
};

// The domain's document for a read transaction: `env.domains`' when the process keeps them
// (fetched before the transaction into `cached`), else read in `txn` into `storage`.
Result<const boost::json::object*> DomainForRead(const DomainCache::Doc& cached, store::Txn& txn,
                                                 const RequestContext& ctx, std::string_view domain,
                                                 boost::json::object* storage);
// Tells `txn` that DomainForRead will read the domain's document (when it is not kept), so that
// a client-server store sends that read with the transaction's next statement.
void PrefetchDomain(const DomainCache::Doc& cached, store::Txn& txn, const RequestContext& ctx,
                    std::string_view domain);
// Fetches the kept document when `env` keeps them (null otherwise), for DomainForRead.
Result<DomainCache::Doc> KeptDomain(const ServiceEnv& env, const RequestContext& ctx,
                                    std::string_view domain);
// The kinds of the documents that nearly every profile write reads: the domain's document, its
// object types, its statistics shards, and the profile it changes (a store whose writer keeps
// them: RocksdbOptions).
std::vector<std::string> KindsMostWritesRead();

// After a Write that may have changed a domain document, committed or not (before answering).
void ForgetKeptDomains(const ServiceEnv& env);

}  // namespace profiled::service
