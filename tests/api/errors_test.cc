#include "api/errors.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace profiled::api {
namespace {

std::string MessageOf(const HttpResponse& r) {
  return std::string(boost::json::parse(r.body).as_object().at("Message").as_string());
}

TEST(ErrorResponse, CarriesTypeStatusAndMessage) {
  HttpResponse r = ErrorResponse(Error::NotFound("Domain d1 does not exist"), "rid");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(*FindHeader(r.headers, "x-amzn-errortype"), "ResourceNotFoundException");
  EXPECT_EQ(*FindHeader(r.headers, "x-amzn-requestid"), "rid");
  EXPECT_EQ(MessageOf(r), "Domain d1 does not exist");
}

TEST(ErrorResponse, ReplacesIllFormedUtf8SoTheBodyStaysUtf8) {
  // Boost.JSON's parser rejects invalid UTF-8, so parsing proves the body is valid.
  HttpResponse r = ErrorResponse(Error::BadRequest("Value '\xAA\xFF' at 'DomainName'"), "r");
  EXPECT_EQ(MessageOf(r), "Value '\xEF\xBF\xBD\xEF\xBF\xBD' at 'DomainName'");
  // Well-formed multi-byte characters pass unchanged; overlong and surrogate forms do not.
  EXPECT_EQ(MessageOf(ErrorResponse(Error::BadRequest("Zoë 東京 😀"), "r")), "Zoë 東京 😀");
  EXPECT_EQ(MessageOf(ErrorResponse(Error::BadRequest("\xC0\xAF"), "r")),
            "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(MessageOf(ErrorResponse(Error::BadRequest("\xED\xA0\x80"), "r")),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(MessageOf(ErrorResponse(Error::BadRequest("cut \xE6\x9D"), "r")),
            "cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace profiled::api
