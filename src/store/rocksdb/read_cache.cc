// File: read_cache.cc
#include "store/rocksdb/read_cache.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {

// What one entry keeps: a document (present or absent) or the whole ref list of an index value.
struct ReadCache::Kept {
  uint64_t read_at = 0;
  bool present = false;
  std::string body;
  std::vector<std::string> refs;
};

namespace {

// An entry's bookkeeping beyond its bytes: the cache's handle, the Kept, the allocators' slack.
constexpr size_t kEntryOverhead = 160;

}  // namespace

// Stamps the bucket of every row a batch writes; a record of a kind the store never writes
// (ranges, merges, ...) stamps them all.
class ReadCache::BatchRows final : public rocksdb::WriteBatch::Handler {
 public:
  explicit BatchRows(ReadCache& cache) : cache_(cache) {}
  rocksdb::Status PutCF(uint32_t /*cf*/, const rocksdb::Slice& key,
                        const rocksdb::Slice& /*value*/) override {
    return Row(key);
  }
  rocksdb::Status DeleteCF(uint32_t /*cf*/, const rocksdb::Slice& key) override { return Row(key); }
  rocksdb::Status SingleDeleteCF(uint32_t /*cf*/, const rocksdb::Slice& key) override {
    return Row(key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t /*cf*/, const rocksdb::Slice& /*begin*/,
                                const rocksdb::Slice& /*end*/) override {
    return All();
  }
  rocksdb::Status MergeCF(uint32_t /*cf*/, const rocksdb::Slice& /*key*/,
                          const rocksdb::Slice& /*value*/) override {
    return All();
  }
  rocksdb::Status PutEntityCF(uint32_t /*cf*/, const rocksdb::Slice& /*key*/,
                              const rocksdb::Slice& /*entity*/) override {
    return All();
  }
  rocksdb::Status PutBlobIndexCF(uint32_t /*cf*/, const rocksdb::Slice& /*key*/,
                                 const rocksdb::Slice& /*value*/) override {
    return All();
  }

 private:
  rocksdb::Status Row(const rocksdb::Slice& key) {
    cache_.StampInFlight(BucketOfRow({key.data(), key.size()}));
    return rocksdb::Status::OK();
  }
  rocksdb::Status All() {
    cache_.StampAllInFlight();
    return rocksdb::Status::OK();
  }
  ReadCache& cache_;
};

void ReadCache::DeleteKept(const rocksdb::Slice& /*key*/, void* value) {
  delete static_cast<Kept*>(value);
}

ReadCache::ReadCache(size_t capacity_bytes)
    : cache_(rocksdb::NewLRUCache(capacity_bytes)),
      stamps_(std::make_unique<std::atomic<uint64_t>[]>(kBuckets)) {
  for (size_t i = 0; i < kBuckets; ++i) stamps_[i].store(0, std::memory_order_relaxed);
}

size_t ReadCache::BucketOf(std::string_view unit) {
  return std::hash<std::string_view>()(unit) & (kBuckets - 1);
}

size_t ReadCache::BucketOfRow(std::string_view key) {
  if (!key.empty() && key[0] == keys::kIndexTable) {
    const size_t prefix = keys::IndexValuePrefixLength(key);
    if (prefix > 0) return BucketOf(key.substr(0, prefix));
  }
  return BucketOf(key);
}

bool ReadCache::Unchanged(size_t bucket, uint64_t read_at, uint64_t snapshot) const {
  if (off_.load()) return false;
  const uint64_t written = std::max(stamps_[bucket].load(), floor_.load());
  return written <= std::min(read_at, snapshot);
}

rocksdb::Cache::Handle* ReadCache::Lookup(std::string_view unit, uint64_t snapshot) {
  rocksdb::Cache::Handle* handle = cache_->Lookup(rocksdb::Slice(unit.data(), unit.size()));
  // The stamp is read after the entry was found: whoever kept the entry saw the stamps of every
  // commit its snapshot saw (read_cache.h), and the cache's lock passes that on to us.
  if (handle != nullptr &&
      !Unchanged(BucketOf(unit), static_cast<Kept*>(cache_->Value(handle))->read_at, snapshot)) {
    cache_->Release(handle);
    handle = nullptr;
  }
  (handle != nullptr ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return handle;
}

void ReadCache::Keep(std::string_view unit, std::unique_ptr<Kept> kept, size_t charge) {
  // A write of the bucket since the read makes the entry useless to every later reader: skip it.
  if (!Unchanged(BucketOf(unit), kept->read_at, kept->read_at)) return;
  rocksdb::Status s = cache_->Insert(rocksdb::Slice(unit.data(), unit.size()), kept.get(),
                                     charge + unit.size() + kEntryOverhead, &DeleteKept);
  // On failure Insert has already called DeleteKept (no handle was asked for).
  (void)kept.release();
  (void)s;
}

std::optional<std::optional<std::string>> ReadCache::FindDocument(std::string_view key,
                                                                  uint64_t snapshot) {
  rocksdb::Cache::Handle* handle = Lookup(key, snapshot);
  if (handle == nullptr) return std::nullopt;
  const Kept& kept = *static_cast<Kept*>(cache_->Value(handle));
  std::optional<std::string> body;
  if (kept.present) body = kept.body;
  cache_->Release(handle);
  return body;
}

void ReadCache::KeepDocument(std::string_view key, uint64_t read_at, const std::string* body) {
  auto kept = std::make_unique<Kept>();
  kept->read_at = read_at;
  kept->present = body != nullptr;
  if (body != nullptr) kept->body = *body;
  const size_t charge = kept->body.size();
  Keep(key, std::move(kept), charge);
}

std::optional<std::vector<std::string>> ReadCache::FindRefs(std::string_view value_prefix,
                                                            uint64_t snapshot, size_t limit) {
  rocksdb::Cache::Handle* handle = Lookup(value_prefix, snapshot);
  if (handle == nullptr) return std::nullopt;
  const std::vector<std::string>& all = static_cast<Kept*>(cache_->Value(handle))->refs;
  std::vector<std::string> refs(
      all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(limit, all.size())));
  cache_->Release(handle);
  return refs;
}

void ReadCache::KeepRefs(std::string_view value_prefix, uint64_t read_at,
                         const std::vector<std::string>& refs) {
  if (refs.size() > kMaxKeptRefs) return;
  auto kept = std::make_unique<Kept>();
  kept->read_at = read_at;
  kept->refs = refs;
  size_t charge = 0;
  for (const std::string& ref : refs) charge += ref.size() + sizeof(std::string);
  Keep(value_prefix, std::move(kept), charge);
}

void ReadCache::StampInFlight(size_t bucket) {
  stamps_[bucket].store(kInFlight);
  in_flight_.push_back(static_cast<uint32_t>(bucket));
}

void ReadCache::StampAllInFlight() { floor_.store(kInFlight); }

void ReadCache::BeginCommit(const rocksdb::WriteBatch& batch) {
  in_flight_.clear();
  BatchRows rows(*this);
  // Our handler fails nothing; a batch it cannot parse would fail DB::Write just the same.
  if (!batch.Iterate(&rows).ok()) StampAllInFlight();
}

void ReadCache::EndCommit(bool written, uint64_t last_sequence) {
  if (!written) return Disable();
  for (uint32_t bucket : in_flight_) stamps_[bucket].store(last_sequence);
  in_flight_.clear();
  // Only a commit sets the floor in flight: every row may have changed up to here.
  if (floor_.load() == kInFlight) floor_.store(last_sequence);
}

void ReadCache::Disable() { off_.store(true); }

}  // namespace profiled::store::rocks
