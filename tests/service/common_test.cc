#include "service/common.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

namespace profiled::service {
namespace {

TEST(PaginationToken, RoundTripsTheCursor) {
  for (const std::string& cursor :
       std::vector<std::string>{"", "a", "ab", "abc", "d1", std::string("\xff\x00z", 3)}) {
    std::string token = EncodeToken("ListDomains", cursor);
    auto decoded = DecodeToken("ListDomains", token);
    ASSERT_TRUE(decoded.ok()) << cursor;
    EXPECT_EQ(*decoded, cursor);
  }
}

TEST(PaginationToken, RejectsTamperingAndOtherListings) {
  std::string token = EncodeToken("ListDomains", "domain-17");
  std::string tampered = token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(DecodeToken("ListDomains", tampered).ok());
  EXPECT_FALSE(DecodeToken("SearchProfiles", token).ok());
  EXPECT_FALSE(DecodeToken("ListDomains", "not base64 !").ok());
  EXPECT_FALSE(DecodeToken("ListDomains", "").ok());
  auto err = DecodeToken("ListDomains", tampered);
  EXPECT_EQ(err.error().code(), ErrorCode::kBadRequest);
}

TEST(Arn, FormsTheAwsShape) {
  RequestContext ctx{"123456789012", "eu-west-1", "r"};
  EXPECT_EQ(DomainArn(ctx, "d1"), "arn:aws:profile:eu-west-1:123456789012:domains/d1");
}

TEST(InputAccessors, ReadTypedMembersAndClampPageSize) {
  auto in =
      boost::json::parse(R"({"S":"x","N":7,"B":true,"O":{},"A":[1],"MaxResults":500})").as_object();
  EXPECT_EQ(*GetString(in, "S"), "x");
  EXPECT_FALSE(GetString(in, "N").has_value());
  EXPECT_EQ(*GetInt(in, "N"), 7);
  EXPECT_TRUE(*GetBool(in, "B"));
  EXPECT_NE(GetObject(in, "O"), nullptr);
  EXPECT_NE(GetArray(in, "A"), nullptr);
  EXPECT_EQ(GetArray(in, "O"), nullptr);
  EXPECT_EQ(PageSize(in, 20, 100), 100u);
  EXPECT_EQ(PageSize(boost::json::object(), 20, 100), 20u);
}

}  // namespace
}  // namespace profiled::service
