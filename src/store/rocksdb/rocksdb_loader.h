// File: rocksdb_loader.h
// store::RowLoader for RocksDB (`profiled snapshot load`): rows become keys (keys.h) gathered in
// runs of about `run_bytes`; each run is sorted (a run saved from a RocksDB store already is)
// and written as one SST file by rocksdb::SstFileWriter on a second thread while the next run
// fills; Finish ingests the files, moved rather than copied. Runs that ascend without
// overlapping land in the last level at once: no WAL, no memtable, no compaction, every byte
// compressed once.
#pragma once

#include <rocksdb/db.h>

#include <cstddef>
#include <memory>
#include <string>

#include "store/row_loader.h"

namespace profiled::store::rocks {

// `dir` (created, and removed when the loader goes) holds the SST files until they are
// ingested; it must be on the database's filesystem so that ingesting them is a rename.
std::unique_ptr<RowLoader> NewRocksRowLoader(rocksdb::DB& db, std::string dir, size_t run_bytes);

}  // namespace profiled::store::rocks
