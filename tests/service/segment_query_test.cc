// The segment evaluator's pure part (segment_query.h): every dimension type and operator, the
// group and top-level quantifiers, source segments and calculated attributes through the facts.
// The rules tested here cite AWS's admin guide, "Build customer segments in Amazon Connect".
#include "service/segment_query.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>

namespace profiled::service::segment {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

// Facts from maps: calculated values by name (and by name + "@start-end" under an override),
// membership by segment name.
class MapFacts final : public SegmentFacts {
 public:
  std::map<std::string, std::string> calculated;
  std::map<std::string, bool> segments;
  std::vector<std::string> asked;

  Result<std::optional<std::string>> Calculated(const CalculatedTest& t) override {
    std::string key = t.name;
    if (t.range) key += "@" + std::to_string(t.range->start) + "-" + std::to_string(t.range->end);
    auto it = calculated.find(key);
    if (it == calculated.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<bool> InSegment(std::string_view name) override {
    asked.emplace_back(name);
    auto it = segments.find(std::string(name));
    if (it == segments.end()) return Error::NotFound("no segment " + std::string(name));
    return it->second;
  }
};

Query Parse(std::string_view groups) {
  auto q = ParseSegmentGroups(Obj(groups));
  EXPECT_TRUE(q.ok()) << q.error().message();
  return q.ok() ? *q : Query();
}

// One group with one ProfileAttributes dimension.
Query OneDimension(std::string_view profile_attributes) {
  return Parse(R"({"Groups": [{"Dimensions": [{"ProfileAttributes": )" +
               std::string(profile_attributes) + "}]}]}");
}

bool Match(const Query& q, std::string_view profile, MapFacts* facts = nullptr) {
  MapFacts none;
  auto r = Matches(q, Obj(profile), facts ? *facts : none);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() && *r;
}

Error ParseError(std::string_view groups) {
  auto q = ParseSegmentGroups(Obj(groups));
  EXPECT_FALSE(q.ok());
  return q.ok() ? Error::Internal("parsed") : q.error();
}

TEST(SegmentString, InclusiveIsExactAndCaseSensitive) {
  // "Values are case-sensitive. For example, Address.Country is US returns different results
  // than Address.Country is us."
  Query q =
      OneDimension(R"({"FirstName": {"DimensionType": "INCLUSIVE", "Values": ["Ann", "Bo"]}})");
  EXPECT_TRUE(Match(q, R"({"FirstName": "Ann"})"));
  EXPECT_TRUE(Match(q, R"({"FirstName": "Bo"})"));
  EXPECT_FALSE(Match(q, R"({"FirstName": "ann"})"));
  EXPECT_FALSE(Match(q, R"({"FirstName": "Anne"})"));
  EXPECT_FALSE(Match(q, R"({"LastName": "Ann"})"));
}

TEST(SegmentString, ExclusiveMatchesOtherValuesAndAbsence) {
  Query q = OneDimension(R"({"LastName": {"DimensionType": "EXCLUSIVE", "Values": ["Doe"]}})");
  EXPECT_FALSE(Match(q, R"({"LastName": "Doe"})"));
  EXPECT_TRUE(Match(q, R"({"LastName": "doe"})"));
  EXPECT_TRUE(Match(q, R"({"FirstName": "X"})"));
}

TEST(SegmentString, ContainsBeginsAndEndsWith) {
  Query contains =
      OneDimension(R"({"EmailAddress": {"DimensionType": "CONTAINS", "Values": ["@ex"]}})");
  Query begins =
      OneDimension(R"({"PhoneNumber": {"DimensionType": "BEGINS_WITH", "Values": ["+44", "+1"]}})");
  Query ends = OneDimension(
      R"({"BusinessEmailAddress": {"DimensionType": "ENDS_WITH", "Values": [".com"]}})");
  EXPECT_TRUE(Match(contains, R"({"EmailAddress": "a@example.org"})"));
  EXPECT_FALSE(Match(contains, R"({"EmailAddress": "a@EXample.org"})"));
  EXPECT_FALSE(Match(contains, "{}"));
  EXPECT_TRUE(Match(begins, R"({"PhoneNumber": "+15550100"})"));
  EXPECT_TRUE(Match(begins, R"({"PhoneNumber": "+447700900"})"));
  EXPECT_FALSE(Match(begins, R"({"PhoneNumber": "0044"})"));
  EXPECT_TRUE(Match(ends, R"({"BusinessEmailAddress": "b@corp.com"})"));
  EXPECT_FALSE(Match(ends, R"({"BusinessEmailAddress": "b@corp.COM"})"));
}

TEST(SegmentString, EveryProfileMemberDimensionReadsItsMember) {
  for (std::string_view m :
       {"AccountNumber", "AdditionalInformation", "FirstName", "LastName", "MiddleName",
        "GenderString", "PartyTypeString", "PhoneNumber", "BusinessName", "BusinessPhoneNumber",
        "HomePhoneNumber", "MobilePhoneNumber", "EmailAddress", "PersonalEmailAddress",
        "BusinessEmailAddress"}) {
    std::string member(m);
    Query q =
        OneDimension(R"({")" + member + R"(": {"DimensionType": "INCLUSIVE", "Values": ["v"]}})");
    EXPECT_TRUE(Match(q, R"({")" + member + R"(": "v"})")) << member;
    EXPECT_FALSE(Match(q, R"({"Other": "v"})")) << member;
  }
}

TEST(SegmentAddress, EachSubFieldOfEachAddress) {
  for (std::string_view address :
       {"Address", "ShippingAddress", "MailingAddress", "BillingAddress"}) {
    for (std::string_view field :
         {"City", "Country", "County", "PostalCode", "Province", "State"}) {
      std::string a(address), f(field);
      Query q = OneDimension(R"({")" + a + R"(": {")" + f +
                             R"(": {"DimensionType": "INCLUSIVE", "Values": ["X1"]}}})");
      EXPECT_TRUE(Match(q, R"({")" + a + R"(": {")" + f + R"(": "X1"}})")) << a << "." << f;
      EXPECT_FALSE(Match(q, R"({")" + a + R"(": {")" + f + R"(": "x1"}})")) << a << "." << f;
      // The same field of another address is another attribute.
      std::string other = a == "Address" ? "BillingAddress" : "Address";
      EXPECT_FALSE(Match(q, R"({")" + other + R"(": {")" + f + R"(": "X1"}})")) << a << "." << f;
    }
  }
}

TEST(SegmentAddress, SeveralSubFieldsMustAllMatch) {
  Query q =
      OneDimension(R"({"Address": {"City": {"DimensionType": "INCLUSIVE", "Values": ["Paris"]},
                                         "Country": {"DimensionType": "INCLUSIVE", "Values": ["FR"]}}})");
  EXPECT_TRUE(Match(q, R"({"Address": {"City": "Paris", "Country": "FR"}})"));
  EXPECT_FALSE(Match(q, R"({"Address": {"City": "Paris", "Country": "US"}})"));
}

TEST(SegmentDate, ParsesDatesAsUtcDays) {
  EXPECT_EQ(ParseUtcDay("1970-01-01"), 0);
  EXPECT_EQ(ParseUtcDay("1970-01-02"), 1);
  EXPECT_EQ(ParseUtcDay("2024/10/01"), ParseUtcDay("2024-10-01"));
  EXPECT_EQ(ParseUtcDay("2024-01-01T00:00:00Z"), ParseUtcDay("2024-01-01"));
  EXPECT_EQ(ParseUtcDay("2024-01-01T23:59:59.999Z"), ParseUtcDay("2024-01-01"));
  // The offset is applied: 23:30 at UTC-01:00 is the next UTC day, 00:30 at +02:00 the previous.
  EXPECT_EQ(ParseUtcDay("2024-01-01T23:30:00-01:00"), ParseUtcDay("2024-01-02"));
  EXPECT_EQ(ParseUtcDay("2024-01-01T00:30:00+0200"), ParseUtcDay("2023-12-31"));
  EXPECT_EQ(ParseUtcDay("1969-12-31"), -1);
  EXPECT_EQ(ParseUtcDay("2024-02-29"), ParseUtcDay("2024-03-01").value() - 1);
  for (std::string_view bad :
       {"", "2024-1-01", "2023-02-29", "2024-13-01", "2024-00-10", "01/02/2024",
        "2024-01-01T25:00:00Z", "2024-01-01Tnoon", "2024-01-01Z", "2024-01/01"}) {
    EXPECT_FALSE(ParseUtcDay(bad).has_value()) << bad;
  }
}

TEST(SegmentDate, BeforeAfterOnCompareUtcDays) {
  // "Customer segments ... uses UTC timezone and a default time of 00:00:00 UTC for all
  // time-based filters. You can filter on dates but times are recorded as the same value."
  Query before =
      OneDimension(R"({"BirthDate": {"DimensionType": "BEFORE", "Values": ["2000-06-15"]}})");
  Query after = OneDimension(
      R"({"BirthDate": {"DimensionType": "AFTER", "Values": ["2000-06-15T00:00:00Z"]}})");
  Query on = OneDimension(R"({"BirthDate": {"DimensionType": "ON", "Values": ["2000-06-15"]}})");
  EXPECT_TRUE(Match(before, R"({"BirthDate": "2000-06-14"})"));
  EXPECT_FALSE(Match(before, R"({"BirthDate": "2000-06-15"})"));
  EXPECT_FALSE(Match(before, R"({"BirthDate": "2000-06-15T23:59:00Z"})"));
  EXPECT_TRUE(Match(after, R"({"BirthDate": "2000-06-16"})"));
  EXPECT_FALSE(Match(after, R"({"BirthDate": "2000-06-15T18:00:00Z"})"));
  EXPECT_TRUE(Match(on, R"({"BirthDate": "2000-06-15T18:00:00Z"})"));
  EXPECT_TRUE(Match(on, R"({"BirthDate": "2000/06/15"})"));
  EXPECT_FALSE(Match(on, R"({"BirthDate": "2000-06-16"})"));
  // Not a date, or absent: no date comparison holds.
  EXPECT_FALSE(Match(on, R"({"BirthDate": "June"})"));
  EXPECT_FALSE(Match(before, "{}"));
}

TEST(SegmentDate, BetweenAndNotBetweenIncludeBothEnds) {
  Query between = OneDimension(
      R"({"BirthDate": {"DimensionType": "BETWEEN", "Values": ["2000-01-01", "2000-12-31"]}})");
  Query not_between = OneDimension(
      R"({"BirthDate": {"DimensionType": "NOT_BETWEEN", "Values": ["2000-01-01", "2000-12-31"]}})");
  for (auto [date, in] : std::vector<std::pair<std::string, bool>>{{"1999-12-31", false},
                                                                   {"2000-01-01", true},
                                                                   {"2000-07-01", true},
                                                                   {"2000-12-31T23:59:59Z", true},
                                                                   {"2001-01-01", false}}) {
    std::string p = R"({"BirthDate": ")" + date + R"("})";
    EXPECT_EQ(Match(between, p), in) << date;
    EXPECT_EQ(Match(not_between, p), !in) << date;
  }
  EXPECT_FALSE(Match(not_between, "{}"));
}

TEST(SegmentDate, ValuesMustBeDatesAndBetweenTakesTwo) {
  Error e = ParseError(R"({"Groups": [{"Dimensions": [{"ProfileAttributes":
      {"BirthDate": {"DimensionType": "ON", "Values": ["yesterday"]}}}]}]})");
  EXPECT_EQ(e.code(), ErrorCode::kBadRequest);
  EXPECT_NE(e.message().find("Groups[0].Dimensions[0].ProfileAttributes.BirthDate"),
            std::string::npos)
      << e.message();
  e = ParseError(R"({"Groups": [{"Dimensions": [{"ProfileAttributes":
      {"BirthDate": {"DimensionType": "BETWEEN", "Values": ["2000-01-01"]}}}]}]})");
  EXPECT_NE(e.message().find("exactly two"), std::string::npos) << e.message();
  e = ParseError(R"({"Groups": [{"Dimensions": [{"ProfileAttributes":
      {"BirthDate": {"DimensionType": "BETWEEN", "Values": ["2001-01-01", "2000-01-01"]}}}]}]})");
  EXPECT_NE(e.message().find("start date is after"), std::string::npos) << e.message();
  // A date operator on a string dimension, a string operator on BirthDate.
  e = ParseError(R"({"Groups": [{"Dimensions": [{"ProfileAttributes":
      {"FirstName": {"DimensionType": "BEFORE", "Values": ["2000-01-01"]}}}]}]})");
  EXPECT_NE(e.message().find("not allowed"), std::string::npos) << e.message();
  e = ParseError(R"({"Groups": [{"Dimensions": [{"ProfileAttributes":
      {"BirthDate": {"DimensionType": "INCLUSIVE", "Values": ["2000-01-01"]}}}]}]})");
  EXPECT_NE(e.message().find("not allowed"), std::string::npos) << e.message();
}

TEST(SegmentCustomAttribute, StringDateAndNumericOperators) {
  auto attr = [](std::string_view type, std::string_view values) {
    return OneDimension(R"({"Attributes": {"tier": {"DimensionType": ")" + std::string(type) +
                        R"(", "Values": )" + std::string(values) + "}}}");
  };
  EXPECT_TRUE(Match(attr("INCLUSIVE", R"(["gold"])"), R"({"Attributes": {"tier": "gold"}})"));
  EXPECT_FALSE(Match(attr("INCLUSIVE", R"(["gold"])"), R"({"Attributes": {"tier": "Gold"}})"));
  EXPECT_TRUE(Match(attr("EXCLUSIVE", R"(["gold"])"), R"({"Attributes": {"other": "gold"}})"));
  EXPECT_TRUE(Match(attr("ENDS_WITH", R"(["ld"])"), R"({"Attributes": {"tier": "gold"}})"));
  // Dates in a custom attribute.
  EXPECT_TRUE(Match(attr("BEFORE", R"(["2024-10-01"])"),
                    R"({"Attributes": {"tier": "2024-09-30T22:00:00Z"}})"));
  EXPECT_TRUE(Match(attr("ON", R"(["2024-10-01"])"),
                    R"({"Attributes": {"tier": "2024-10-01T08:00:00Z"}})"));
  // Numbers: compared as numbers, not as text ("10" > "9").
  EXPECT_TRUE(Match(attr("GREATER_THAN", R"(["9"])"), R"({"Attributes": {"tier": "10"}})"));
  EXPECT_FALSE(Match(attr("GREATER_THAN", R"(["10"])"), R"({"Attributes": {"tier": "10"}})"));
  EXPECT_TRUE(
      Match(attr("GREATER_THAN_OR_EQUAL", R"(["10"])"), R"({"Attributes": {"tier": "10.0"}})"));
  EXPECT_TRUE(Match(attr("LESS_THAN", R"(["2.5"])"), R"({"Attributes": {"tier": "-3"}})"));
  EXPECT_FALSE(
      Match(attr("LESS_THAN_OR_EQUAL", R"(["2.5"])"), R"({"Attributes": {"tier": "2.6"}})"));
  EXPECT_TRUE(
      Match(attr("LESS_THAN_OR_EQUAL", R"(["2.5"])"), R"({"Attributes": {"tier": "2.5"}})"));
  EXPECT_TRUE(Match(attr("EQUAL", R"(["10"])"), R"({"Attributes": {"tier": "1e1"}})"));
  EXPECT_FALSE(Match(attr("EQUAL", R"(["10"])"), R"({"Attributes": {"tier": "ten"}})"));
  EXPECT_FALSE(Match(attr("GREATER_THAN", R"(["1"])"), R"({"Attributes": {"tier": "0x10"}})"));
  EXPECT_FALSE(Match(attr("GREATER_THAN", R"(["1"])"), "{}"));
  Error e = ParseError(R"({"Groups": [{"Dimensions": [{"ProfileAttributes":
      {"Attributes": {"tier": {"DimensionType": "GREATER_THAN", "Values": ["many"]}}}}]}]})");
  EXPECT_NE(e.message().find("Attributes.tier.Values: many is not a number"), std::string::npos)
      << e.message();
}

TEST(SegmentProfileType, InclusiveAndExclusive) {
  // "To create a segment only with sub-profiles, create a new audience that excludes
  // account-based profiles. For example, profiles with ProfileType is PROFILE or where
  // ProfileType is empty."
  Query accounts = OneDimension(
      R"({"ProfileType": {"DimensionType": "INCLUSIVE", "Values": ["ACCOUNT_PROFILE"]}})");
  Query not_accounts = OneDimension(
      R"({"ProfileType": {"DimensionType": "EXCLUSIVE", "Values": ["ACCOUNT_PROFILE"]}})");
  EXPECT_TRUE(Match(accounts, R"({"ProfileType": "ACCOUNT_PROFILE"})"));
  EXPECT_FALSE(Match(accounts, R"({"ProfileType": "PROFILE"})"));
  EXPECT_FALSE(Match(accounts, "{}"));
  EXPECT_FALSE(Match(not_accounts, R"({"ProfileType": "ACCOUNT_PROFILE"})"));
  EXPECT_TRUE(Match(not_accounts, R"({"ProfileType": "PROFILE"})"));
  EXPECT_TRUE(Match(not_accounts, "{}"));
  Error e = ParseError(R"({"Groups": [{"Dimensions": [{"ProfileAttributes":
      {"ProfileType": {"DimensionType": "CONTAINS", "Values": ["PROFILE"]}}}]}]})");
  EXPECT_EQ(e.code(), ErrorCode::kBadRequest);
}

TEST(SegmentCalculated, ComparesTheValueAndPassesTheOverride) {
  Query q = Parse(R"({"Groups": [{"Dimensions": [{"CalculatedAttributes": {
      "spend": {"DimensionType": "GREATER_THAN", "Values": ["100"]}}}]}]})");
  Query over = Parse(R"({"Groups": [{"Dimensions": [{"CalculatedAttributes": {
      "spend": {"DimensionType": "GREATER_THAN", "Values": ["100"],
                "ConditionOverrides": {"Range": {"Start": 60, "End": 0, "Unit": "DAYS"}}}}}]}]})");
  MapFacts f;
  f.calculated["spend"] = "150";
  f.calculated["spend@60-0"] = "90";
  EXPECT_TRUE(Match(q, "{}", &f));
  EXPECT_FALSE(Match(over, "{}", &f));
  MapFacts none;  // no value: no comparison holds
  EXPECT_FALSE(Match(q, "{}", &none));
  Error e = ParseError(R"({"Groups": [{"Dimensions": [{"CalculatedAttributes": {
      "spend": {"DimensionType": "EQUAL", "Values": ["1"],
                "ConditionOverrides": {"Range": {"Start": 1, "End": 5, "Unit": "DAYS"}}}}}]}]})");
  EXPECT_NE(e.message().find("Start must not be after End"), std::string::npos) << e.message();
}

TEST(SegmentDimension, ADimensionNamingNothingIsRefused) {
  Error e = ParseError(R"({"Groups": [{"Dimensions": [{"ProfileAttributes": {}}]}]})");
  EXPECT_NE(e.message().find("Groups[0].Dimensions[0] names no attribute"), std::string::npos);
}

TEST(SegmentGroup, TypeCombinesDimensions) {
  std::string dims = R"("Dimensions": [
      {"ProfileAttributes": {"FirstName": {"DimensionType": "INCLUSIVE", "Values": ["Ann"]}}},
      {"ProfileAttributes": {"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}}}])";
  Query all = Parse(R"({"Groups": [{"Type": "ALL", )" + dims + "}]}");
  Query any = Parse(R"({"Groups": [{"Type": "ANY", )" + dims + "}]}");
  Query none = Parse(R"({"Groups": [{"Type": "NONE", )" + dims + "}]}");
  Query dflt = Parse(R"({"Groups": [{)" + dims + "}]}");
  std::string both = R"({"FirstName": "Ann", "LastName": "Lee"})";
  std::string one = R"({"FirstName": "Ann", "LastName": "Kim"})";
  std::string neither = R"({"FirstName": "Bo"})";
  EXPECT_TRUE(Match(all, both));
  EXPECT_FALSE(Match(all, one));
  EXPECT_TRUE(Match(any, one));
  EXPECT_FALSE(Match(any, neither));
  EXPECT_FALSE(Match(none, one));
  EXPECT_TRUE(Match(none, neither));
  EXPECT_TRUE(Match(dflt, both));
  EXPECT_FALSE(Match(dflt, one));
}

TEST(SegmentGroup, SourceTypeCombinesSourceSegments) {
  std::string sources = R"("SourceSegments": [{"SegmentDefinitionName": "a"},
                                               {"SegmentDefinitionName": "b"}])";
  MapFacts f;
  f.segments = {{"a", true}, {"b", false}};
  EXPECT_FALSE(Match(Parse(R"({"Groups": [{"SourceType": "ALL", )" + sources + "}]}"), "{}", &f));
  EXPECT_TRUE(Match(Parse(R"({"Groups": [{"SourceType": "ANY", )" + sources + "}]}"), "{}", &f));
  EXPECT_FALSE(Match(Parse(R"({"Groups": [{"SourceType": "NONE", )" + sources + "}]}"), "{}", &f));
  // Several starting audiences are OR'ed by default.
  EXPECT_TRUE(Match(Parse(R"({"Groups": [{)" + sources + "}]}"), "{}", &f));
  f.segments["a"] = false;
  EXPECT_TRUE(Match(Parse(R"({"Groups": [{"SourceType": "NONE", )" + sources + "}]}"), "{}", &f));
  // The sources and the dimensions must both hold.
  f.segments["a"] = true;
  Query both = Parse(R"({"Groups": [{"SourceSegments": [{"SegmentDefinitionName": "a"}],
      "Dimensions": [{"ProfileAttributes": {"FirstName": {"DimensionType": "INCLUSIVE", "Values": ["Ann"]}}}]}]})");
  EXPECT_TRUE(Match(both, R"({"FirstName": "Ann"})", &f));
  EXPECT_FALSE(Match(both, R"({"FirstName": "Bo"})", &f));
  f.segments["a"] = false;
  EXPECT_FALSE(Match(both, R"({"FirstName": "Ann"})", &f));
}

TEST(SegmentGroup, NoDimensionsAndNoSourcesIsEveryProfile) {
  EXPECT_TRUE(Match(Parse(R"({"Groups": [{}]})"), "{}"));
  EXPECT_TRUE(Match(Parse(R"({"Groups": [{"Type": "ANY"}]})"), "{}"));
}

TEST(SegmentInclude, CombinesGroups) {
  std::string groups = R"("Groups": [
      {"Dimensions": [{"ProfileAttributes": {"FirstName": {"DimensionType": "INCLUSIVE", "Values": ["Ann"]}}}]},
      {"Dimensions": [{"ProfileAttributes": {"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}}}]}])";
  Query all = Parse(R"({"Include": "ALL", )" + groups + "}");
  Query any = Parse(R"({"Include": "ANY", )" + groups + "}");
  Query none = Parse(R"({"Include": "NONE", )" + groups + "}");
  Query dflt = Parse("{" + groups + "}");
  std::string both = R"({"FirstName": "Ann", "LastName": "Lee"})";
  std::string one = R"({"LastName": "Lee"})";
  std::string neither = "{}";
  EXPECT_TRUE(Match(all, both));
  EXPECT_FALSE(Match(all, one));
  EXPECT_TRUE(Match(any, one));
  EXPECT_FALSE(Match(any, neither));
  EXPECT_TRUE(Match(none, neither));
  EXPECT_FALSE(Match(none, one));
  EXPECT_TRUE(Match(dflt, both));
  EXPECT_FALSE(Match(dflt, one));
}

TEST(SegmentEvaluation, StopsAsSoonAsTheAnswerIsKnown) {
  // ANY stops at the first source that holds: the second is never asked (it does not exist).
  MapFacts f;
  f.segments["a"] = true;
  Query q = Parse(R"({"Groups": [{"SourceType": "ANY", "SourceSegments":
      [{"SegmentDefinitionName": "a"}, {"SegmentDefinitionName": "missing"}]}]})");
  EXPECT_TRUE(Match(q, "{}", &f));
  EXPECT_EQ(f.asked, std::vector<std::string>{"a"});
  // A fact that fails is the evaluation's error.
  Query bad = Parse(R"({"Groups": [{"SourceSegments": [{"SegmentDefinitionName": "missing"}]}]})");
  auto r = Matches(bad, Obj("{}"), f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST(SegmentNames, ListsWhatTheQueryUses) {
  Query q = Parse(R"({"Groups": [
      {"SourceSegments": [{"SegmentDefinitionName": "s1"}],
       "Dimensions": [{"ProfileAttributes": {"Address": {"City": {"DimensionType": "INCLUSIVE", "Values": ["x"]}},
                                             "Attributes": {"k": {"DimensionType": "INCLUSIVE", "Values": ["x"]}}}},
                      {"CalculatedAttributes": {"c1": {"DimensionType": "EQUAL", "Values": ["1"]}}}]},
      {"SourceSegments": [{"SegmentDefinitionName": "s2"}, {"SegmentDefinitionName": "s1"}]}]})");
  EXPECT_EQ(SourceNames(q), (std::set<std::string>{"s1", "s2"}));
  EXPECT_EQ(AttributePaths(q), (std::set<std::string>{"Address.City", "Attributes.k"}));
  EXPECT_EQ(CalculatedNames(q), (std::set<std::string>{"c1"}));
}

}  // namespace
}  // namespace profiled::service::segment
