// File: s3_client.h
// S3 PutObject, GetObject and ListObjectsV2 over aws/http_client.h, SigV4-signed (auth/signer.h).
// With an endpoint configured (s3rver, MinIO, LocalStack) requests are path-style
// (http://host:port/bucket/key), which every S3-compatible server accepts; without one they go
// to AWS virtual-hosted style (https://bucket.s3.region.amazonaws.com/key).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/config.h"
#include "aws/http_client.h"
#include "common/clock.h"
#include "service/destinations.h"

namespace profiled::aws {

class S3Client final : public service::ObjectStorage {
 public:
  // `config` and `clock` must outlive the client.
  S3Client(const AwsConfig& config, const Clock& clock);

  Status PutObject(std::string_view bucket, std::string_view key, std::string_view body,
                   std::string_view content_type) override;
  Result<std::string> GetObject(std::string_view bucket, std::string_view key) override;
  Result<std::vector<std::string>> ListObjects(std::string_view bucket,
                                               std::string_view prefix) override;

 private:
  // Signs and sends; an S3 error response becomes an Error naming `what` and S3's code.
  Result<HttpResponse> Call(std::string_view method, std::string_view bucket, std::string_view key,
                            std::string_view query, std::string body, HeaderList headers,
                            std::string_view what);

  const AwsConfig& config_;
  const Clock& clock_;
  HttpClient http_;
};

// The text of the first <tag>...</tag> in `xml`, XML entities decoded; "" when absent. S3's
// responses are flat enough that this is all the XML Profiled reads.
std::string XmlText(std::string_view xml, std::string_view tag, size_t* pos = nullptr);

}  // namespace profiled::aws
