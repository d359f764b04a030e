// File: export_records.h
// `profiled export` (docs/import-export.md): a domain's profiles, or its objects of one type, as
// NDJSON (one JSON object a line) or CSV (a header row, then one row each), written page by page
// (one read transaction per 1,000 records, so a long export pins no snapshot) in constant memory.
//
//   - profiles NDJSON: each profile as GetProfile shows it (internal members never);
//   - profiles CSV: the columns `profiled import` reads back: ProfileId, then each string member,
//     address field and Attributes key that some profile has (a first pass finds which), in the
//     model's order (Attributes keys sorted); members that are not strings
//     (EngagementPreferences) have no column and are reported in ExportStats::dropped;
//   - objects NDJSON: each object's Object (as PutProfileObject received it, on one line), in
//     ProfileObjectUniqueKey order;
//   - objects CSV: one column per leaf path of the objects ("address.city"; an array is one
//     cell of JSON text), in the order a first pass meets them.
// The two-pass forms read the data twice: a record added between the passes may lack a column.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <set>
#include <string>

#include "common/result.h"
#include "store/store.h"

namespace profiled::service {

struct ExportOptions {
  std::string account_id = {};
  std::string domain = {};
  bool objects = false;          // else profiles
  bool csv = false;              // else NDJSON
  std::string object_type = {};  // objects only
  // Optional: called every so often with the records written so far.
  std::function<void(int64_t written)> progress = {};
};

struct ExportStats {
  int64_t records = 0;
  std::set<std::string> dropped;  // profile members CSV has no column for
};

// How many records an export of `options` writes (for progress): the domain's profile count, or
// the type's object count. Errors: NotFound for an unknown domain.
Result<int64_t> CountExportRecords(store::Store& store, const ExportOptions& options);

// Errors: NotFound for an unknown domain; Internal when writing fails.
Result<ExportStats> ExportRecords(store::Store& store, const ExportOptions& options,
                                  std::ostream& out);

}  // namespace profiled::service
