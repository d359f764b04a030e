#include "service/import_csv.h"

#include <set>

#include "service/profile_patch.h"
#include "service/upload_job.h"

namespace profiled::service {
namespace json = boost::json;

std::string ProfileColumnPath(std::string_view column) {
  if (column == "ProfileId") return std::string(column);
  if (std::string path = UploadTargetPath(column); !path.empty()) return path;
  return UploadTargetPath(std::string("_profile.").append(column));
}

void SetObjectPath(json::object& object, std::string_view path, std::string_view value) {
  json::object* at = &object;
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.')) {
    json::value& inner = (*at)[path.substr(0, dot)];
    if (!inner.is_object()) inner = json::object();
    at = &inner.get_object();
    path.remove_prefix(dot + 1);
  }
  (*at)[path] = value;
}

Result<bool> CsvSource::ReadRecord() {
  for (;;) {
    switch (reader_.Read(&fields_)) {
      case CsvReader::Next::kRecord:
        return true;
      case CsvReader::Next::kEnd:
        return false;
      case CsvReader::Next::kMalformed:
        ++at_.records;
        return Error::BadRequest(Where() + ": a quoted field is never closed");
      case CsvReader::Next::kNeedMore:
        chunk_.resize(kSourceReadBytes);
        in_.read(chunk_.data(), static_cast<std::streamsize>(chunk_.size()));
        chunk_.resize(static_cast<size_t>(in_.gcount()));
        if (chunk_.empty()) {
          reader_.Finish();
        } else {
          reader_.Feed(chunk_);
        }
        break;
    }
  }
}

Result<std::unique_ptr<CsvSource>> CsvSource::Open(std::istream& in, CsvShape shape) {
  std::unique_ptr<CsvSource> source(new CsvSource(in, shape));
  auto header = source->ReadRecord();
  if (!header.ok()) return Error::BadRequest("the header row has a quoted field never closed");
  if (!*header) return Error::BadRequest("the CSV input is empty: its first row must be a header");
  std::set<std::string> seen;
  for (size_t i = 0; i < source->fields_.size(); ++i) {
    std::string& name = source->fields_[i];
    std::string column = "column " + std::to_string(i + 1) + " of the header";
    if (name.empty()) return Error::BadRequest(column + " is empty");
    if (shape == CsvShape::kProfile) {
      std::string path = ProfileColumnPath(name);
      if (path.empty()) {
        return Error::BadRequest(column + " '" + name +
                                 "' names no profile attribute: use ProfileId, a member such as "
                                 "FirstName, Address.City or Attributes.<key>");
      }
      name = path;
    }
    if (!seen.insert(name).second) {
      return Error::BadRequest(column + " '" + name + "' repeats an earlier column");
    }
  }
  source->columns_ = std::move(source->fields_);
  source->header_end_ = source->reader_.offset();
  source->at_ = {source->header_end_, 0};
  return source;
}

Status CsvSource::Resume(SourcePosition start) {
  if (start.offset < header_end_) {
    return Error::BadRequest("cannot resume at byte " + std::to_string(start.offset) +
                             ", inside the header");
  }
  in_.clear();
  in_.seekg(start.offset);
  if (!in_) return Error::BadRequest("cannot seek to byte " + std::to_string(start.offset));
  reader_ = CsvReader(start.offset);
  at_ = start;
  return OkStatus();
}

Result<std::optional<json::object>> CsvSource::Next() {
  ASSIGN_OR_RETURN(bool more, ReadRecord());
  if (!more) return std::optional<json::object>();
  ++at_.records;
  at_.offset = reader_.offset();
  if (fields_.size() != columns_.size()) {
    return Error::BadRequest(Where() + ": has " + std::to_string(fields_.size()) +
                             " fields where the header has " + std::to_string(columns_.size()));
  }
  json::object record;
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (fields_[i].empty()) continue;
    if (shape_ == CsvShape::kProfile) {
      SetProfileString(record, columns_[i], fields_[i]);
    } else {
      SetObjectPath(record, columns_[i], fields_[i]);
    }
  }
  return std::optional<json::object>(std::move(record));
}

}  // namespace profiled::service
