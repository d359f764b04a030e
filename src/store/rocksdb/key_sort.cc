// File: key_sort.cc
#include "store/rocksdb/key_sort.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {

// Outside the anonymous namespace: KeyRuns holds them.
struct KeySortItem {
  uint32_t rank;          // of the key's prefix among the group's distinct prefixes
  uint32_t ref;           // the KeyRef's position
  uint64_t head;          // the first 8 bytes after the prefix, big-endian, zero-padded
  std::string_view rest;  // every byte after the prefix
};

namespace {

using SortItem = KeySortItem;

uint64_t Head(std::string_view rest) {
  uint64_t head = 0;
  for (size_t i = 0; i < 8; ++i) {
    head <<= 8;
    if (i < rest.size()) head |= static_cast<unsigned char>(rest[i]);
  }
  return head;
}

// Each ref as a SortItem, its rank that of its prefix among the refs' distinct prefixes in key
// order.
std::vector<SortItem> RankedItems(const std::vector<KeyRef>& refs) {
  std::unordered_map<std::string_view, uint32_t> prefix_ids;
  std::vector<std::string_view> prefixes;
  std::vector<SortItem> items;
  items.reserve(refs.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    std::string_view key = refs[i].key;
    const size_t cut = keys::ScopeNamePrefixLength(key);
    std::string_view prefix = key.substr(0, cut);
    auto [it, added] = prefix_ids.try_emplace(prefix, static_cast<uint32_t>(prefixes.size()));
    if (added) prefixes.push_back(prefix);
    std::string_view rest = key.substr(cut);
    items.push_back(SortItem{it->second, static_cast<uint32_t>(i), Head(rest), rest});
  }
  // Prefix ids in order of first sight, turned into ranks in key order.
  std::vector<uint32_t> order(prefixes.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&prefixes](uint32_t a, uint32_t b) { return prefixes[a] < prefixes[b]; });
  std::vector<uint32_t> rank(prefixes.size());
  for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
  for (SortItem& item : items) item.rank = rank[item.rank];
  return items;
}

// The compact part of the order: (rank, head) below means the whole key below.
bool CoarseLess(const SortItem& a, const SortItem& b) {
  if (a.rank != b.rank) return a.rank < b.rank;
  return a.head < b.head;
}

void SortItems(std::vector<SortItem>* items) {
  // CoarseLess's fields, compared once each: this is every commit's sort.
  std::sort(items->begin(), items->end(), [](const SortItem& a, const SortItem& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.head != b.head) return a.head < b.head;
    return a.rest < b.rest;
  });
}

std::vector<KeyRef> RefsOf(const std::vector<SortItem>& items, const std::vector<KeyRef>& refs) {
  std::vector<KeyRef> sorted;
  sorted.reserve(items.size());
  for (const SortItem& item : items) sorted.push_back(refs[item.ref]);
  return sorted;
}

}  // namespace

// Correct because prefixes are prefix-free (keys.h: a table byte and three escaped components,
// or a whole key that has fewer): two keys with different prefixes compare as their prefixes,
// two with the same prefix as their rests. Equal heads fall through to the whole rests.
void SortKeyRefs(std::vector<KeyRef>* refs) {
  std::vector<SortItem> items = RankedItems(*refs);
  SortItems(&items);
  *refs = RefsOf(items, *refs);
}

struct KeyRuns::Items {
  std::vector<KeyRef> refs;
  std::vector<std::vector<KeySortItem>> runs;
};

KeyRuns::KeyRuns(std::vector<KeyRef> refs, size_t runs) : items_(new Items) {
  items_->refs = std::move(refs);
  std::vector<SortItem> all = RankedItems(items_->refs);
  runs = std::max<size_t>(1, std::min(runs, all.size()));
  // Cut points at the quantiles of an evenly spaced sample of the coarse keys: run i takes the
  // items at or above pivots[i - 1] and below pivots[i].
  constexpr size_t kSamplePerRun = 64;
  std::vector<SortItem> sample;
  const size_t want = std::min(all.size(), runs * kSamplePerRun);
  for (size_t i = 0; i < want; ++i) sample.push_back(all[i * all.size() / want]);
  std::sort(sample.begin(), sample.end(), CoarseLess);
  std::vector<SortItem> pivots;
  for (size_t i = 1; i < runs; ++i) pivots.push_back(sample[i * sample.size() / runs]);
  items_->runs.resize(runs);
  for (auto& run : items_->runs) run.reserve(all.size() / runs + all.size() / 8);
  for (const SortItem& item : all) {
    const size_t run =
        std::upper_bound(pivots.begin(), pivots.end(), item, CoarseLess) - pivots.begin();
    items_->runs[run].push_back(item);
  }
}

KeyRuns::KeyRuns(KeyRuns&&) noexcept = default;
KeyRuns& KeyRuns::operator=(KeyRuns&&) noexcept = default;
KeyRuns::~KeyRuns() = default;

size_t KeyRuns::size() const { return items_->runs.size(); }

std::vector<KeyRef> KeyRuns::Sorted(size_t i) {
  std::vector<SortItem>& run = items_->runs.at(i);
  SortItems(&run);
  std::vector<KeyRef> sorted = RefsOf(run, items_->refs);
  std::vector<SortItem>().swap(run);
  return sorted;
}

}  // namespace profiled::store::rocks
