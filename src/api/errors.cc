#include "api/errors.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <string>

namespace profiled::api {

AwsError AwsErrorFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return {"BadRequestException", 400};
    case ErrorCode::kNotFound:
      return {"ResourceNotFoundException", 404};
    case ErrorCode::kInternal:
      return {"InternalServerException", 500};
    case ErrorCode::kUnavailable:
      return {"InternalServerException", 503};
    // The store retries lost races itself; one that still surfaces is our failure.
    case ErrorCode::kConflict:
      return {"InternalServerException", 500};
    case ErrorCode::kNotImplemented:
      return {"NotImplementedException", 501};
    case ErrorCode::kUnknownOperation:
      return {"UnknownOperationException", 404};
    // The two limits the http server enforces before any operation is known; not in the model.
    case ErrorCode::kPayloadTooLarge:
      return {"RequestEntityTooLargeException", 413};
    case ErrorCode::kHeadersTooLarge:
      return {"RequestHeaderFieldsTooLarge", 431};
    case ErrorCode::kMissingAuthenticationToken:
      return {"MissingAuthenticationTokenException", 403};
    case ErrorCode::kInvalidSignature:
      return {"InvalidSignatureException", 403};
    case ErrorCode::kUnrecognizedClient:
      return {"UnrecognizedClientException", 403};
  }
  return {"InternalServerException", 500};
}

namespace {

// Messages may echo request bytes (a percent-decoded label, say); a JSON body must be UTF-8, so
// any ill-formed sequence becomes U+FFFD rather than breaking the client's decoder.
std::string ValidUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    auto b = static_cast<unsigned char>(in[i]);
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xe  ? 3
                 : (b >> 3) == 0x1e ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= in.size();
    uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      auto c = static_cast<unsigned char>(in[i + k]);
      ok = (c >> 6) == 0x2;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Reject overlong forms, surrogates and code points past U+10FFFF.
    if (ok) {
      ok = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000) &&
           !(cp >= 0xd800 && cp <= 0xdfff) && cp <= 0x10ffff;
    }
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

}  // namespace

HttpResponse ErrorResponse(const Error& error, std::string_view request_id) {
  return ErrorResponse(AwsErrorFor(error.code()), error.message(), request_id);
}

HttpResponse ErrorResponse(AwsError aws, std::string_view message, std::string_view request_id) {
  HttpResponse response;
  response.status = aws.status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.headers.emplace_back("x-amzn-ErrorType", std::string(aws.type));
  response.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  boost::json::object body;
  body["Message"] = ValidUtf8(message);
  response.body = boost::json::serialize(body);
  return response;
}

}  // namespace profiled::api
