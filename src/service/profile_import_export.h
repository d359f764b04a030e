// File: profile_import_export.h
// Bulk profile transfer for `profiled import` / `profiled export`: NDJSON, one profile per line,
// in the shape clients see (GetProfile's / SearchProfiles' Profile members, internal ones never).
//
// Import writes each profile exactly as CreateProfile does (the same document, search-key and
// attribute index rows, and a CREATED history record; an existing ProfileId is replaced as
// UpdateProfile would leave it) but commits `batch` profiles per store transaction, which is
// what makes loading a million profiles take tens of seconds rather than the HTTP path's minutes.
// A line without ProfileId gets a new id. The domain must exist.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "service/import_source.h"
#include "store/store.h"

namespace profiled::service {

struct ImportStats {
  int64_t imported = 0;
  int64_t replaced = 0;  // of `imported`, those whose ProfileId already existed
};

struct ImportOptions {
  std::string account_id;
  std::string domain;
  size_t batch = 2000;  // profiles per store transaction
  // Nothing else writes to the store while the import runs (RocksDB's lock says so). If the
  // domain then has no profile at the start, a line's ProfileId that no earlier line gave is new
  // and is not looked up: in a bulk load that read goes through every file the load has written.
  bool sole_writer = false;
  // Optional. Runs inside each batch's write transaction (again if the store retries it), told
  // where the batch's last record ends: a resumable import records its position there, so that
  // the position and the rows commit together (service/import_checkpoint.h).
  std::function<Status(store::Txn&, const SourcePosition&)> in_batch = {};
  // Optional. Called after each batch commits, in order, with where the batch ended and the
  // totals so far (progress on a terminal).
  std::function<void(const SourcePosition&, const ImportStats&)> committed = {};
};

// Imports every record of `source` (NDJSON lines or CSV rows, each a profile in the public
// shape). Errors: BadRequest naming the record for one that is not a JSON object or holds an
// empty string member; NotFound when the domain does not exist. Batches committed before an error
// stay.
Result<ImportStats> ImportProfiles(store::Store& store, const Clock& clock,
                                   const ImportOptions& options, RecordSource& source);
// The same over NDJSON text (service/import_ndjson.h).
Result<ImportStats> ImportProfiles(store::Store& store, const Clock& clock,
                                   const ImportOptions& options, std::istream& in);

// Writes every profile of the domain as NDJSON, in ProfileId order (service/export_records.h);
// returns how many.
Result<int64_t> ExportProfiles(store::Store& store, std::string_view account_id,
                               std::string_view domain, std::ostream& out);

}  // namespace profiled::service
