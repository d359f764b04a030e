// File: rocksdb_serving_store.h
// A RocksDB store in a test's directory, opened as `profiled serve` opens it: the writer keeps
// every kind of document and the index lookups' refs (committed_docs.h).
#pragma once

#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>

#include <memory>

#include "store/rocksdb/rocksdb_store.h"
#include "store/temp_dir.h"

namespace profiled::store::rocks {

// Null, with a test failure, if it does not open.
inline std::unique_ptr<Store> OpenServingStore(const TempDir& dir) {
  RocksdbOptions options;
  options.path = (dir.path() / "db").string();
  options.kept_kinds = {"*"};
  options.kept_index_refs = true;
  auto opened = OpenRocksdbStore(options);
  if (!opened.ok()) {
    ADD_FAILURE() << opened.error().message();
    return nullptr;
  }
  return std::move(opened).value();
}

}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
