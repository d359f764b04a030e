#include "api/errors.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace profiled::api {

AwsError AwsErrorFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return {"BadRequestException", 400};
    case ErrorCode::kNotFound: return {"ResourceNotFoundException", 404};
    case ErrorCode::kAccessDenied: return {"AccessDeniedException", 403};
    case ErrorCode::kThrottling: return {"ThrottlingException", 429};
    case ErrorCode::kInternal: return {"InternalServerException", 500};
    case ErrorCode::kUnavailable: return {"InternalServerException", 503};
    // The store retries lost races itself; one that still surfaces is our failure.
    case ErrorCode::kConflict: return {"InternalServerException", 500};
    case ErrorCode::kNotImplemented: return {"NotImplementedException", 501};
    case ErrorCode::kUnknownOperation: return {"UnknownOperationException", 404};
    case ErrorCode::kPayloadTooLarge: return {"RequestEntityTooLargeException", 413};
    case ErrorCode::kMissingAuthenticationToken:
      return {"MissingAuthenticationTokenException", 403};
    case ErrorCode::kInvalidSignature: return {"InvalidSignatureException", 403};
    case ErrorCode::kUnrecognizedClient: return {"UnrecognizedClientException", 403};
  }
  return {"InternalServerException", 500};
}

HttpResponse ErrorResponse(const Error& error, std::string_view request_id) {
  AwsError aws = AwsErrorFor(error.code());
  HttpResponse response;
  response.status = aws.status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.headers.emplace_back("x-amzn-ErrorType", std::string(aws.type));
  response.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  boost::json::object body;
  body["Message"] = error.message();
  response.body = boost::json::serialize(body);
  return response;
}

}  // namespace profiled::api
