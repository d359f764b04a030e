// File: key_sort.cc
#include "store/rocksdb/key_sort.h"

#include <algorithm>
#include <unordered_map>

#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {
namespace {

struct SortItem {
  uint32_t rank;          // of the key's prefix among the group's distinct prefixes
  uint32_t ref;           // the KeyRef's position
  uint64_t head;          // the first 8 bytes after the prefix, big-endian, zero-padded
  std::string_view rest;  // every byte after the prefix
};

uint64_t Head(std::string_view rest) {
  uint64_t head = 0;
  for (size_t i = 0; i < 8; ++i) {
    head <<= 8;
    if (i < rest.size()) head |= static_cast<unsigned char>(rest[i]);
  }
  return head;
}

}  // namespace

// Correct because prefixes are prefix-free (keys.h: a table byte and three escaped components,
// or a whole key that has fewer): two keys with different prefixes compare as their prefixes,
// two with the same prefix as their rests. Equal heads fall through to the whole rests.
void SortKeyRefs(std::vector<KeyRef>* refs) {
  std::unordered_map<std::string_view, uint32_t> prefix_ids;
  std::vector<std::string_view> prefixes;
  std::vector<SortItem> items;
  items.reserve(refs->size());
  for (size_t i = 0; i < refs->size(); ++i) {
    std::string_view key = (*refs)[i].key;
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

  std::sort(items.begin(), items.end(), [](const SortItem& a, const SortItem& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.head != b.head) return a.head < b.head;
    return a.rest < b.rest;
  });
  std::vector<KeyRef> sorted;
  sorted.reserve(refs->size());
  for (const SortItem& item : items) sorted.push_back((*refs)[item.ref]);
  refs->swap(sorted);
}

}  // namespace profiled::store::rocks
