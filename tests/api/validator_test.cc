#include "api/validator.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace profiled::api {
namespace {

namespace json = boost::json;

const Shape& S(std::string_view name) {
  const Shape* s = Model::Get().FindShape(name);
  EXPECT_NE(s, nullptr) << name;
  return *s;
}

// The validation message for `doc` against shape `name`, or "" when it is valid.
std::string Check(std::string_view name, std::string_view doc) {
  Status st = Validate(S(name), json::parse(doc).as_object());
  if (st.ok()) return "";
  EXPECT_EQ(st.error().code(), ErrorCode::kBadRequest);
  return st.error().message();
}

constexpr const char* kDomain = R"("DomainName":"d","DefaultExpirationDays":7)";

TEST(Validator, Required) {
  EXPECT_EQ(Check("CreateDomainRequest", std::string("{") + kDomain + "}"), "");
  EXPECT_EQ(Check("CreateDomainRequest", R"({"DomainName":"d"})"),
            "1 validation error detected: Value null at 'DefaultExpirationDays' failed to "
            "satisfy constraint: Member must not be null");
  EXPECT_EQ(Check("CreateDomainRequest", R"({"DomainName":"d","DefaultExpirationDays":null})"),
            "1 validation error detected: Value null at 'DefaultExpirationDays' failed to "
            "satisfy constraint: Member must not be null");
}

TEST(Validator, SeveralErrorsAreCountedAndJoined) {
  std::string m = Check("CreateDomainRequest", "{}");
  EXPECT_EQ(m.rfind("2 validation errors detected: ", 0), 0u) << m;
  EXPECT_NE(m.find("; "), std::string::npos);
}

TEST(Validator, StringLengthCountsCodePoints) {
  std::string ok255, bad256;
  for (int i = 0; i < 255; ++i) ok255 += "\xC3\xA9";  // é: two bytes, one code point
  bad256 = ok255 + "\xC3\xA9";
  EXPECT_EQ(Check("CreateDomainRequest",
                  std::string("{") + kDomain + R"(,"DeadLetterQueueUrl":")" + ok255 + "\"}"),
            "");
  EXPECT_EQ(Check("CreateDomainRequest",
                  std::string("{") + kDomain + R"(,"DeadLetterQueueUrl":")" + bad256 + "\"}"),
            "1 validation error detected: Value '" + bad256 +
                "' at 'DeadLetterQueueUrl' failed to satisfy constraint: Member must have "
                "length less than or equal to 255");
  EXPECT_EQ(Check("CreateDomainRequest", R"({"DomainName":"","DefaultExpirationDays":7})"),
            "2 validation errors detected: Value '' at 'DomainName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1; Value '' at "
            "'DomainName' failed to satisfy constraint: Member must satisfy regular expression "
            "pattern: ^[a-zA-Z0-9_-]+$");
  std::string empty =
      Check("CreateDomainRequest", R"({"DomainName":"","DefaultExpirationDays":7})");
  EXPECT_NE(empty.find("Member must have length greater than or equal to 1"), std::string::npos);
}

TEST(Validator, NestedSensitiveMembersAreNamedButNotEchoed) {
  std::string city(256, 'x');
  EXPECT_EQ(Check("CreateProfileRequest", R"({"DomainName":"d","Address":{"City":"Paris"}})"), "");
  EXPECT_EQ(
      Check("CreateProfileRequest", R"({"DomainName":"d","Address":{"City":")" + city + "\"}}"),
      "1 validation error detected: Value at 'Address.City' failed to satisfy constraint: "
      "Member must have length less than or equal to 255");
}

TEST(Validator, Pattern) {
  EXPECT_EQ(Check("CreateDomainRequest", R"({"DomainName":"ok_name-1","DefaultExpirationDays":7})"),
            "");
  EXPECT_EQ(Check("CreateDomainRequest", R"({"DomainName":"bad name","DefaultExpirationDays":7})"),
            "1 validation error detected: Value 'bad name' at 'DomainName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_-]+$");
}

TEST(Validator, HandCheckedLookaheadPatternInMapKeysAndLists) {
  EXPECT_EQ(Check("TagResourceRequest",
                  R"({"resourceArn":"arn:aws:profile:us-east-1:1:domains/d","tags":{"team":"a"}})"),
            "");
  EXPECT_EQ(
      Check("TagResourceRequest",
            R"({"resourceArn":"arn:aws:profile:us-east-1:1:domains/d","tags":{"aws:x":"a"}})"),
      "1 validation error detected: Value '{aws:x=a}' at 'tags' failed to satisfy "
      "constraint: Map keys must satisfy constraint: [Member must satisfy regular "
      "expression pattern: ^(?!aws:)[a-zA-Z+-=._:/]+$]");
  EXPECT_EQ(
      Check("UntagResourceRequest",
            R"({"resourceArn":"arn:aws:profile:us-east-1:1:domains/d","tagKeys":["ok","aws:no"]})"),
      "1 validation error detected: Value '[ok, aws:no]' at 'tagKeys' failed to satisfy "
      "constraint: Member must satisfy constraint: [Member must satisfy regular "
      "expression pattern: ^(?!aws:)[a-zA-Z+-=._:/]+$]");
}

TEST(Validator, Enum) {
  const char* ok = R"({"DomainName":"d","DefaultExpirationDays":7,"Matching":{"Enabled":true,
      "JobSchedule":{"DayOfTheWeek":"MONDAY","Time":"3:00"}}})";
  EXPECT_EQ(Check("CreateDomainRequest", ok), "");
  const char* bad = R"({"DomainName":"d","DefaultExpirationDays":7,"Matching":{"Enabled":true,
      "JobSchedule":{"DayOfTheWeek":"FUNDAY","Time":"3:00"}}})";
  EXPECT_EQ(Check("CreateDomainRequest", bad),
            "1 validation error detected: Value 'FUNDAY' at 'Matching.JobSchedule.DayOfTheWeek' "
            "failed to satisfy constraint: Member must satisfy enum value set: [SUNDAY, MONDAY, "
            "TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY]");
}

TEST(Validator, IntegerRangeAndType) {
  EXPECT_EQ(Check("CreateDomainRequest", R"({"DomainName":"d","DefaultExpirationDays":1098})"), "");
  EXPECT_EQ(Check("CreateDomainRequest", R"({"DomainName":"d","DefaultExpirationDays":1099})"),
            "1 validation error detected: Value '1099' at 'DefaultExpirationDays' failed to "
            "satisfy constraint: Member must have value less than or equal to 1098");
  EXPECT_EQ(Check("CreateDomainRequest", R"({"DomainName":"d","DefaultExpirationDays":0})"),
            "1 validation error detected: Value '0' at 'DefaultExpirationDays' failed to "
            "satisfy constraint: Member must have value greater than or equal to 1");
  EXPECT_NE(Check("CreateDomainRequest", R"({"DomainName":"d","DefaultExpirationDays":"7"})")
                .find("Member must be of type integer"),
            std::string::npos);
  EXPECT_NE(Check("CreateDomainRequest", R"({"DomainName":"d","DefaultExpirationDays":7.5})"), "");
  EXPECT_NE(
      Check("CreateDomainRequest", R"({"DomainName":"d","DefaultExpirationDays":4294967296})"),
      "");  // beyond int32
}

TEST(Validator, LongAndDouble) {
  EXPECT_TRUE(ValidateValue(S("ScheduleOffset"), json::value(36000), "X").ok());
  Status big = ValidateValue(S("ScheduleOffset"), json::value(36001), "X");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message().find("less than or equal to 36000"), std::string::npos);
  EXPECT_TRUE(ValidateValue(S("long"), json::value(int64_t{1} << 40), "X").ok());
  EXPECT_FALSE(ValidateValue(S("long"), json::value("1"), "X").ok());

  EXPECT_TRUE(ValidateValue(S("Double0To1"), json::value(0.5), "X").ok());
  EXPECT_TRUE(ValidateValue(S("Double0To1"), json::value(1), "X").ok());
  Status over = ValidateValue(S("Double0To1"), json::value(1.5), "Score");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().message(),
            "1 validation error detected: Value '1.5' at 'Score' failed to satisfy constraint: "
            "Member must have value less than or equal to 1");
  EXPECT_FALSE(ValidateValue(S("Double0To1"), json::value(-0.1), "X").ok());
  EXPECT_FALSE(ValidateValue(S("Double0To1"), json::value(true), "X").ok());
}

TEST(Validator, BooleanAndTimestamp) {
  EXPECT_TRUE(ValidateValue(S("optionalBoolean"), json::value(false), "X").ok());
  EXPECT_FALSE(ValidateValue(S("optionalBoolean"), json::value("false"), "X").ok());
  EXPECT_TRUE(ValidateValue(S("timestamp"), json::value(1700000000.5), "X").ok());
  EXPECT_TRUE(ValidateValue(S("timestamp"), json::value(1700000000), "X").ok());
  Status st = ValidateValue(S("timestamp"), json::value("later"), "When");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("Member must be of type timestamp"), std::string::npos);
}

TEST(Validator, ListSizeAndStructureElements) {
  EXPECT_EQ(Check("BatchGetProfileRequest",
                  R"({"DomainName":"d","ProfileIds":["0123456789abcdef0123456789abcdef"]})"),
            "");
  EXPECT_EQ(Check("BatchGetProfileRequest", R"({"DomainName":"d","ProfileIds":[]})"),
            "1 validation error detected: Value '[]' at 'ProfileIds' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1");
  std::string many = "[";
  for (int i = 0; i < 21; ++i)
    many += std::string(i ? "," : "") + "\"0123456789abcdef0123456789abcdef\"";
  many += "]";
  EXPECT_NE(Check("BatchGetProfileRequest", R"({"DomainName":"d","ProfileIds":)" + many + "}")
                .find("Member must have length less than or equal to 20"),
            std::string::npos);
  EXPECT_EQ(Check("BatchGetProfileRequest", R"({"DomainName":"d","ProfileIds":["nothex"]})"),
            "1 validation error detected: Value '[nothex]' at 'ProfileIds' failed to satisfy "
            "constraint: Member must satisfy constraint: [Member must satisfy regular "
            "expression pattern: [a-f0-9]{32}]");
  EXPECT_NE(Check("BatchGetProfileRequest", R"({"DomainName":"d","ProfileIds":"x"})")
                .find("Member must be of type list"),
            std::string::npos);
  // Structures inside lists are named by 1-based position.
  std::string m = Check("CreateDomainRequest", R"({"DomainName":"d","DefaultExpirationDays":7,
      "RuleBasedMatching":{"Enabled":true,"MatchingRules":[{"Rule":["a"]},{}]}})");
  EXPECT_NE(m.find("Value null at 'RuleBasedMatching.MatchingRules.2.member.Rule'"),
            std::string::npos)
      << m;
}

TEST(Validator, MapSizeAndValues) {
  std::string tags = "{";
  for (int i = 0; i < 51; ++i)
    tags += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":\"v\"";
  tags += "}";
  std::string m = Check("TagResourceRequest",
                        R"({"resourceArn":"arn:aws:profile:x:1:domains/d","tags":)" + tags + "}");
  EXPECT_NE(m.find("at 'tags' failed to satisfy constraint: Member must have length less than "
                   "or equal to 50"),
            std::string::npos)
      << m;
  EXPECT_EQ(
      Check("TagResourceRequest", R"({"resourceArn":"arn:aws:profile:x:1:domains/d","tags":{}})"),
      "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: "
      "Member must have length greater than or equal to 1");
  std::string long_value(257, 'v');
  EXPECT_EQ(Check("TagResourceRequest",
                  R"({"resourceArn":"arn:aws:profile:x:1:domains/d","tags":{"k":")" + long_value +
                      "\"}}"),
            "1 validation error detected: Value '{k=" + long_value +
                "}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: "
                "[Member must have length less than or equal to 256]");
  // Sensitive maps are not echoed.
  EXPECT_EQ(Check("CreateProfileRequest", R"({"DomainName":"d","Attributes":{"k":""}})"),
            "1 validation error detected: Value at 'Attributes' failed to satisfy constraint: "
            "Map value must satisfy constraint: [Member must have length greater than or equal "
            "to 1]");
}

TEST(Validator, Union) {
  EXPECT_TRUE(
      ValidateValue(S("Dimension"), json::parse(R"({"CalculatedAttributes":{}})"), "D").ok());
  Status two = ValidateValue(
      S("Dimension"), json::parse(R"({"CalculatedAttributes":{},"ProfileAttributes":{}})"), "D");
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message().find("exactly one member"), std::string::npos);
  EXPECT_FALSE(ValidateValue(S("Dimension"), json::parse("{}"), "D").ok());
}

TEST(Validator, NestedStructuresAndUnknownMembers) {
  EXPECT_EQ(Check("CreateDomainRequest", std::string("{") + kDomain + R"(,"Whatever":[1,2])" + "}"),
            "");
  std::string m = Check("CreateDomainRequest",
                        std::string("{") + kDomain + R"(,"Matching":{"JobSchedule":{}}})");
  EXPECT_EQ(
      m,
      "3 validation errors detected: Value null at 'Matching.Enabled' failed to satisfy "
      "constraint: Member must not be null; Value null at 'Matching.JobSchedule.DayOfTheWeek' "
      "failed to satisfy constraint: Member must not be null; Value null at "
      "'Matching.JobSchedule.Time' failed to satisfy constraint: Member must not be null");
  EXPECT_NE(Check("CreateDomainRequest", std::string("{") + kDomain + R"(,"Matching":[1]})")
                .find("Member must be of type structure"),
            std::string::npos);
}

}  // namespace
}  // namespace profiled::api
