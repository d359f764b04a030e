// File: rocksdb_txn.h
// Txn over RocksDB. A Write transaction works in the writer's GroupWrites, reading through it
// (group_writes.h) so that it sees its own writes and those of the transactions before it in the
// same group; the store commits them. A Read transaction reads one snapshot and may run on any
// thread.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/rocksdb/committed_docs.h"
#include "store/rocksdb/group_writes.h"
#include "store/rocksdb/read_cache.h"
#include "store/rocksdb/value_filters.h"
#include "store/store.h"

namespace profiled::store::rocks {

class RocksTxn final : public Txn {
 public:
  // A Write transaction: `writes` collects its writes. There is one writer thread, so no other
  // transaction writes while this one runs: the key locks of the contract hold trivially, and
  // GetForUpdate is Get.
  // `committed`: the writer's committed bodies of the kinds it keeps (committed_docs.h), or null.
  // `filters`: the writer's filters of the index values the database has (value_filters.h), or
  // null.
  RocksTxn(rocksdb::DB& db, GroupWrites& writes, CommittedDocs* committed = nullptr,
           ValueFilters* filters = nullptr)
      : db_(db), writes_(&writes), committed_(committed), filters_(filters) {}
  // A Read transaction on `snapshot`. `cache` (read_cache.h; null: none) serves and keeps its
  // point reads of documents and its lookups of an index value's refs; it needs the snapshot.
  RocksTxn(rocksdb::DB& db, const rocksdb::Snapshot* snapshot, ReadCache* cache = nullptr)
      : db_(db), snapshot_(snapshot), cache_(snapshot != nullptr ? cache : nullptr) {}

  Result<std::optional<std::string>> Get(Scope scope, std::string_view kind,
                                         std::string_view id) override;
  Result<std::optional<std::string>> GetForUpdate(Scope scope, std::string_view kind,
                                                  std::string_view id) override;
  Status Put(Scope scope, std::string_view kind, std::string_view id,
             std::string_view body) override;
  Result<bool> Delete(Scope scope, std::string_view kind, std::string_view id) override;
  Result<std::vector<Document>> Scan(Scope scope, std::string_view kind, std::string_view id_prefix,
                                     std::string_view after, size_t limit) override;
  Result<int64_t> Count(Scope scope, std::string_view kind, std::string_view id_prefix) override;
  Result<int64_t> DeleteKind(Scope scope, std::string_view kind,
                             std::string_view id_prefix) override;
  Status IndexAdd(Scope scope, std::string_view name, std::string_view value,
                  std::string_view ref) override;
  Status IndexRemove(Scope scope, std::string_view name, std::string_view value,
                     std::string_view ref) override;
  Result<std::vector<std::string>> IndexLookup(Scope scope, std::string_view name,
                                               std::string_view value, std::string_view after_ref,
                                               size_t limit) override;
  Result<bool> IndexHas(Scope scope, std::string_view name, std::string_view value,
                        std::string_view ref) override;
  Result<std::vector<std::string>> IndexValues(Scope scope, std::string_view name,
                                               std::string_view after_value, size_t limit) override;
  Status DeleteScope(Scope scope) override;
  Status ForEachRow(const RowFn& fn) override;

 private:
  Status RequireWritable() const;
  rocksdb::ReadOptions Options() const;
  // What an iterator is for: a range in key order, every key once (ForEachRow: read ahead, keep
  // the block cache for requests), or the rows of one index value (its prefix's filters skip
  // the files and memtables that have none, index_prefix.h).
  enum class Walk { kRange, kWholeTable, kOneIndexValue };
  Result<std::optional<std::string>> GetKey(const std::string& key);
  // GetKey of a document of a kind the writer keeps: the group's write, else the kept body.
  Result<std::optional<std::string>> GetKept(const std::string& key);
  // An iterator over [.., upper) (unbounded when `upper` is nullopt) that sees the batch's
  // writes in a Write transaction. The iterator must not outlive `upper`.
  std::unique_ptr<rocksdb::Iterator> NewIterator(const std::optional<std::string>& upper,
                                                 rocksdb::Slice* upper_slice,
                                                 Walk walk = Walk::kRange);
  // Calls visit(key, value) for the keys in [lower, upper) in order while it returns true;
  // no upper bound when `upper` is nullopt.
  Status ForEach(const std::string& lower, const std::optional<std::string>& upper,
                 const std::function<bool(std::string_view, std::string_view)>& visit,
                 Walk walk = Walk::kRange);
  // Deletes every key in [lower, upper); returns how many.
  Result<int64_t> DeleteRange(const std::string& lower, const std::optional<std::string>& upper);

  rocksdb::DB& db_;
  GroupWrites* writes_ = nullptr;       // null in a Read transaction
  CommittedDocs* committed_ = nullptr;  // null in a Read transaction, or when nothing is kept
  ValueFilters* filters_ = nullptr;     // null in a Read transaction, or when there are none
  const rocksdb::Snapshot* snapshot_ = nullptr;
  ReadCache* cache_ = nullptr;  // a Read transaction's, or null
};

// A RocksDB status as ours: kInternal with RocksDB's message, or kUnavailable when the store is
// shutting down / busy.
Error RocksError(const rocksdb::Status& status, std::string_view what);

}  // namespace profiled::store::rocks
