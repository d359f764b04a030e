// File: upload_body.h
// The body of the PUT to an upload job's Url, read piece by piece: the api layer hands it over
// either in memory ("Body", a small request) or, for a body the http layer spooled to a file as
// it arrived (docs/uploads.md), as that file's path ("BodyFile"), so that a 1 GB upload never
// sits in memory.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "common/result.h"

namespace profiled::service {

class UploadBody {
 public:
  virtual ~UploadBody() = default;
  // Up to `max` next bytes into *out; false at the end.
  virtual Result<bool> Next(size_t max, std::string* out) = 0;
};

// The body of a ProfiledPutUploadFile input: the file named by "BodyFile" when that is set, else
// the in-memory "Body" (read in place: `input` must outlive the result).
Result<std::unique_ptr<UploadBody>> OpenUploadBody(const boost::json::object& input);

}  // namespace profiled::service
