// File: workflow_source.h
// The records of one object an integration workflow reads from its S3 source: CSV with a header
// row (the header names the fields), JSON Lines (one object per line) or one JSON array of
// objects, told apart by the key's extension (.csv; .json, .jsonl, .ndjson) or else by the
// first character of the body. A JSON value that is not a string becomes its JSON text; null
// leaves the field out.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/workflow_tasks.h"

namespace profiled::service {

// Errors: kBadRequest naming the key and the line that cannot be read.
Result<std::vector<SourceRecord>> ParseSourceRecords(std::string_view key, std::string_view body);

}  // namespace profiled::service
