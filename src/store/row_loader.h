// File: row_loader.h
// An optional side of a store (`profiled snapshot load`, snapshot/snapshot.h): filling an empty
// store faster than Write transactions do. A store that has it also derives from BulkLoadable
// (found with dynamic_cast), so store.h, which everything includes, stays as it is.
#pragma once

#include <memory>

#include "common/result.h"
#include "store/store.h"

namespace profiled::store {

// Rows come in any order (fastest in ForEachRow's) and are visible once Finish returns OK.
// Nothing else may use the store meanwhile. A failed Finish may leave some rows written, as a
// load through Write transactions does; a loader destroyed without Finish writes nothing.
class RowLoader {
 public:
  virtual ~RowLoader() = default;
  virtual Status Add(const Row& row) = 0;
  virtual Status Finish() = 0;
};

class BulkLoadable {
 public:
  virtual ~BulkLoadable() = default;
  // A loader for this (empty) store, or null when it cannot take one (a read-only instance).
  virtual std::unique_ptr<RowLoader> NewRowLoader() = 0;
};

// The store's loader, or null when it has none (then load through Write).
inline std::unique_ptr<RowLoader> NewRowLoader(Store& store) {
  auto* loadable = dynamic_cast<BulkLoadable*>(&store);
  return loadable != nullptr ? loadable->NewRowLoader() : nullptr;
}

}  // namespace profiled::store
