#include "service/upload_csv.h"

namespace profiled::service {

void CsvReader::Feed(std::string_view data) {
  // Drop what has been returned once it is most of the buffer, so memory stays one record plus
  // one chunk however long the file.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    base_ += static_cast<int64_t>(pos_);
    pos_ = 0;
  }
  buf_.append(data);
}

CsvReader::Next CsvReader::Read(std::vector<std::string>* fields) {
  for (;;) {
    fields->clear();
    size_t i = pos_;
    const size_t n = buf_.size();
    if (i >= n) return finished_ ? Next::kEnd : Next::kNeedMore;
    std::string field;
    bool any = false;  // the record has a character other than its line end
    for (;;) {
      if (i >= n) {
        if (!finished_) return Next::kNeedMore;
        // End of input ends the record.
        if (any) fields->push_back(std::move(field));
        pos_ = n;
        if (!any) return Next::kEnd;
        return Next::kRecord;
      }
      char c = buf_[i];
      if (c == '"' && field.empty()) {
        // A quoted field: up to the closing quote, "" being one quote.
        any = true;
        size_t j = i + 1;
        bool closed = false;
        while (j < n) {
          if (buf_[j] == '"') {
            if (j + 1 < n && buf_[j + 1] == '"') {
              field.push_back('"');
              j += 2;
              continue;
            }
            if (j + 1 >= n && !finished_) break;  // "" may continue in the next chunk
            closed = true;
            ++j;
            break;
          }
          field.push_back(buf_[j]);
          ++j;
        }
        if (!closed) {
          if (!finished_) return Next::kNeedMore;
          pos_ = n;
          fields->clear();
          return Next::kMalformed;
        }
        i = j;
        // Characters after the closing quote up to the separator are kept, as most readers do.
        continue;
      }
      if (c == ',') {
        any = true;
        fields->push_back(std::move(field));
        field.clear();
        ++i;
        continue;
      }
      if (c == '\n' || c == '\r') {
        size_t end = i + 1;
        if (c == '\r') {
          if (end >= n && !finished_) return Next::kNeedMore;
          if (end < n && buf_[end] == '\n') ++end;
        }
        pos_ = end;
        if (!any) break;  // an empty line: not a record
        fields->push_back(std::move(field));
        return Next::kRecord;
      }
      any = true;
      field.push_back(c);
      ++i;
    }
  }
}

bool ParseCsvLine(std::string_view line, std::vector<std::string>* fields) {
  CsvReader reader;
  reader.Feed(line);
  reader.Finish();
  return reader.Read(fields) == CsvReader::Next::kRecord;
}

}  // namespace profiled::service
