// File: csv.h
// RFC 4180 CSV, read one record at a time from text already in memory: fields separated by
// commas, records by CRLF or LF, a field in double quotes may hold commas, line breaks and
// doubled quotes (""). Used for every CSV Profiled reads (workflow sources, upload jobs) and
// writes (snapshots), so that one set of quoting rules holds everywhere.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace profiled::csv {

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  // Reads the next record into `fields`; false at the end of the text. A blank line is skipped.
  // Errors: kBadRequest for a quote that is never closed or text right after a closing quote,
  // naming the record's line.
  Result<bool> Next(std::vector<std::string>& fields);
  // The line (1-based) the last record read started on.
  size_t line() const { return record_line_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t next_line_ = 1;
  size_t record_line_ = 0;
};

// `value` as one CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line
// break, or starts or ends with a space; as it is otherwise.
std::string Field(std::string_view value);

}  // namespace profiled::csv
