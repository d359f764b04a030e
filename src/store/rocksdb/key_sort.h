// File: key_sort.h
// Sorts a commit group's keys (keys.h) bytewise, several times faster than comparing whole keys:
// every key of a group shares its first ~25 bytes (table, account, domain) and most share the
// next ~10 (kind or index name), so a plain comparison reads two cold keys through those bytes
// on each of its n log n calls. Here each key's scope-and-name prefix is ranked once among the
// group's few distinct prefixes, and the sort compares (rank, the next 8 bytes as a number, the
// rest) from a compact array, which decides almost every comparison without touching the keys.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace profiled::store::rocks {

struct KeyRef {
  std::string_view key;
  uint32_t index = 0;  // the caller's
};

// Sorts *refs bytewise by key (equal keys in an unspecified order).
void SortKeyRefs(std::vector<KeyRef>* refs);

}  // namespace profiled::store::rocks
