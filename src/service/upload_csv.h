// File: upload_csv.h
// An incremental CSV reader (RFC 4180: comma-separated, fields optionally in double quotes, a
// doubled quote inside quotes is one quote, records end at LF or CRLF, a quoted field may hold
// both) for upload jobs, which read a file chunk by chunk and must resume at a record boundary:
// the reader tells the byte offset just past each record it returns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace profiled::service {

class CsvReader {
 public:
  // `base`: the byte offset in the file of the first byte fed.
  explicit CsvReader(int64_t base = 0) : base_(base) {}

  // Appends the next bytes of the file.
  void Feed(std::string_view data);
  // Says that no more bytes follow: a last record without a line end is then complete.
  void Finish() { finished_ = true; }

  enum class Next {
    kRecord,    // *fields holds the next record
    kNeedMore,  // the next record is not complete yet: Feed (or Finish) first
    kEnd,       // every record has been returned
    kMalformed  // the rest of the input cannot be read (a quote never closed); the reader is at
                // kEnd afterwards
  };
  // Lines holding nothing at all are skipped (not records).
  Next Read(std::vector<std::string>* fields);

  // The file offset just past the last record returned (where reading would resume).
  int64_t offset() const { return base_ + static_cast<int64_t>(pos_); }

 private:
  std::string buf_;
  size_t pos_ = 0;  // start of the next record in buf_
  int64_t base_;    // file offset of buf_[0]
  bool finished_ = false;
};

// Splits one complete CSV line (the header row, say) into fields; false when malformed.
bool ParseCsvLine(std::string_view line, std::vector<std::string>* fields);

}  // namespace profiled::service
