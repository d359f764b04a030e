// File: snapshot.h
// `profiled snapshot save|load`: a whole store as one compressed, versioned file, so that a CI
// job starts from a known data set (docs/operations.md has the format and the rules).
//
// The file is a zstd stream of: the 8 bytes "PRFDSNAP", a version byte (2), then records, each a
// tag byte and its fields:
//   'D' shared account domain kind id body      a document
//   'X' shared account domain name value ref    an index row
//   'E' documents index_rows                    the end: the counts of the records before it
// `shared` is one byte, 0..4: how many leading fields (account, domain, name, key) are those of
// the previous record of the same tag, and are left out. A string field is its length
// (unsigned LEB128) then its bytes; a count is an unsigned LEB128. Version 1 (no `shared` byte)
// is still read. Rows are store rows (store.h), whatever they mean to the service, so a snapshot
// carries everything: domains, profiles, objects, keys, statistics, history, jobs.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>

#include "common/result.h"
#include "store/store.h"

namespace profiled::snapshot {

inline constexpr char kMagic[] = "PRFDSNAP";  // 8 bytes, no terminator written
inline constexpr uint8_t kVersion = 2;        // written; 1 and 2 are read

struct Counts {
  int64_t documents = 0;
  int64_t index_rows = 0;
};

struct SaveOptions {
  int compression_level = 3;  // zstd's
  // zstd's worker threads (0: compress on the caller's thread, while it also reads the store);
  // a zstd without threads compresses on the caller's thread whatever this says.
  int threads = 2;
};

// Writes every row of `store`, read in one Read transaction (one consistent state, while the
// store keeps serving), to `out`.
Result<Counts> Save(store::Store& store, std::ostream& out, const SaveOptions& options = {});

// Fills `store` from `in`. Refuses (kBadRequest, nothing written) a store that holds any row.
// A store with a RowLoader (RocksDB) gets every row through it, visible once all are read; a file
// found damaged then leaves the store empty. Other stores get `rows_per_write` rows per Write
// transaction, and a file found damaged part way leaves the rows before the damage written (the
// error says so).
Result<Counts> Load(store::Store& store, std::istream& in, size_t rows_per_write = 20000);

}  // namespace profiled::snapshot
