// File: store.h
// The storage contract every backend (sqlite/, postgres/) implements and one conformance suite
// (tests/store/) checks. The store knows nothing of the wire format or of profiles: it keeps
// opaque documents and index rows, scoped by (account, domain), and runs atomic transactions.
//
// Data model
//   documents: (account, domain, kind, id) -> body   ordered by id within (account, domain, kind)
//   index:     (account, domain, name, value, ref)   ordered by ref within (account, domain, name,
//   value)
// Every hot query is a point or prefix lookup on these primary keys, which is what lets a
// distributed PostgreSQL-protocol engine shard both tables by (account, domain).
//
// Account-level resources (domains, tags) use domain == "" as their scope.
#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace profiled::store {

struct Scope {
  std::string_view account;
  std::string_view domain;  // "" for account-level documents
};

struct Document {
  std::string id;
  std::string body;
};

// An index row's ref and the document of that id, if there is one (IndexLookupDocuments).
struct IndexedDocument {
  std::string ref;
  std::optional<std::string> body;
};

// One stored row as Txn::ForEachRow walks them (`profiled snapshot`, docs/operations.md).
struct Row {
  enum class Table { kDocument, kIndex };
  Table table = Table::kDocument;
  std::string_view account;
  std::string_view domain;
  std::string_view name;   // a document's kind, an index row's name
  std::string_view key;    // a document's id, an index row's value
  std::string_view value;  // a document's body, an index row's ref
};
using RowFn = std::function<Status(const Row&)>;

// A transaction's view of the store. Obtained only inside Store::Write/Read; never kept.
// Reads see the transaction's own writes. Errors are kInternal/kUnavailable (the store failed) or
// kConflict (a concurrent writer won, or a deadlock was broken; Store::Write retries the whole
// function on it).
//
// Locking, in a Write transaction (the whole of what makes concurrent Writes safe):
//   - every lock is on a key (account, domain, kind, id), whether or not that document exists,
//     and is held until the transaction ends;
//   - Get takes the key shared; GetForUpdate, Put and Delete take it exclusively (a transaction
//     that already holds it keeps it; shared is upgraded to exclusive);
//   - a read returns what was committed when its lock was granted (or the transaction's own
//     writes), never a value older than the lock;
//   - Scan, Count, IndexLookup, IndexValues, DeleteKind, IndexAdd, IndexRemove and DeleteScope take
//     no key locks: a decision made on what they return is protected only by a key lock the
//     function takes itself (e.g. a domain's document, which DeleteDomain locks exclusively before
//     DeleteScope, and which every write into the domain reads first).
// So a read-modify-write must read with GetForUpdate: two that read with Get would both hold the
// key shared and deadlock when both upgrade (which is detected and retried as kConflict, but
// slowly). Creating a document that GetForUpdate found absent is safe: the absent key is locked.
// A backend may lock more than this (SQLite runs one Write at a time; PostgreSQL hashes keys to
// 64 bits and may lock a whole kind of a domain for a transaction that touches thousands of keys
// of it), never less. Read transactions take no locks and read one snapshot.
class Txn {
 public:
  virtual ~Txn() = default;

  // Returns the body, or std::nullopt if there is no such document.
  virtual Result<std::optional<std::string>> Get(Scope scope, std::string_view kind,
                                                 std::string_view id) = 0;
  // A hint that Get(scope, kind, id) follows in this Read transaction: a client-server backend
  // sends that read with the next statement whose answer it waits for, saving it a round trip of
  // its own; the next Get of that key takes the answer. Others (and Write transactions) ignore
  // it. Its failure, if any, is that Get's (or the statement's it travelled with).
  virtual void Prefetch(Scope /*scope*/, std::string_view /*kind*/, std::string_view /*id*/) {}
  // Like Get, and in a Write transaction locks the key exclusively until commit (even if there is
  // no such document), so that a read-modify-write or a create-if-absent of it cannot lose or
  // duplicate a concurrent one. In a Read transaction it is Get.
  virtual Result<std::optional<std::string>> GetForUpdate(Scope scope, std::string_view kind,
                                                          std::string_view id) = 0;
  // Inserts or replaces. REQUIRES: a Write transaction.
  virtual Status Put(Scope scope, std::string_view kind, std::string_view id,
                     std::string_view body) = 0;
  // Returns whether a document was deleted. REQUIRES: a Write transaction.
  virtual Result<bool> Delete(Scope scope, std::string_view kind, std::string_view id) = 0;

  // Up to `limit` documents of `kind` whose id starts with `id_prefix` and sorts strictly after
  // `after` (bytewise), in ascending id order. `after` == "" starts at the beginning.
  virtual Result<std::vector<Document>> Scan(Scope scope, std::string_view kind,
                                             std::string_view id_prefix, std::string_view after,
                                             size_t limit) = 0;
  // The number of documents of `kind` whose id starts with `id_prefix`.
  virtual Result<int64_t> Count(Scope scope, std::string_view kind, std::string_view id_prefix) = 0;
  // Deletes every document of `kind` whose id starts with `id_prefix`; returns how many.
  // REQUIRES: a Write transaction.
  virtual Result<int64_t> DeleteKind(Scope scope, std::string_view kind,
                                     std::string_view id_prefix) = 0;

  // Index rows. Adding an existing row and removing a missing one are no-ops.
  // REQUIRES (both): a Write transaction.
  virtual Status IndexAdd(Scope scope, std::string_view name, std::string_view value,
                          std::string_view ref) = 0;
  virtual Status IndexRemove(Scope scope, std::string_view name, std::string_view value,
                             std::string_view ref) = 0;
  // Up to `limit` refs under (name, value) sorting strictly after `after_ref`, ascending.
  virtual Result<std::vector<std::string>> IndexLookup(Scope scope, std::string_view name,
                                                       std::string_view value,
                                                       std::string_view after_ref,
                                                       size_t limit) = 0;
  // IndexLookup, and the document of `kind` of each ref it returns (as Get would, locks
  // included), in ref order. A client-server backend answers it in one round trip where the
  // separate calls cost one per ref and one more; this default makes those calls.
  virtual Result<std::vector<IndexedDocument>> IndexLookupDocuments(
      Scope scope, std::string_view name, std::string_view value, std::string_view after_ref,
      size_t limit, std::string_view kind) {
    ASSIGN_OR_RETURN(std::vector<std::string> refs,
                     IndexLookup(scope, name, value, after_ref, limit));
    std::vector<IndexedDocument> out;
    out.reserve(refs.size());
    for (std::string& ref : refs) {
      ASSIGN_OR_RETURN(std::optional<std::string> body, Get(scope, kind, ref));
      out.push_back({std::move(ref), std::move(body)});
    }
    return out;
  }
  // Whether the row (name, value, ref) exists. This default asks IndexLookup for the first ref
  // after the greatest string below `ref` that holds no run of 0xFF bytes (stored refs are text);
  // a backend with point reads answers with one (RocksDB: a Get its bloom filters mostly skip).
  virtual Result<bool> IndexHas(Scope scope, std::string_view name, std::string_view value,
                                std::string_view ref) {
    if (ref.empty()) return false;  // no row has an empty ref: IndexAdd's callers never give one
    std::string below(ref.substr(0, ref.size() - 1));
    if (const char last = ref.back(); last != '\0') {
      below.push_back(static_cast<char>(last - 1));
      below.append(8, '\xff');
    }
    ASSIGN_OR_RETURN(std::vector<std::string> refs, IndexLookup(scope, name, value, below, 1));
    return !refs.empty() && refs.front() == ref;
  }
  // Up to `limit` distinct values under `name` sorting strictly after `after_value`, ascending.
  virtual Result<std::vector<std::string>> IndexValues(Scope scope, std::string_view name,
                                                       std::string_view after_value,
                                                       size_t limit) = 0;

  // Removes every document and index row of the scope (a whole domain).
  // REQUIRES: a Write transaction and scope.domain != "".
  virtual Status DeleteScope(Scope scope) = 0;

  // Calls fn for every document of the whole store (every account and domain), then for every
  // index row, each table in key order; stops at fn's first error and returns it. The row's
  // views are valid during the call only. For snapshots: in a Read transaction it sees one
  // consistent state. REQUIRES: a Read transaction.
  virtual Status ForEachRow(const RowFn& fn) = 0;
};

// What /metrics reports of a store (api/ops_endpoints.h): counters a store keeps with relaxed
// atomic increments (store/store_counters.h), never under a lock of its own.
struct StoreStats {
  // Upper bounds of the commit-batch histogram: how many Write functions one commit carried.
  static constexpr std::array<int64_t, 9> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256};
  int64_t write_transactions = 0;  // Write calls answered (whatever their outcome)
  int64_t read_transactions = 0;   // Read calls answered
  int64_t commits = 0;             // commits to the database (a group commit counts once)
  // commits whose batch held <= kBatchBounds[i] functions (not cumulative); the last slot: more.
  std::array<int64_t, kBatchBounds.size() + 1> batch_counts{};
  int64_t batched_transactions = 0;  // the sum of the batch sizes
  int64_t wal_bytes = -1;            // the write-ahead log's size; -1: not known
  int64_t data_bytes = -1;           // the database's size on disk (or in memory); -1: not known
  // Bytes of its files a store read into the page cache since it opened (RocksDB's start-up
  // warming, store/rocksdb/page_cache_warmer.h); -1: the store does not warm.
  int64_t warmed_bytes = -1;
  // Point reads a store's read cache answered, and those it did not (RocksDB's, read_cache.h);
  // -1: the store has none.
  int64_t read_cache_hits = -1;
  int64_t read_cache_misses = -1;
};

// The transaction body. Return an error to roll back everything it wrote.
using TxnFn = std::function<Status(Txn&)>;

// How every store calls a transaction body, as the contract on Store::Write/Read says: an
// exception it throws becomes kInternal (the transaction then rolls back and is not retried), so
// that it cannot take a writer thread or a pooled connection with it.
inline Status CallTxnFn(const TxnFn& fn, Txn& txn) {
  try {
    return fn(txn);
  } catch (const std::exception& e) {
    return Error::Internal(std::string("exception in store transaction: ") + e.what());
  } catch (...) {
    return Error::Internal("exception in store transaction");
  }
}

// Ends its write burst when destroyed (Store::BeginWriteBurst).
class WriteBurst {
 public:
  virtual ~WriteBurst() = default;
};

// Opening a store migrates an older schema forward and refuses (kInternal) a database whose
// schema version is newer than the binary's, so an old binary never writes rows it may misread.
class Store {
 public:
  virtual ~Store() = default;

  // Runs `fn` atomically and durably: when Write returns OK the writes are committed. Concurrent
  // Writes are serialised by the key locks described at Txn (no lost update between two that
  // lock a common key); Writes that share no key lock may interleave. On kConflict the whole
  // function is run again (a bounded number of times), so `fn` must not have effects outside
  // `txn` other than capturing its result. Returns fn's error, or the store's own. If `fn`
  // throws, the transaction is rolled back, not retried, and Write returns kInternal; the
  // exception does not propagate.
  virtual Status Write(const TxnFn& fn) = 0;

  // Runs `fn` on a consistent snapshot, taking no locks; writes inside it are rejected with
  // kInternal. A throwing `fn` makes Read return kInternal, as for Write.
  virtual Status Read(const TxnFn& fn) = 0;

  // A short description for logs ("sqlite:/path/profiled.db").
  virtual std::string Describe() const = 0;

  // Counters and sizes for /metrics. Cheap enough to call on every scrape.
  virtual StoreStats Stats() const { return {}; }

  // A long run of large write groups starts (an upload job): the store may size itself for it
  // until the returned hold is destroyed (the embedded LSM store's memtables, docs/store.md).
  // Holds may overlap; nullptr when the store has nothing to change. The store outlives it.
  virtual std::unique_ptr<WriteBurst> BeginWriteBurst() { return nullptr; }
};

}  // namespace profiled::store
