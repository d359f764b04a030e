// File: in_memory_db.h
// A RocksDB database on RocksDB's in-memory Env, for the tests of the store's RocksDB pieces that
// need a database but not the store: nothing on disk, gone with the test.
#pragma once

#ifdef PROFILED_WITH_ROCKSDB

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <memory>
#include <string>

namespace profiled::store::rocks {

// Opens `path` with `options` (create_if_missing set) on a fresh in-memory Env, kept in `*env`,
// which must outlive `*db`.
inline rocksdb::Status OpenInMemory(rocksdb::Options options, const std::string& path,
                                    std::unique_ptr<rocksdb::Env>* env,
                                    std::unique_ptr<rocksdb::DB>* db) {
  env->reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
  options.env = env->get();
  options.create_if_missing = true;
  rocksdb::DB* opened = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &opened);
  db->reset(opened);
  return s;
}

}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
