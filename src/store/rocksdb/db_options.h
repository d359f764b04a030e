// File: db_options.h
// RocksDB's tuning for this store, in one place (the reasons are in docs/store.md).
#pragma once

#include <rocksdb/options.h>

#include "store/rocksdb/rocksdb_store.h"

namespace profiled::store::rocks {

rocksdb::Options MakeDbOptions(const RocksdbOptions& options);

}  // namespace profiled::store::rocks
