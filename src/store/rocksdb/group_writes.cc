// File: group_writes.cc
#include "store/rocksdb/group_writes.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "store/rocksdb/rocksdb_txn.h"

namespace profiled::store::rocks {

GroupWrites::GroupWrites(bool deferred)
    : deferred_(deferred),
      indexed_(!deferred),
      batch_(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true) {}

Status GroupWrites::Put(std::string key, std::string_view value) {
  return Append(std::move(key), value, /*deleted=*/false);
}

Status GroupWrites::Delete(std::string key) { return Append(std::move(key), {}, /*deleted=*/true); }

Status GroupWrites::Append(std::string key, std::string_view value, bool deleted) {
  if (indexed_) return WriteIndexed(key, value, deleted);
  entries_.push_back(Entry{std::move(key), std::string(value), deleted});
  latest_[entries_.back().key] = entries_.size() - 1;
  return OkStatus();
}

Status GroupWrites::WriteIndexed(std::string_view key, std::string_view value, bool deleted) {
  rocksdb::Slice k(key.data(), key.size());
  rocksdb::Status s = deleted ? batch_.Delete(k) : batch_.Put(k, {value.data(), value.size()});
  if (!s.ok()) return RocksError(s, deleted ? "delete" : "put");
  return OkStatus();
}

Result<std::optional<std::string>> GroupWrites::Get(rocksdb::DB& db,
                                                    const rocksdb::ReadOptions& options,
                                                    const std::string& key) {
  rocksdb::PinnableSlice value;
  rocksdb::Status s;
  if (indexed_) {
    s = batch_.GetFromBatchAndDB(&db, options, key, &value);
  } else if (auto it = latest_.find(key); it != latest_.end()) {
    const Entry& entry = entries_[it->second];
    if (entry.deleted) return std::optional<std::string>();
    return std::optional<std::string>(entry.value);
  } else {
    s = db.Get(options, db.DefaultColumnFamily(), key, &value);
  }
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return RocksError(s, "get");
  return std::optional<std::string>(value.ToString());
}

rocksdb::WriteBatchWithIndex& GroupWrites::Indexed() {
  if (indexed_) return batch_;
  // Replayed in order, the save point where it was, so that a rollback still drops exactly the
  // writes of the transaction that set it.
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (save_point_ && *save_point_ == i) batch_.SetSavePoint();
    const Entry& e = entries_[i];
    // An in-memory append: it fails only past a size limit, and none is set.
    (void)WriteIndexed(e.key, e.value, e.deleted);
  }
  if (save_point_ && *save_point_ == entries_.size()) batch_.SetSavePoint();
  save_point_.reset();
  latest_.clear();
  entries_.clear();
  indexed_ = true;
  return batch_;
}

Status GroupWrites::SetSavePoint() {
  if (indexed_) {
    batch_.SetSavePoint();
    return OkStatus();
  }
  if (save_point_) return Error::Internal("rocksdb: nested save point");
  save_point_ = entries_.size();
  return OkStatus();
}

Status GroupWrites::RollbackToSavePoint() {
  if (indexed_) {
    rocksdb::Status s = batch_.RollbackToSavePoint();
    if (!s.ok()) return RocksError(s, "save point");
    return OkStatus();
  }
  if (!save_point_) return Error::Internal("rocksdb: no save point");
  entries_.resize(*save_point_);
  save_point_.reset();
  RebuildLatest();
  return OkStatus();
}

Status GroupWrites::PopSavePoint() {
  if (indexed_) {
    rocksdb::Status s = batch_.PopSavePoint();
    if (!s.ok()) return RocksError(s, "save point");
    return OkStatus();
  }
  if (!save_point_) return Error::Internal("rocksdb: no save point");
  save_point_.reset();
  return OkStatus();
}

void GroupWrites::RebuildLatest() {
  latest_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) latest_[entries_[i].key] = i;
}

bool GroupWrites::Empty() {
  return indexed_ ? batch_.GetWriteBatch()->Count() == 0 : entries_.empty();
}

// In key order because the memtable is a skip list that remembers where its last insert went:
// keys in order are cheap to insert, where the group's own order (each transaction's keys one
// after another, all over the key space) cost a full descent each, 2 of every 5 cycles of a bulk
// import. A key written by several transactions of a group (a domain's statistics shard under
// concurrent creates) is written, logged and kept once.
Status GroupWrites::SortedInto(rocksdb::WriteBatch* out) {
  out->Clear();
  auto write = [out](std::string_view key, std::string_view value, bool deleted) {
    rocksdb::Slice k(key.data(), key.size());
    rocksdb::Status s = deleted ? out->Delete(k) : out->Put(k, {value.data(), value.size()});
    if (!s.ok()) return Status(RocksError(s, "commit batch"));
    return OkStatus();
  };
  if (!indexed_) {
    std::vector<size_t> order;
    order.reserve(latest_.size());
    for (const auto& [key, index] : latest_) order.push_back(index);
    std::sort(order.begin(), order.end(),
              [this](size_t a, size_t b) { return entries_[a].key < entries_[b].key; });
    for (size_t i : order) {
      const Entry& e = entries_[i];
      RETURN_IF_ERROR(write(e.key, e.value, e.deleted));
    }
    return OkStatus();
  }
  std::unique_ptr<rocksdb::WBWIIterator> it(batch_.NewIterator());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const rocksdb::WriteEntry entry = it->Entry();
    if (entry.type != rocksdb::kPutRecord && entry.type != rocksdb::kDeleteRecord) {
      return Error::Internal("rocksdb: unexpected write batch entry type");  // we write neither
    }
    RETURN_IF_ERROR(write({entry.key.data(), entry.key.size()},
                          {entry.value.data(), entry.value.size()},
                          entry.type == rocksdb::kDeleteRecord));
  }
  if (!it->status().ok()) return RocksError(it->status(), "iterate the commit batch");
  return OkStatus();
}

void GroupWrites::Clear() {
  batch_.Clear();
  entries_.clear();
  latest_.clear();
  save_point_.reset();
  indexed_ = !deferred_;
}

}  // namespace profiled::store::rocks
