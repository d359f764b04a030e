// File: destinations.h
// What the services send outside Profiled, as two small interfaces that main fills with the AWS
// clients of src/aws/ (S3 and Kinesis, signed with SigV4, at the endpoints --s3-endpoint and
// --kinesis-endpoint name; docs/aws-endpoints.md). The service layer stays free of HTTP: it
// sees buckets, keys, stream ARNs and records.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace profiled::service {

// S3 or any S3-compatible store. Errors: kNotFound (no such bucket or key), kBadRequest (the
// store refused the request: access denied, bad name...), kUnavailable (unreachable, 5xx, no
// credentials configured); every message names the s3:// URI and S3's error code.
class ObjectStorage {
 public:
  virtual ~ObjectStorage() = default;
  virtual Status PutObject(std::string_view bucket, std::string_view key, std::string_view body,
                           std::string_view content_type) = 0;
  virtual Result<std::string> GetObject(std::string_view bucket, std::string_view key) = 0;
  // Every key under `prefix`, in S3's order (ListObjectsV2, all pages).
  virtual Result<std::vector<std::string>> ListObjects(std::string_view bucket,
                                                       std::string_view prefix) = 0;
};

// A record for a Kinesis data stream.
struct StreamRecord {
  std::string data;           // the record's bytes (sent base64-encoded)
  std::string partition_key;  // records of one key go to one shard, in order
};

// Kinesis or any Kinesis-compatible service, addressed by stream ARN.
class RecordStreams {
 public:
  virtual ~RecordStreams() = default;
  // One PutRecords call (at most 500 records). The outer error is the call's (unreachable,
  // refused, no such stream); otherwise one Status per record, in order: OK, or the error
  // Kinesis gave that record (ProvisionedThroughputExceededException...), to be sent again.
  virtual Result<std::vector<Status>> PutRecords(std::string_view stream_arn,
                                                 const std::vector<StreamRecord>& records) = 0;
  // OK when the stream exists and accepts records (ACTIVE or UPDATING); otherwise why not.
  virtual Status CheckStream(std::string_view stream_arn) = 0;
};

// Null members: not available (service tests that send nothing).
struct Destinations {
  ObjectStorage* objects = nullptr;
  RecordStreams* streams = nullptr;
};

}  // namespace profiled::service
