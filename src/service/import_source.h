// File: import_source.h
// What `profiled import` reads records from: an NDJSON file (one JSON object a line) or a CSV file
// (a header row naming the columns, one record a row), each record handed over as a JSON object
// together with where it ends in the input, so that an import can record the position of its
// last committed batch and resume there (docs/import-export.md).
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace profiled::service {

// A place in the input: the byte offset just past a record, and how many records (NDJSON: lines,
// blank ones included; CSV: data rows, the header not counted) come before that offset.
struct SourcePosition {
  int64_t offset = 0;
  int64_t records = 0;
};

// How much a source reads from its stream at a time.
inline constexpr size_t kSourceReadBytes = 1 << 20;

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // The next record, or nullopt at the end of the input. Errors: BadRequest naming the record
  // ("line 12: not a JSON object") for one that cannot be read.
  virtual Result<std::optional<boost::json::object>> Next() = 0;
  // Where the last record returned ends.
  virtual SourcePosition position() const = 0;
  // Names the last record returned, for messages: "line 12", "row 12".
  virtual std::string Where() const = 0;
  // The last record's text as the input holds it when it is one JSON text (NDJSON), else "".
  virtual std::string_view Raw() const { return {}; }
};

}  // namespace profiled::service
