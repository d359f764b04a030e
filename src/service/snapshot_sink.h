// File: snapshot_sink.h
// Where CreateSegmentSnapshot writes a segment's members: one object per snapshot, named by the
// caller, under the request's DestinationUri. The object appears whole or not at all: nothing is
// visible before Finish.
//
//   s3://bucket[/prefix]   AWS's form: the object prefix/<name> in the bucket, written with one
//                          PutObject through the S3 API of the configured endpoint
//                          (service/destinations.h; --s3-endpoint / AWS_ENDPOINT_URL_S3)
//   file:///absolute/dir   a local extension of Profiled: the file dir/<name>, written to a
//                          temporary name beside it and renamed (the directory is created)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace profiled::service {

class ObjectStorage;

class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
  // Makes the object visible; a sink destroyed before Finish leaves nothing behind.
  virtual Status Finish() = 0;
};

// BadRequest naming DestinationUri when it is not a destination this process can write (`s3` is
// the S3 client, null when the process has none).
Status ValidateDestination(std::string_view uri, const ObjectStorage* s3);

// The sink of object `name` (of `content_type`) under `uri`, which ValidateDestination accepted.
Result<std::unique_ptr<SnapshotSink>> OpenSnapshotSink(std::string_view uri, std::string_view name,
                                                       std::string_view content_type,
                                                       ObjectStorage* s3);

}  // namespace profiled::service
