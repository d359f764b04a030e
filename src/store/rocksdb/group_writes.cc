// File: group_writes.cc
#include "store/rocksdb/group_writes.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "store/rocksdb/key_sort.h"
#include "store/rocksdb/keys.h"
#include "store/rocksdb/rocksdb_txn.h"

namespace profiled::store::rocks {
namespace {

// Open addressing over entry indexes (+ 1; 0 is an empty slot), linear probing: the slot of the
// first entry on `hash`'s probe sequence for which same(entry) holds, or the empty slot that
// ends the sequence.
template <class Same>
size_t Probe(const std::vector<uint32_t>& slots, uint64_t hash, const Same& same) {
  const size_t mask = slots.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots[i] == 0 || same(slots[i] - 1)) return i;
  }
}

// Doubles *slots (at least 1,024) when `used` entries would fill more than half: short probes.
template <class HashOf>
void GrowIfHalfFull(std::vector<uint32_t>* slots, size_t used, const HashOf& hash_of) {
  if (2 * used <= slots->size()) return;
  std::vector<uint32_t> old;
  old.swap(*slots);
  slots->assign(std::max<size_t>(1024, 2 * old.size()), 0);
  for (uint32_t slot : old) {
    if (slot != 0)
      (*slots)[Probe(*slots, hash_of(slot - 1), [](uint32_t) { return false; })] = slot;
  }
}

}  // namespace

GroupWrites::GroupWrites(bool deferred)
    : deferred_(deferred),
      indexed_(!deferred),
      batch_(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true) {}

Status GroupWrites::Put(std::string_view key, std::string_view value) {
  return Append(key, value, /*deleted=*/false);
}

Status GroupWrites::Delete(std::string_view key) { return Append(key, {}, /*deleted=*/true); }

Status GroupWrites::Append(std::string_view key, std::string_view value, bool deleted) {
  if (indexed_) return WriteIndexed(key, value, deleted);
  if (entries_.size() >= UINT32_MAX - 1) return Error::Internal("rocksdb: commit group too large");
  entries_.push_back(Entry{bytes_.Copy(key), bytes_.Copy(value), std::hash<std::string_view>()(key),
                           deleted, false});
  IndexEntry(entries_.size() - 1);
  if (chained_) ChainEntry(entries_.size() - 1);
  return OkStatus();
}

size_t GroupWrites::FindSlot(std::string_view key, uint64_t hash) const {
  return Probe(slots_, hash,
               [&](uint32_t e) { return entries_[e].hash == hash && entries_[e].key == key; });
}

void GroupWrites::IndexEntry(size_t i) {
  GrowIfHalfFull(&slots_, entries_.size(), [this](uint32_t e) { return entries_[e].hash; });
  Entry& entry = entries_[i];
  const size_t at = FindSlot(entry.key, entry.hash);
  if (slots_[at] != 0) entries_[slots_[at] - 1].superseded = true;
  slots_[at] = static_cast<uint32_t>(i + 1);
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
  std::string own;
  switch (Own(key, &own)) {
    case OwnWrite::kPut:
      return std::optional<std::string>(std::move(own));
    case OwnWrite::kDeleted:
      return std::optional<std::string>();
    case OwnWrite::kUnknown:  // indexed
      s = batch_.GetFromBatchAndDB(&db, options, key, &value);
      break;
    case OwnWrite::kNone:
      s = db.Get(options, db.DefaultColumnFamily(), key, &value);
      break;
  }
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return RocksError(s, "get");
  return std::optional<std::string>(value.ToString());
}

GroupWrites::OwnWrite GroupWrites::Own(const std::string& key, std::string* value) const {
  if (indexed_) return OwnWrite::kUnknown;
  const uint32_t slot =
      entries_.empty() ? 0 : slots_[FindSlot(key, std::hash<std::string_view>()(key))];
  if (slot == 0) return OwnWrite::kNone;
  const Entry& entry = entries_[slot - 1];
  if (entry.deleted) return OwnWrite::kDeleted;
  value->assign(entry.value);
  return OwnWrite::kPut;
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
  ForgetDeferred();
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
  std::fill(slots_.begin(), slots_.end(), 0);
  for (size_t i = 0; i < entries_.size(); ++i) {
    entries_[i].superseded = false;
    IndexEntry(i);
  }
  if (chained_) RebuildChains();
}

size_t GroupWrites::FindPrefixSlot(std::string_view prefix, uint64_t hash) const {
  return Probe(prefix_slots_, hash, [&](uint32_t e) {
    return entries_[e].prefix_hash == hash &&
           entries_[e].key.substr(0, entries_[e].prefix_length) == prefix;
  });
}

void GroupWrites::ChainEntry(size_t i) {
  Entry& entry = entries_[i];
  if (entry.key.empty() || entry.key[0] != keys::kIndexTable) return;
  entry.prefix_length = static_cast<uint32_t>(keys::IndexValuePrefixLength(entry.key));
  if (entry.prefix_length == 0) return;
  const std::string_view prefix = entry.key.substr(0, entry.prefix_length);
  entry.prefix_hash = std::hash<std::string_view>()(prefix);
  GrowIfHalfFull(&prefix_slots_, prefixes_ + 1,
                 [this](uint32_t e) { return entries_[e].prefix_hash; });
  const size_t at = FindPrefixSlot(prefix, entry.prefix_hash);
  if (prefix_slots_[at] == 0) ++prefixes_;
  entry.previous_under_prefix = prefix_slots_[at];
  prefix_slots_[at] = static_cast<uint32_t>(i + 1);
}

void GroupWrites::RebuildChains() {
  std::fill(prefix_slots_.begin(), prefix_slots_.end(), 0);
  prefixes_ = 0;
  for (size_t i = 0; i < entries_.size(); ++i) ChainEntry(i);
}

uint32_t GroupWrites::ChainHead(std::string_view value_prefix) {
  if (!chained_) {
    chained_ = true;
    RebuildChains();
  }
  if (prefix_slots_.empty()) return 0;
  return prefix_slots_[FindPrefixSlot(value_prefix, std::hash<std::string_view>()(value_prefix))];
}

Result<bool> GroupWrites::ForEachIndexRow(rocksdb::DB& db, const rocksdb::ReadOptions& options,
                                          std::string_view value_prefix, std::string_view lower,
                                          const RowVisitor& visit) {
  if (indexed_) return false;
  // The group's rows under the prefix (its latest write of each key), in key order.
  std::vector<const Entry*> mine;
  for (uint32_t i = ChainHead(value_prefix); i != 0; i = entries_[i - 1].previous_under_prefix) {
    const Entry& e = entries_[i - 1];
    if (!e.superseded && e.key >= lower) mine.push_back(&e);
  }
  std::sort(mine.begin(), mine.end(),
            [](const Entry* a, const Entry* b) { return a->key < b->key; });

  const std::optional<std::string> upper = keys::PrefixUpperBound(value_prefix);
  rocksdb::Iterator* it = nullptr;
  std::unique_ptr<rocksdb::Iterator> own;
  rocksdb::Slice upper_slice;
  if (options.snapshot == nullptr && options.prefix_same_as_start) {
    // One iterator serves every lookup of the group: nothing commits while the group's
    // functions run (the writer commits after them), so it reads what a new one would, and
    // making one (a reference to every memtable and file, a child iterator each) was 5% of the
    // writer thread under an upload job. Its prefix mode keeps each walk inside one value
    // prefix, so it needs no upper bound.
    if (!lookup_) lookup_.reset(db.NewIterator(options));
    it = lookup_.get();
  } else {
    rocksdb::ReadOptions bounded = options;
    if (upper) {
      upper_slice = *upper;
      bounded.iterate_upper_bound = &upper_slice;
    }
    own.reset(db.NewIterator(bounded));
    it = own.get();
  }
  it->Seek(rocksdb::Slice(lower.data(), lower.size()));
  size_t next = 0;
  while (true) {
    const bool stored = it->Valid() && (!upper || it->key().compare(*upper) < 0);
    if (!stored && next == mine.size()) break;
    std::string_view stored_key;
    if (stored) stored_key = std::string_view(it->key().data(), it->key().size());
    if (next < mine.size() && (!stored || mine[next]->key <= stored_key)) {
      const Entry& e = *mine[next++];
      if (stored && e.key == stored_key) it->Next();  // the group's write replaces the row
      if (e.deleted) continue;
      if (!visit(e.key, e.value)) break;
      continue;
    }
    rocksdb::Slice value = it->value();
    if (!visit(stored_key, std::string_view(value.data(), value.size()))) break;
    it->Next();
  }
  if (!it->status().ok()) return RocksError(it->status(), "iterate");
  return true;
}

bool GroupWrites::MayHaveRowsUnder(std::string_view value_prefix) {
  return indexed_ || ChainHead(value_prefix) != 0;
}

bool GroupWrites::ForEachWrittenKey(const std::function<void(std::string_view key)>& visit) {
  if (!indexed_) {
    for (const Entry& e : entries_) visit(e.key);
    return true;
  }
  std::unique_ptr<rocksdb::WBWIIterator> it(batch_.NewIterator());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->Entry().key;
    visit(std::string_view(key.data(), key.size()));
  }
  return it->status().ok();
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
  return ForEachSorted([out](std::string_view key, std::string_view value, bool deleted) {
    rocksdb::Slice k(key.data(), key.size());
    rocksdb::Status s = deleted ? out->Delete(k) : out->Put(k, {value.data(), value.size()});
    if (!s.ok()) return Status(RocksError(s, "commit batch"));
    return OkStatus();
  });
}

Status GroupWrites::ForEachSorted(const SortedVisitor& visit) {
  if (!indexed_) {
    for (const KeyRef& ref : SortedRefs()) {
      const Entry& e = entries_[ref.index];
      RETURN_IF_ERROR(visit(e.key, e.value, e.deleted));
    }
    return OkStatus();
  }
  std::unique_ptr<rocksdb::WBWIIterator> it(batch_.NewIterator());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const rocksdb::WriteEntry entry = it->Entry();
    if (entry.type != rocksdb::kPutRecord && entry.type != rocksdb::kDeleteRecord) {
      return Error::Internal("rocksdb: unexpected write batch entry type");  // we write neither
    }
    RETURN_IF_ERROR(visit({entry.key.data(), entry.key.size()},
                          {entry.value.data(), entry.value.size()},
                          entry.type == rocksdb::kDeleteRecord));
  }
  if (!it->status().ok()) return RocksError(it->status(), "iterate the commit batch");
  return OkStatus();
}

Result<std::vector<GroupWrites::SortedWrite>> GroupWrites::SortedWrites() {
  std::vector<SortedWrite> sorted;
  sorted.reserve(entries_.size());
  // Either form's bytes stay where they are until the group changes: the views stay valid.
  RETURN_IF_ERROR(
      ForEachSorted([&sorted](std::string_view key, std::string_view value, bool deleted) {
        sorted.push_back(SortedWrite{key, value, deleted});
        return OkStatus();
      }));
  return sorted;
}

std::vector<KeyRef> GroupWrites::LatestRefs() const {
  std::vector<KeyRef> refs;
  refs.reserve(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!entries_[i].superseded) refs.push_back(KeyRef{entries_[i].key, static_cast<uint32_t>(i)});
  }
  return refs;
}

std::vector<KeyRef> GroupWrites::SortedRefs() const {
  std::vector<KeyRef> order = LatestRefs();
  SortKeyRefs(&order);
  return order;
}

std::optional<KeyRuns> GroupWrites::CutIntoRuns(size_t runs) const {
  if (indexed_) return std::nullopt;
  return KeyRuns(LatestRefs(), runs);
}

std::vector<GroupWrites::SortedWrite> GroupWrites::WritesOf(const std::vector<KeyRef>& refs) const {
  std::vector<SortedWrite> writes;
  writes.reserve(refs.size());
  for (const KeyRef& ref : refs) {
    const Entry& e = entries_[ref.index];
    writes.push_back(SortedWrite{e.key, e.value, e.deleted});
  }
  return writes;
}

void GroupWrites::Clear() {
  EndReads();
  batch_.Clear();
  ForgetDeferred();
  indexed_ = !deferred_;
}

// The tables keep their size for the next group (a bulk load's groups are alike) up to a bound:
// one huge group (a domain's deletion: every key of the domain) must not leave its tables to be
// zeroed at every later commit, nor hold their memory.
void GroupWrites::ForgetDeferred() {
  constexpr size_t kKeptSlots = size_t{1} << 17;    // 512 KiB: a 2,000-profile import batch
  constexpr size_t kKeptEntries = size_t{1} << 16;  // 4 MiB of entries
  auto reset = [](std::vector<uint32_t>* slots) {
    if (slots->size() > kKeptSlots) {
      std::vector<uint32_t>().swap(*slots);
    } else {
      std::fill(slots->begin(), slots->end(), 0);
    }
  };
  if (entries_.capacity() > kKeptEntries) {
    std::vector<Entry>().swap(entries_);
  } else {
    entries_.clear();
  }
  reset(&slots_);
  reset(&prefix_slots_);
  bytes_.Clear();
  save_point_.reset();
  chained_ = false;
  prefixes_ = 0;
}

}  // namespace profiled::store::rocks
