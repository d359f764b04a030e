// File: value_filters.cc
#include "store/rocksdb/value_filters.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <system_error>
#include <thread>
#include <utility>

#include "common/thread_priority.h"
#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {

namespace {

constexpr size_t kWordsPerBlock = 8;  // 512 bits: one cache line
constexpr int kProbes = 6;            // ~1% false positives at 10 bits per value

uint64_t HashOf(std::string_view value_prefix) {
  return std::hash<std::string_view>()(value_prefix);
}

// The block a hash falls in (the high half, spread over `blocks`), and the bits inside it from
// a remix of the whole hash (9 bits per probe).
size_t BlockOf(uint64_t hash, size_t blocks) {
  return static_cast<size_t>(((hash >> 32) * static_cast<uint64_t>(blocks)) >> 32);
}
uint64_t BitsOf(uint64_t hash) { return hash * 0x9E3779B97F4A7C15ULL; }

}  // namespace

bool LayeredBloom::MayContain(uint64_t hash) const {
  const uint64_t bits = BitsOf(hash);
  for (const Layer& layer : layers_) {
    const uint64_t* block = &layer.words[BlockOf(hash, layer.blocks) * kWordsPerBlock];
    bool all = true;
    for (int i = 0; i < kProbes && all; ++i) {
      const unsigned bit = (bits >> (i * 9)) & 511;
      all = (block[bit / 64] >> (bit % 64)) & 1;
    }
    if (all) return true;
  }
  return false;
}

bool LayeredBloom::Add(uint64_t hash, size_t max_bytes) {
  if (MayContain(hash)) return true;  // its bits are set already
  if (layers_.empty() || layers_.back().count >= layers_.back().capacity) {
    const size_t capacity = layers_.empty() ? kFirstLayerValues : layers_.back().capacity * kGrowth;
    const size_t blocks = std::max<size_t>(1, capacity * kBitsPerValue / 512);
    const size_t layer_bytes = blocks * kWordsPerBlock * sizeof(uint64_t);
    if (bytes_ + layer_bytes > max_bytes) return false;
    layers_.push_back(Layer{std::vector<uint64_t>(blocks * kWordsPerBlock, 0), blocks, capacity});
    bytes_ += layer_bytes;
  }
  Layer& layer = layers_.back();
  uint64_t* block = &layer.words[BlockOf(hash, layer.blocks) * kWordsPerBlock];
  const uint64_t bits = BitsOf(hash);
  for (int i = 0; i < kProbes; ++i) {
    const unsigned bit = (bits >> (i * 9)) & 511;
    block[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  ++layer.count;
  return true;
}

// One index name's filters: the values the writer committed since the filter was made, and,
// once its scan is done, the values the database had.
struct ValueFilters::NameFilter {
  std::string name_prefix;
  LayeredBloom written;      // writer thread
  LayeredBloom scanned;      // the scan's thread until scan_done, then the writer's
  bool scan_failed = false;  // set by the scan before scan_done
  std::atomic<bool> scan_done{false};
  bool scanned_in = false;  // writer thread: the scan's answer is in
  bool gave_up = false;     // writer thread: answers "maybe" for good
  std::jthread scan;        // last: stopped and joined before the rest goes
};

ValueFilters::ValueFilters(rocksdb::DB& db, size_t capacity_bytes)
    : db_(db), capacity_bytes_(capacity_bytes) {}

ValueFilters::~ValueFilters() {
  for (auto& [prefix, filter] : names_) filter->scan.request_stop();
  names_.clear();  // joins the scans
}

// The rows under one name, read from a snapshot taken now (after the filter was made), at the
// priority of the background work: the writer answers "maybe" meanwhile.
void ValueFilters::Scan(rocksdb::DB& db, NameFilter& filter, size_t capacity_bytes,
                        std::stop_token stop) {
  (void)SetThisThreadNice(kBackgroundThreadNice);
  rocksdb::ReadOptions options;
  options.total_order_seek = true;  // every value under the name, not one prefix
  options.fill_cache = false;       // the block cache is the requests'
  const std::string upper = *keys::PrefixUpperBound(filter.name_prefix);
  const rocksdb::Slice upper_slice(upper);
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(options));
  std::string last;
  size_t seen = 0;
  bool failed = false;
  for (it->Seek(filter.name_prefix); it->Valid(); it->Next()) {
    if ((++seen & 1023) == 0 && stop.stop_requested()) {
      failed = true;
      break;
    }
    const std::string_view key(it->key().data(), it->key().size());
    const size_t length = keys::IndexValuePrefixLength(key);
    if (length == 0) continue;  // malformed: not a row of this name
    const std::string_view prefix = key.substr(0, length);
    if (prefix == last) continue;  // the same value's next ref
    last.assign(prefix);
    if (!filter.scanned.Add(HashOf(prefix), capacity_bytes)) {
      failed = true;
      break;
    }
  }
  filter.scan_failed = failed || !it->status().ok();
  filter.scan_done.store(true, std::memory_order_release);
}

ValueFilters::NameFilter* ValueFilters::FilterOf(std::string_view name_prefix) {
  auto found = names_.find(name_prefix);
  if (found != names_.end()) return found->second.get();
  auto filter = std::make_unique<NameFilter>();
  filter->name_prefix = std::string(name_prefix);
  NameFilter* raw = filter.get();
  names_.emplace(raw->name_prefix, std::move(filter));
  const size_t capacity = capacity_bytes_;
  rocksdb::DB& db = db_;
  try {
    raw->scan = std::jthread(
        [&db, raw, capacity](std::stop_token stop) { Scan(db, *raw, capacity, std::move(stop)); });
  } catch (const std::system_error&) {
    raw->gave_up = true;  // no thread to scan with: the name answers "maybe", the Write goes on
  }
  return raw;
}

bool ValueFilters::NoRowsUnder(std::string_view value_prefix) {
  if (disabled_ || value_prefix.empty() || value_prefix[0] != keys::kIndexTable) return false;
  const size_t name_length = keys::ScopeNamePrefixLength(value_prefix);
  if (name_length >= value_prefix.size()) return false;
  NameFilter* filter = FilterOf(value_prefix.substr(0, name_length));
  if (filter->gave_up) return false;
  if (!filter->scanned_in) {
    if (!filter->scan_done.load(std::memory_order_acquire)) return false;
    filter->scan.join();
    filter->scanned_in = true;
    bytes_ += filter->scanned.bytes();
    if (filter->scan_failed || bytes_ > capacity_bytes_) {
      GiveUp(*filter);
      return false;
    }
  }
  const uint64_t hash = HashOf(value_prefix);
  return !filter->written.MayContain(hash) && !filter->scanned.MayContain(hash);
}

void ValueFilters::GiveUp(NameFilter& filter) {
  filter.gave_up = true;
  // A scan still running writes into `scanned`: stopped first (within 1,024 rows).
  filter.scan.request_stop();
  if (filter.scan.joinable()) filter.scan.join();
  bytes_ -= filter.written.bytes() + (filter.scanned_in ? filter.scanned.bytes() : 0);
  filter.written = LayeredBloom();
  filter.scanned = LayeredBloom();
}

void ValueFilters::Committed(GroupWrites& writes) {
  if (disabled_ || names_.empty()) return;
  const bool complete = writes.ForEachWrittenKey([&](std::string_view key) {
    if (key.empty() || key[0] != keys::kIndexTable) return;
    const size_t value_length = keys::IndexValuePrefixLength(key);
    if (value_length == 0) return;
    auto found = names_.find(key.substr(0, keys::ScopeNamePrefixLength(key)));
    if (found == names_.end()) return;
    NameFilter& filter = *found->second;
    if (filter.gave_up) return;
    const size_t before = filter.written.bytes();
    const size_t others = bytes_ - before;
    if (!filter.written.Add(HashOf(key.substr(0, value_length)),
                            capacity_bytes_ > others ? capacity_bytes_ - others : 0)) {
      GiveUp(filter);
      return;
    }
    bytes_ += filter.written.bytes() - before;
  });
  if (!complete) Disable();  // a row may be missing from its filter
}

void ValueFilters::Disable() {
  disabled_ = true;
  for (auto& [prefix, filter] : names_) filter->scan.request_stop();
  names_.clear();
  bytes_ = 0;
}

void ValueFilters::WaitForScans() {
  for (auto& [prefix, filter] : names_) {
    while (!filter->scan_done.load(std::memory_order_acquire)) std::this_thread::yield();
  }
}

}  // namespace profiled::store::rocks
