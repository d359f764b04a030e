// File: errors.h
// The one table from ErrorCode to the AWS error a client sees (type and HTTP status), and the
// rest-json error response: `x-amzn-ErrorType: <Type>` (botocore and the JS SDK take the code
// from this header), `x-amzn-RequestId`, and a body `{"Message": "..."}` (botocore reads
// body["message"] or body["Message"] into e.response["Error"]["Message"]).
#pragma once

#include <string_view>

#include "common/http_types.h"
#include "common/result.h"

namespace profiled::api {

struct AwsError {
  std::string_view type;  // e.g. "ResourceNotFoundException"
  int status;             // e.g. 404
};

AwsError AwsErrorFor(ErrorCode code);

HttpResponse ErrorResponse(const Error& error, std::string_view request_id);

// ThrottlingException (429), the model's answer to a request over its rate (api/quotas.h), in
// the same form. Not an ErrorCode: nothing below the api layer throttles.
inline constexpr AwsError kThrottlingException{"ThrottlingException", 429};
HttpResponse ErrorResponse(AwsError aws, std::string_view message, std::string_view request_id);

}  // namespace profiled::api
