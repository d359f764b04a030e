// File: snapshot.h
// `profiled snapshot save|load`: a whole store as one compressed, versioned file, so that a CI
// job starts from a known data set (docs/operations.md has the format and the rules).
//
// The file is a zstd stream of: the 8 bytes "PRFDSNAP", a version byte (1), then records, each a
// tag byte and its fields:
//   'D' account domain kind id body      a document
//   'X' account domain name value ref    an index row
//   'E' documents index_rows             the end: the counts of the records before it
// A string field is its length (unsigned LEB128) then its bytes; a count is an unsigned LEB128.
// Rows are store rows (store.h), whatever they mean to the service, so a snapshot carries
// everything: domains, profiles, objects, keys, statistics, history, jobs.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>

#include "common/result.h"
#include "store/store.h"

namespace profiled::snapshot {

inline constexpr char kMagic[] = "PRFDSNAP";  // 8 bytes, no terminator written
inline constexpr uint8_t kVersion = 1;

struct Counts {
  int64_t documents = 0;
  int64_t index_rows = 0;
};

// Writes every row of `store`, read in one Read transaction (one consistent state, while the
// store keeps serving), to `out`.
Result<Counts> Save(store::Store& store, std::ostream& out, int compression_level = 3);

// Fills `store` from `in`. Refuses (kBadRequest, nothing written) a store that holds any row.
// Rows are written `rows_per_write` to a Write transaction; a file found damaged part way leaves
// the rows before the damage written, and the error says so.
Result<Counts> Load(store::Store& store, std::istream& in, size_t rows_per_write = 20000);

}  // namespace profiled::snapshot
