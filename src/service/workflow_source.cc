#include "service/workflow_source.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <system_error>

#include "common/csv.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Result<SourceRecord> RecordOf(const json::value& value, std::string_view key, size_t where) {
  if (!value.is_object()) {
    return Error::BadRequest("s3 object " + std::string(key) + ": record " + std::to_string(where) +
                             " is not a JSON object");
  }
  SourceRecord record;
  for (const auto& kv : value.get_object()) {
    if (kv.value().is_null()) continue;
    record[kv.key()] =
        kv.value().is_string() ? std::string(kv.value().get_string()) : json::serialize(kv.value());
  }
  return record;
}

Result<std::vector<SourceRecord>> ParseJson(std::string_view key, std::string_view body) {
  std::vector<SourceRecord> out;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '[') {
    std::error_code ec;
    json::value all = json::parse(body, ec);
    if (ec || !all.is_array()) {
      return Error::BadRequest("s3 object " + std::string(key) + " is not a JSON array");
    }
    for (size_t i = 0; i < all.get_array().size(); ++i) {
      ASSIGN_OR_RETURN(SourceRecord r, RecordOf(all.get_array()[i], key, i + 1));
      out.push_back(std::move(r));
    }
    return out;
  }
  size_t line = 0, pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view text = body.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    std::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec) {
      return Error::BadRequest("s3 object " + std::string(key) + ": line " + std::to_string(line) +
                               " is not JSON");
    }
    ASSIGN_OR_RETURN(SourceRecord r, RecordOf(value, key, line));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<SourceRecord>> ParseCsv(std::string_view key, std::string_view body) {
  csv::Reader reader(body);
  std::vector<std::string> header, fields;
  std::vector<SourceRecord> out;
  auto named = [&](Error e) {
    return Error::BadRequest("s3 object " + std::string(key) + ": " + e.message());
  };
  auto has_header = reader.Next(header);
  if (!has_header.ok()) return named(has_header.error());
  if (!*has_header) return out;
  while (true) {
    auto more = reader.Next(fields);
    if (!more.ok()) return named(more.error());
    if (!*more) break;
    if (fields.size() != header.size()) {
      return Error::BadRequest("s3 object " + std::string(key) + ": the record at line " +
                               std::to_string(reader.line()) + " has " +
                               std::to_string(fields.size()) + " fields; the header has " +
                               std::to_string(header.size()));
    }
    SourceRecord record;
    for (size_t i = 0; i < header.size(); ++i) {
      if (!fields[i].empty()) record[header[i]] = std::move(fields[i]);
    }
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace

Result<std::vector<SourceRecord>> ParseSourceRecords(std::string_view key, std::string_view body) {
  if (key.ends_with(".csv")) return ParseCsv(key, body);
  if (key.ends_with(".json") || key.ends_with(".jsonl") || key.ends_with(".ndjson")) {
    return ParseJson(key, body);
  }
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (body[first] == '{' || body[first] == '[')) {
    return ParseJson(key, body);
  }
  return ParseCsv(key, body);
}

}  // namespace profiled::service
