// File: snapshot_sink.h
// Where CreateSegmentSnapshot writes a segment's members: one object per snapshot, named by the
// caller, under the request's DestinationUri. The object appears whole or not at all: nothing is
// visible before Finish.
//
//   file:///absolute/dir   a local extension of Profiled: the file dir/<name>, written to a
//                          temporary name beside it and renamed (the directory is created)
//   s3://bucket/prefix     AWS's form; not written by this build yet (see ValidateDestination)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace profiled::service {

class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
  // Makes the object visible; a sink destroyed before Finish leaves nothing behind.
  virtual Status Finish() = 0;
};

// BadRequest naming DestinationUri when it is not a destination this build can write.
Status ValidateDestination(std::string_view uri);

// The sink of object `name` under `uri` (which ValidateDestination accepted).
Result<std::unique_ptr<SnapshotSink>> OpenSnapshotSink(std::string_view uri, std::string_view name);

}  // namespace profiled::service
