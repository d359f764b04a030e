// File: transfer.h
// `profiled import` and `profiled export` (docs/import-export.md): profiles or the objects of
// one type, as NDJSON or CSV, between a file (or stdin/stdout) and an opened store, with a
// progress line on a terminal and, for an import from a file, resumption after an interruption
// (service/import_checkpoint.h).
#pragma once

#include <cstddef>
#include <string>

#include "store/store.h"

namespace profiled {

struct TransferFlags {
  std::string account_id;
  std::string domain;
  std::string file = "-";
  size_t batch = 2000;
  std::string format;             // "ndjson" or "csv"; "" chooses by the file's extension
  std::string kind = "profiles";  // or "objects"
  std::string object_type;        // objects: the ObjectTypeName
  bool resume = false;
  bool no_progress = false;
  // The store admits no other process while this one has it (RocksDB locks its directory):
  // service::ImportOptions::sole_writer.
  bool sole_writer = false;
};

// Each prints its errors and a summary on stderr and returns the process's exit code.
int RunImport(store::Store& store, const TransferFlags& flags);
int RunExport(store::Store& store, const TransferFlags& flags);

}  // namespace profiled
