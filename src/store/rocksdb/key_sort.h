// File: key_sort.h
// Sorts a commit group's keys (keys.h) bytewise, several times faster than comparing whole keys:
// every key of a group shares its first ~25 bytes (table, account, domain) and most share the
// next ~10 (kind or index name), so a plain comparison reads two cold keys through those bytes
// on each of its n log n calls. Here each key's scope-and-name prefix is ranked once among the
// group's few distinct prefixes, and the sort compares (rank, the next 8 bytes as a number, the
// rest) from a compact array, which decides almost every comparison without touching the keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace profiled::store::rocks {

struct KeyRef {
  std::string_view key;
  uint32_t index = 0;  // the caller's
};

// Sorts *refs bytewise by key (equal keys in an unspecified order).
void SortKeyRefs(std::vector<KeyRef>* refs);

// The same sort for several threads: the keys are ranked once, cut into `runs` runs of adjacent
// keys (every key of a run sorts below every key of the next; about equal sizes, from a sample),
// and each run is then sorted by Sorted(i), which may run on its own thread at once with the
// others'. The cut compares the sort's compact (rank, next 8 bytes) only, never a key: equal
// ones stay in one run, so a run may be empty. The refs' keys must stay until the last Sorted.
class KeyRuns {
 public:
  KeyRuns(std::vector<KeyRef> refs, size_t runs);
  KeyRuns(KeyRuns&&) noexcept;
  KeyRuns& operator=(KeyRuns&&) noexcept;
  ~KeyRuns();

  size_t size() const;
  // Run i in key order; call once per run.
  std::vector<KeyRef> Sorted(size_t i);

 private:
  struct Items;
  std::unique_ptr<Items> items_;
};

}  // namespace profiled::store::rocks
