// File: import_objects.h
// `profiled import --kind objects`: profile objects of one object type, each put exactly as
// PutProfileObject puts it (the type's keys, its field mappings into the profile, attaching to
// the profile its keys find or creating one when the type allows it, history records, domain
// stats, MaxProfileObjectCount), `batch` objects per store transaction. An object whose unique
// key is already stored replaces it, as PutProfileObject does, so re-importing is idempotent.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "service/import_source.h"
#include "store/store.h"

namespace profiled::service {

struct ObjectImportOptions {
  std::string account_id = {};
  std::string domain = {};
  std::string object_type = {};  // an object type of the domain, or a template's id (as AWS allows)
  size_t batch = 500;            // objects per store transaction
  // As ImportOptions' (service/profile_import_export.h).
  std::function<Status(store::Txn&, const SourcePosition&)> in_batch = {};
  std::function<void(const SourcePosition&, int64_t imported)> committed = {};
};

// Puts every record of `source` (its text as the Object: an NDJSON line as it is, a CSV row
// serialised). Errors: what PutProfileObject answers for the object (BadRequest for missing keys
// or no profile to attach to, NotFound for an unknown type), prefixed with the record
// ("line 12: ..."); NotFound when the domain does not exist. The batch holding a bad record is
// not written; the batches before it stay.
Result<int64_t> ImportObjects(store::Store& store, const Clock& clock,
                              const ObjectImportOptions& options, RecordSource& source);

}  // namespace profiled::service
