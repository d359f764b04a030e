// File: kinesis_client.h
// Kinesis PutRecords and DescribeStreamSummary (JSON 1.1 protocol) over aws/http_client.h,
// SigV4-signed. A stream is named by its ARN; requests carry its StreamName (which kinesalite
// and every Kinesis-compatible server know) and are signed for the ARN's region. Without a
// configured endpoint they go to https://kinesis.{region}.amazonaws.com.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/config.h"
#include "aws/http_client.h"
#include "common/clock.h"
#include "service/destinations.h"

namespace profiled::aws {

// The parts of arn:aws:kinesis:{region}:{account}:stream/{name}.
struct StreamArn {
  std::string region;
  std::string account;
  std::string name;
};
// Error kBadRequest when `arn` is not a Kinesis data stream ARN.
Result<StreamArn> ParseStreamArn(std::string_view arn);

// Standard base64 (with padding), as the Kinesis JSON protocol carries a record's Data.
std::string Base64Encode(std::string_view bytes);

class KinesisClient final : public service::RecordStreams {
 public:
  // `config` and `clock` must outlive the client.
  KinesisClient(const AwsConfig& config, const Clock& clock);

  Result<std::vector<Status>> PutRecords(
      std::string_view stream_arn, const std::vector<service::StreamRecord>& records) override;
  Status CheckStream(std::string_view stream_arn) override;

  // DescribeStreamSummary's StreamStatus (CREATING, DELETING, ACTIVE, UPDATING).
  Result<std::string> StreamStatus(std::string_view stream_arn);

 private:
  // One call of `operation` with a JSON body; the parsed JSON answer, or the error Kinesis gave
  // (its __type and message) as kNotFound / kBadRequest / kUnavailable.
  Result<std::string> Call(const StreamArn& stream, std::string_view operation, std::string body);

  const AwsConfig& config_;
  const Clock& clock_;
  HttpClient http_;
};

}  // namespace profiled::aws
