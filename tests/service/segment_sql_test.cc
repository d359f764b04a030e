// The SegmentSqlQuery subset (segment_sql.h): what it evaluates, and that everything else is
// refused naming what is unsupported rather than counted wrongly.
#include "service/segment_sql.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace profiled::service::segment {
namespace {
namespace json = boost::json;

class NoFacts final : public SegmentFacts {
 public:
  Result<std::optional<std::string>> Calculated(const CalculatedTest&) override {
    return std::optional<std::string>();
  }
  Result<bool> InSegment(std::string_view) override { return false; }
};

bool Match(std::string_view sql, std::string_view profile) {
  auto q = ParseSegmentSql(sql);
  EXPECT_TRUE(q.ok()) << sql << ": " << q.error().message();
  if (!q.ok()) return false;
  NoFacts f;
  auto r = Matches(*q, json::parse(profile).as_object(), f);
  EXPECT_TRUE(r.ok());
  return r.ok() && *r;
}

std::string Refusal(std::string_view sql) {
  auto q = ParseSegmentSql(sql);
  EXPECT_FALSE(q.ok()) << sql;
  if (q.ok()) return "";
  EXPECT_EQ(q.error().code(), ErrorCode::kBadRequest);
  return q.error().message();
}

TEST(SegmentSql, AllProfiles) {
  EXPECT_TRUE(Match("SELECT * FROM profiles", "{}"));
  EXPECT_TRUE(Match("select * from PROFILES;", R"({"FirstName": "x"})"));
}

TEST(SegmentSql, EqualityInAndNotEqual) {
  std::string sql = "SELECT * FROM profiles WHERE FirstName = 'Ann'";
  EXPECT_TRUE(Match(sql, R"({"FirstName": "Ann"})"));
  EXPECT_FALSE(Match(sql, R"({"FirstName": "ann"})"));
  EXPECT_TRUE(Match("SELECT * FROM profiles WHERE Address.City IN ('Paris', 'Lyon')",
                    R"({"Address": {"City": "Lyon"}})"));
  // As in SQL, <> of an absent column is not true.
  std::string ne = "SELECT * FROM profiles WHERE `Attributes.tier` <> 'gold'";
  EXPECT_TRUE(Match(ne, R"({"Attributes": {"tier": "silver"}})"));
  EXPECT_FALSE(Match(ne, R"({"Attributes": {"tier": "gold"}})"));
  EXPECT_FALSE(Match(ne, "{}"));
  EXPECT_TRUE(
      Match("SELECT * FROM profiles WHERE FirstName = 'O''Neil'", R"({"FirstName": "O'Neil"})"));
}

TEST(SegmentSql, LikeAndNotNull) {
  EXPECT_TRUE(Match("SELECT * FROM profiles WHERE EmailAddress LIKE '%@ex.com'",
                    R"({"EmailAddress": "a@ex.com"})"));
  EXPECT_TRUE(Match("SELECT * FROM profiles WHERE LastName LIKE 'Mc%'", R"({"LastName": "McA"})"));
  EXPECT_TRUE(Match("SELECT * FROM profiles WHERE LastName LIKE '%c%'", R"({"LastName": "McA"})"));
  EXPECT_FALSE(Match("SELECT * FROM profiles WHERE LastName LIKE 'Mc'", R"({"LastName": "McA"})"));
  EXPECT_TRUE(
      Match("SELECT * FROM profiles WHERE PhoneNumber IS NOT NULL", R"({"PhoneNumber": "+1"})"));
  EXPECT_FALSE(Match("SELECT * FROM profiles WHERE PhoneNumber IS NOT NULL", "{}"));
}

TEST(SegmentSql, NumbersCompareAsNumbers) {
  std::string sql = "SELECT * FROM profiles WHERE Attributes.visits >= 10";
  EXPECT_TRUE(Match(sql, R"({"Attributes": {"visits": "10"}})"));
  EXPECT_TRUE(Match(sql, R"({"Attributes": {"visits": "11.5"}})"));
  EXPECT_FALSE(Match(sql, R"({"Attributes": {"visits": "9"}})"));
  EXPECT_FALSE(Match(sql, R"({"Attributes": {"visits": "many"}})"));
  EXPECT_TRUE(Match("SELECT * FROM profiles WHERE Attributes.visits = 3",
                    R"({"Attributes": {"visits": "3.0"}})"));
  EXPECT_TRUE(Match("SELECT * FROM profiles WHERE Attributes.visits < -1",
                    R"({"Attributes": {"visits": "-2"}})"));
}

TEST(SegmentSql, AndBindsTighterThanOr) {
  std::string sql =
      "SELECT * FROM profiles WHERE FirstName = 'Ann' AND LastName = 'Lee' OR FirstName = 'Bo'";
  EXPECT_TRUE(Match(sql, R"({"FirstName": "Ann", "LastName": "Lee"})"));
  EXPECT_FALSE(Match(sql, R"({"FirstName": "Ann", "LastName": "Kim"})"));
  EXPECT_TRUE(Match(sql, R"({"FirstName": "Bo", "LastName": "Kim"})"));
}

TEST(SegmentSql, EverythingElseIsRefusedNamingIt) {
  EXPECT_NE(Refusal("SELECT FirstName FROM profiles").find("'FirstName' after SELECT"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM orders").find("table 'orders'"), std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles WHERE NOT FirstName = 'a'").find("'NOT'"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles WHERE (FirstName = 'a')").find("'('"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles WHERE Foo = 'a'").find("column 'Foo'"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles WHERE FirstName LIKE 'a%b'").find("LIKE pattern"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles WHERE FirstName IS NULL").find("IS NULL"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles p JOIN orders o ON p.id = o.pid").find("'p'"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles WHERE FirstName > 'a'").find("operator >"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles WHERE FirstName = 'a").find("unterminated"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles WHERE LOWER(FirstName) = 'a'").find("LOWER"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT * FROM profiles LIMIT 5").find("'LIMIT'"), std::string::npos);
}

}  // namespace
}  // namespace profiled::service::segment
