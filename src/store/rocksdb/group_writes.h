// File: group_writes.h
// The writes of one commit group (the transactions the writer thread runs before one commit), as
// those transactions read them back, and as the commit writes them: in key order, the last write
// of each key only.
//
// Two ways to keep them:
//   - deferred (how the RocksDB store starts every group): a list and a hash table of the keys,
//     so a write costs an append and a hash insert instead of two skip-list descents over keys
//     with ~40 shared leading bytes (a third of `profiled import`'s CPU). Point reads look in the
//     table, index-row lookups (IndexLookup: one name and value) in chains of the writes by
//     value prefix; the commit sorts the list once (key_sort.h);
//   - indexed: a WriteBatchWithIndex, a skip list that every point read and every iterator can
//     merge with the database. Any other iterator the group asks for turns the list into this
//     form (Indexed()), and the group carries on indexed: correct for any transaction, fast for
//     those that read keys by name and index rows by value (CreateProfile, UpdateProfile, upload
//     jobs, imports).
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/rocksdb/byte_blocks.h"
#include "store/rocksdb/key_sort.h"

namespace profiled::store::rocks {

class GroupWrites {
 public:
  explicit GroupWrites(bool deferred);

  Status Put(std::string_view key, std::string_view value);
  Status Delete(std::string_view key);

  // The key's value as the group's writes and then the database have it.
  Result<std::optional<std::string>> Get(rocksdb::DB& db, const rocksdb::ReadOptions& options,
                                         const std::string& key);
  // The group's own last write of `key` (its value into *value when kPut); kUnknown when the group
  // is indexed, which cannot tell a deletion from no write without a read of the database.
  enum class OwnWrite { kNone, kPut, kDeleted, kUnknown };
  OwnWrite Own(const std::string& key, std::string* value) const;

  // The writes as a WriteBatchWithIndex, for iterators over them and the database. Valid until
  // the next Clear; the group stays indexed until then.
  rocksdb::WriteBatchWithIndex& Indexed();

  // The index rows under `value_prefix` (keys::IndexValuePrefix: one index name and value) from
  // `lower` on, the group's writes over the database's, in key order while visit(key, value)
  // returns true. A deferred group answers this without turning indexed: it chains its writes by
  // value prefix (built at the first call of the group, kept up after). Returns false, having
  // visited nothing, when the group is indexed: iterate over Indexed() instead.
  using RowVisitor = std::function<bool(std::string_view key, std::string_view value)>;
  Result<bool> ForEachIndexRow(rocksdb::DB& db, const rocksdb::ReadOptions& options,
                               std::string_view value_prefix, std::string_view lower,
                               const RowVisitor& visit);
  // Whether the group may have written a row under `value_prefix`: false only when it certainly
  // has not (a deferred group that never wrote there), so that the database's rows under it are
  // the rows the group sees.
  bool MayHaveRowsUnder(std::string_view value_prefix);
  // Calls visit(key) for every key the group wrote (a key written twice may come twice); false if
  // the indexed form's iterator failed part way.
  bool ForEachWrittenKey(const std::function<void(std::string_view key)>& visit);
  // Drops what the group's reads hold of the database (ForEachIndexRow's iterator, which pins
  // the memtables and files it reads): called once the group's functions have run, before the
  // commit changes the database.
  void EndReads() { lookup_.reset(); }

  // One save point at a time (a transaction of the group): its writes can be dropped alone.
  Status SetSavePoint();
  Status RollbackToSavePoint();
  Status PopSavePoint();

  bool Empty();
  // Calls visit(key, value, deleted) for the writes in key order, the last of each key only.
  using SortedVisitor =
      std::function<Status(std::string_view key, std::string_view value, bool deleted)>;
  Status ForEachSorted(const SortedVisitor& visit);
  // The same writes as one array, for cutting into runs of adjacent keys that several threads
  // write out at once (a bulk load's group files); its views are valid until the group's next
  // write or Clear.
  struct SortedWrite {
    std::string_view key;
    std::string_view value;
    bool deleted = false;
  };
  Result<std::vector<SortedWrite>> SortedWrites();
  // The same for several threads: the deferred form's writes cut into `runs` runs of adjacent
  // keys (KeyRuns), each sorted on its own thread, its writes then read with WritesOf; nullopt
  // when the group is indexed (SortedWrites then). Valid while the group does not change.
  std::optional<KeyRuns> CutIntoRuns(size_t runs) const;
  std::vector<SortedWrite> WritesOf(const std::vector<KeyRef>& refs) const;
  // Writes made in the group (a key written twice counts twice); 0 when indexed.
  size_t DeferredCount() const { return entries_.size(); }
  // The writes in key order, the last of each key only, into *out (cleared first).
  Status SortedInto(rocksdb::WriteBatch* out);
  void Clear();

 private:
  // Deferred: one write, its bytes in bytes_.
  struct Entry {
    std::string_view key;
    std::string_view value;
    uint64_t hash = 0;
    bool deleted = false;
    bool superseded = false;  // a later write of the group has the same key
    // An index row's value prefix (its length; 0 for other keys), once prefixes are chained:
    // the hash of the prefix and the group's previous write under it (entry index + 1, or 0).
    uint32_t prefix_length = 0;
    uint32_t previous_under_prefix = 0;
    uint64_t prefix_hash = 0;
  };

  Status Append(std::string_view key, std::string_view value, bool deleted);
  // The deferred form's latest write of each key, in the order written / in key order.
  std::vector<KeyRef> LatestRefs() const;
  std::vector<KeyRef> SortedRefs() const;
  // One write into batch_ (the indexed form).
  Status WriteIndexed(std::string_view key, std::string_view value, bool deleted);
  // The slot of `key` in slots_: the one holding its latest write, or the empty one to take.
  size_t FindSlot(std::string_view key, uint64_t hash) const;
  // Records entries_[i] as its key's latest write (marking the one it replaces superseded).
  void IndexEntry(size_t i);
  void RebuildLatest();
  // Empties the deferred form (entries, tables, bytes, save point, chains).
  void ForgetDeferred();
  // The value-prefix chains (ForEachIndexRow).
  size_t FindPrefixSlot(std::string_view prefix, uint64_t hash) const;
  void ChainEntry(size_t i);
  void RebuildChains();
  // The group's latest write under the value prefix (entry index + 1; 0: none), the chains
  // built first if this is the group's first look at them.
  uint32_t ChainHead(std::string_view value_prefix);

  const bool deferred_;
  bool indexed_;  // writes go to batch_ (always, unless deferred_ and no iterator yet)
  rocksdb::WriteBatchWithIndex batch_;
  // Deferred: the writes in order, and an open-addressing table of each key's latest write
  // (entry index + 1; 0 is empty), at most half full. The bytes live in blocks that never move,
  // reused from group to group: no allocation per write.
  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;
  ByteBlocks bytes_;
  std::optional<size_t> save_point_;  // entries_.size() at SetSavePoint, while deferred
  // Deferred, after the group's first ForEachIndexRow: each value prefix's latest write (entry
  // index + 1), open addressing as slots_.
  bool chained_ = false;
  std::vector<uint32_t> prefix_slots_;
  size_t prefixes_ = 0;  // distinct value prefixes in prefix_slots_
  // ForEachIndexRow's database iterator, made at the group's first lookup (EndReads, Clear).
  std::unique_ptr<rocksdb::Iterator> lookup_;
};

}  // namespace profiled::store::rocks
