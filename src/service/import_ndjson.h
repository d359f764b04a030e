// File: import_ndjson.h
// NDJSON records for `profiled import`: one JSON object a line (LF or CRLF), blank lines skipped,
// read in 1 MiB chunks so that memory stays one chunk plus one line however long the file.
#pragma once

#include <istream>
#include <string>

#include "service/import_source.h"

namespace profiled::service {

class NdjsonSource : public RecordSource {
 public:
  // `in` is at byte `start.offset` of the input, which `start.records` lines precede (a resumed
  // import seeks there first).
  explicit NdjsonSource(std::istream& in, SourcePosition start = {}) : in_(in), at_(start) {}

  // Errors: BadRequest "line N: not a JSON object".
  Result<std::optional<boost::json::object>> Next() override;
  SourcePosition position() const override { return at_; }
  std::string Where() const override { return "line " + std::to_string(at_.records); }
  std::string_view Raw() const override { return raw_; }

 private:
  // The next line without its line end; false at the end of the input.
  bool NextLine(std::string_view* line);

  std::istream& in_;
  std::string buf_;
  size_t pos_ = 0;   // start of the next line in buf_
  size_t scan_ = 0;  // buf_[pos_, scan_) holds no line end
  bool eof_ = false;
  SourcePosition at_;
  std::string_view raw_;
};

}  // namespace profiled::service
