#include "service/import_ndjson.h"

#include <boost/json/parse.hpp>
#include <cstring>

namespace profiled::service {
namespace json = boost::json;

bool NdjsonSource::NextLine(std::string_view* line) {
  for (;;) {
    const char* found =
        static_cast<const char*>(std::memchr(buf_.data() + scan_, '\n', buf_.size() - scan_));
    if (found || (eof_ && pos_ < buf_.size())) {
      size_t end = found ? static_cast<size_t>(found - buf_.data()) : buf_.size();
      size_t next = found ? end + 1 : end;
      *line = std::string_view(buf_).substr(pos_, end - pos_);
      if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
      at_.offset += static_cast<int64_t>(next - pos_);
      ++at_.records;
      pos_ = scan_ = next;
      return true;
    }
    if (eof_) return false;
    // Keep only the unfinished line, then read the next chunk after it.
    buf_.erase(0, pos_);
    scan_ = buf_.size();
    pos_ = 0;
    size_t have = buf_.size();
    buf_.resize(have + kSourceReadBytes);
    in_.read(buf_.data() + have, static_cast<std::streamsize>(kSourceReadBytes));
    buf_.resize(have + static_cast<size_t>(in_.gcount()));
    if (buf_.size() == have) eof_ = true;
  }
}

Result<std::optional<json::object>> NdjsonSource::Next() {
  std::string_view line;
  while (NextLine(&line)) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    raw_ = line;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) return Error::BadRequest(Where() + ": not a JSON object");
    return std::optional<json::object>(std::move(v.as_object()));
  }
  raw_ = {};
  return std::optional<json::object>();
}

}  // namespace profiled::service
