// File: import_csv.h
// CSV records for `profiled import` (docs/import-export.md): the first row is the header, naming
// each column; every later row is one record, read in 1 MiB chunks with the upload jobs' reader
// (service/upload_csv.h), so memory stays one chunk plus one row however long the file.
//
// Columns name where a cell goes:
//   - profiles: `ProfileId`, or a profile string as an upload job's `_profile.` Target names it
//     without the prefix: `FirstName`, `Address.City`, `Attributes.<key>` (the prefixed form
//     `_profile.FirstName` is accepted too). Any other column is refused at the header.
//   - objects: a path into the object, each dot one level: `email`, `address.city` gives
//     {"email": ..., "address": {"city": ...}}. Every value is a string.
// An empty cell gives nothing (the member is absent), as in an upload job.
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "service/import_source.h"
#include "service/upload_csv.h"

namespace profiled::service {

enum class CsvShape { kProfile, kObject };

class CsvSource : public RecordSource {
 public:
  // Reads the header from the start of `in`. Errors: BadRequest for an input without a header
  // row, an empty or repeated column name, or (profiles) a column naming no profile string.
  static Result<std::unique_ptr<CsvSource>> Open(std::istream& in, CsvShape shape);

  // Continues at `start` (a position this source's input gave before, past the header): seeks
  // `in` there. Errors: BadRequest when `start` is before the end of the header.
  Status Resume(SourcePosition start);

  // Errors: BadRequest "row N: ..." for a row with another number of fields than the header,
  // or a quote never closed.
  Result<std::optional<boost::json::object>> Next() override;
  SourcePosition position() const override { return at_; }
  std::string Where() const override { return "row " + std::to_string(at_.records); }

  const std::vector<std::string>& columns() const { return columns_; }

 private:
  CsvSource(std::istream& in, CsvShape shape) : in_(in), shape_(shape) {}
  // The next CSV record; false at the end of the input.
  Result<bool> ReadRecord();

  std::istream& in_;
  CsvShape shape_;
  CsvReader reader_;
  std::vector<std::string> columns_;
  std::vector<std::string> fields_;
  int64_t header_end_ = 0;
  SourcePosition at_;
  std::string chunk_;
};

// The profile path a CSV column names ("FirstName", "Address.City", "Attributes.tier",
// "ProfileId"), or "" when it names none.
std::string ProfileColumnPath(std::string_view column);

// Sets `value` at the dotted `path` of `object` ("a.b.c": each dot one level), replacing a
// non-object in the way.
void SetObjectPath(boost::json::object& object, std::string_view path, std::string_view value);

}  // namespace profiled::service
