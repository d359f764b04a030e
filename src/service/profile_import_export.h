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
#include <istream>
#include <ostream>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace profiled::service {

struct ImportOptions {
  std::string account_id;
  std::string domain;
  size_t batch = 2000;  // profiles per store transaction
};

struct ImportStats {
  int64_t imported = 0;
  int64_t replaced = 0;  // of `imported`, those whose ProfileId already existed
};

// Errors: BadRequest naming the line for a line that is not a JSON object or holds an empty
// string member; NotFound when the domain does not exist. Batches committed before an error stay.
Result<ImportStats> ImportProfiles(store::Store& store, const Clock& clock,
                                   const ImportOptions& options, std::istream& in);

// Writes every profile of the domain, in ProfileId order; returns how many.
Result<int64_t> ExportProfiles(store::Store& store, std::string_view account_id,
                               std::string_view domain, std::ostream& out);

}  // namespace profiled::service
