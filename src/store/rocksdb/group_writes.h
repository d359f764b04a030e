// File: group_writes.h
// The writes of one commit group (the transactions the writer thread runs before one commit), as
// those transactions read them back, and as the commit writes them: in key order, the last write
// of each key only.
//
// Two ways to keep them:
//   - indexed (the default): a WriteBatchWithIndex, a skip list that every point read and every
//     iterator can merge with the database;
//   - deferred (a bulk load): a list and a hash of the keys, so a write costs an append and a
//     hash insert instead of two skip-list descents over keys with ~40 shared leading bytes (a
//     third of `profiled import`'s CPU). Point reads look in the hash. The first iterator the
//     group asks for turns the list into the indexed form (Indexed()), and the group carries on
//     indexed: correct for any transaction, fast for those that only read keys by name.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace profiled::store::rocks {

class GroupWrites {
 public:
  explicit GroupWrites(bool deferred);

  Status Put(std::string key, std::string_view value);
  Status Delete(std::string key);

  // The key's value as the group's writes and then the database have it.
  Result<std::optional<std::string>> Get(rocksdb::DB& db, const rocksdb::ReadOptions& options,
                                         const std::string& key);

  // The writes as a WriteBatchWithIndex, for iterators over them and the database. Valid until
  // the next Clear; the group stays indexed until then.
  rocksdb::WriteBatchWithIndex& Indexed();

  // One save point at a time (a transaction of the group): its writes can be dropped alone.
  Status SetSavePoint();
  Status RollbackToSavePoint();
  Status PopSavePoint();

  bool Empty();
  // The writes in key order, the last of each key only, into *out (cleared first).
  Status SortedInto(rocksdb::WriteBatch* out);
  void Clear();

 private:
  struct Entry {
    std::string key;
    std::string value;
    bool deleted = false;
  };

  Status Append(std::string key, std::string_view value, bool deleted);
  // One write into batch_ (the indexed form).
  Status WriteIndexed(std::string_view key, std::string_view value, bool deleted);
  void RebuildLatest();

  const bool deferred_;
  bool indexed_;  // writes go to batch_ (always, unless deferred_ and no iterator yet)
  rocksdb::WriteBatchWithIndex batch_;
  // Deferred: the writes in order (a deque: its elements never move, so the views in latest_
  // stay valid) and each key's last write.
  std::deque<Entry> entries_;
  std::unordered_map<std::string_view, size_t> latest_;
  std::optional<size_t> save_point_;  // entries_.size() at SetSavePoint, while deferred
};

}  // namespace profiled::store::rocks
