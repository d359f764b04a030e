// The rules of a calculated attribute definition (calculated_attribute_rules.h): the expression's
// limits, Conditions, the Filter with every operator, UseHistoricalData, TimestampSource and the
// Threshold. Sources: the model's documentation (../shared/spec) and AWS's API reference and
// admin guide, cited per test; docs/calculated-attributes.md states the rules.
#include "service/calculated_attribute_rules.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

// A definition document over type "O" with attributes a and b.
json::object Doc(std::string_view expression, std::string_view statistic = "SUM",
                 std::string_view extra = "") {
  json::object doc = Obj(std::string(R"({"AttributeDetails": {"Attributes": [{"Name": "a"},
      {"Name": "b"}]}, "CreatedAt": 1000)") +
                         (extra.empty() ? "" : ", ") + std::string(extra) + "}");
  doc["AttributeDetails"].as_object()["Expression"] = expression;
  doc["Statistic"] = statistic;
  return doc;
}

CalcDefinition Def(std::string_view expression, std::string_view statistic = "SUM",
                   std::string_view extra = "") {
  auto parsed = ParseCalcDefinition(Doc(expression, statistic, extra));
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  return parsed.ok() ? *parsed : CalcDefinition{};
}

void ExpectBadRequest(const json::object& doc, std::string_view member) {
  auto parsed = ParseCalcDefinition(doc);
  ASSERT_FALSE(parsed.ok()) << json::serialize(doc);
  EXPECT_EQ(parsed.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(parsed.error().message().find(member), std::string::npos) << parsed.error().message();
}

// A stored object record (PutProfileObject's), ingested at `at`.
json::object Record(std::string_view object, double at = 2000, std::string_view uid = "u1") {
  json::object r;
  r["Object"] = object;
  r["UpdatedAt"] = at;
  r["ProfileObjectUniqueKey"] = uid;
  return r;
}

// API reference, CreateCalculatedAttributeDefinition: "Each calculated attribute can only
// reference one ObjectType and at most, two fields from that ObjectType."
TEST(CalcExpression, OneTermOrTwoJoinedByOneOperator) {
  CalcDefinition one = Def("{O.a}");
  EXPECT_EQ(one.terms.size(), 1u);
  EXPECT_EQ(one.object_type, "O");
  for (char op : std::string("+-*/")) {
    CalcDefinition two = Def(std::string("{O.a} ") + op + " {O.b}");
    ASSERT_EQ(two.terms.size(), 2u);
    EXPECT_EQ(two.op, op);
    EXPECT_EQ(two.terms[1].attribute, "b");
  }
  EXPECT_EQ(Def("{O.a}*{O.a}").terms.size(), 2u);  // the same field twice is still two terms
}

TEST(CalcExpression, MoreThanTwoTermsOrOtherSyntaxIsRefusedNamingTheMember) {
  for (std::string_view e : {"{O.a} + {O.b} + {O.a}", "({O.a} + {O.b})", "{O.a} * 2", "2",
                             "{O.a} {O.b}", "{O.a} % {O.b}", "{O.a", "{a}", "{O.c}"}) {
    SCOPED_TRACE(e);
    ExpectBadRequest(Doc(e), "AttributeDetails.Expression");
  }
  ExpectBadRequest(Doc("{O.a} + {P.b}"), "one object type");
}

// Admin guide, "Create a custom calculated attribute definition": two attributes referenced in
// the Attributes list are supported.
TEST(CalcExpression, AtMostTwoAttributesListed) {
  json::object doc = Doc("{O.a}");
  doc["AttributeDetails"].as_object()["Attributes"] =
      json::parse(R"([{"Name": "a"}, {"Name": "b"}, {"Name": "c"}])");
  ExpectBadRequest(doc, "AttributeDetails.Attributes");
}

// Model, Range: Value or ValueRange (which "overrides Value"), positive numbers in the past.
TEST(CalcConditions, RangeValueAndValueRange) {
  CalcDefinition v =
      Def("{O.a}", "SUM", R"("Conditions": {"Range": {"Value": 7, "Unit": "DAYS"}})");
  ASSERT_TRUE(v.window.has_value());
  EXPECT_EQ(v.window->start, 7);
  EXPECT_EQ(v.window->end, 0);
  CalcDefinition vr = Def("{O.a}", "SUM", R"("Conditions": {"Range": {"Value": 7, "Unit": "DAYS",
      "ValueRange": {"Start": 30, "End": -2}}})");
  EXPECT_EQ(vr.window->start, 30);
  EXPECT_EQ(vr.window->end, -2);
  ExpectBadRequest(Doc("{O.a}", "SUM", R"("Conditions": {"Range": {"Unit": "DAYS"}})"),
                   "Conditions.Range");
  ExpectBadRequest(
      Doc("{O.a}", "SUM", R"("Conditions": {"Range": {"ValueRange": {"Start": 1, "End": 5}}})"),
      "Conditions.Range.ValueRange.Start");
}

// Model, Range.TimestampSource: "{ObjectTypeName.<path>}"; TimestampFormat EPOCHMILLI or
// ISO_8601.
TEST(CalcConditions, TimestampSourceAndFormat) {
  CalcDefinition d = Def("{O.a}", "SUM", R"("Conditions": {"Range": {"Value": 1,
      "TimestampSource": "{O.generatedAt.timestamp}", "TimestampFormat": "EPOCHMILLI"}})");
  EXPECT_EQ(d.timestamp_source, "generatedAt.timestamp");
  EXPECT_EQ(d.timestamp_format, "EPOCHMILLI");
  ExpectBadRequest(Doc("{O.a}", "SUM", R"("Conditions": {"Range": {"Value": 1,
      "TimestampSource": "{Other.at}"}})"),
                   "Conditions.Range.TimestampSource");
  ExpectBadRequest(Doc("{O.a}", "SUM", R"("Conditions": {"Range": {"Value": 1,
      "TimestampSource": "{O.at}", "TimestampFormat": "RFC822"}})"),
                   "Conditions.Range.TimestampFormat");
  ExpectBadRequest(Doc("{O.a}", "SUM",
                       R"("Conditions": {"Range": {"Value": 1, "TimestampFormat": "ISO_8601"}})"),
                   "TimestampSource");
}

// API reference, Conditions: ObjectCount "Minimum value of 1. Maximum value of 100."
TEST(CalcConditions, ObjectCountFromOneToHundred) {
  EXPECT_EQ(Def("{O.a}", "SUM", R"("Conditions": {"ObjectCount": 100})").object_count, 100);
  ExpectBadRequest(Doc("{O.a}", "SUM", R"("Conditions": {"ObjectCount": 101})"),
                   "Conditions.ObjectCount");
}

TEST(ParseObjectTimestamp, EpochMillisOrSecondsAndIso8601) {
  EXPECT_EQ(ParseObjectTimestamp("1737587945945", "EPOCHMILLI"), 1737587945.945);
  EXPECT_EQ(ParseObjectTimestamp("1737587945", "EPOCHMILLI"), 1737587945);
  EXPECT_FALSE(ParseObjectTimestamp("2025-01-01", "EPOCHMILLI").has_value());
  // The model's own example, with an HHMM offset.
  EXPECT_NEAR(*ParseObjectTimestamp("2001-07-04T12:08:56.235-0700", "ISO_8601"), 994273736.235,
              1e-6);
  EXPECT_EQ(ParseObjectTimestamp("2001-07-04T19:08:56Z", ""), 994273736);
  EXPECT_EQ(ParseObjectTimestamp("994273736", ""), 994273736);
  EXPECT_FALSE(ParseObjectTimestamp("994273736", "ISO_8601").has_value());
}

// Every FilterDimensionType of the model.
TEST(CalcFilter, EveryOperator) {
  auto holds = [](std::string_view op, std::vector<std::string> values,
                  std::optional<std::string> v) {
    return FilterCheckHolds(FilterCheck{"x", std::string(op), std::move(values)}, v);
  };
  EXPECT_TRUE(holds("INCLUSIVE", {"Installed", "Registered"}, "Registered"));
  EXPECT_FALSE(holds("INCLUSIVE", {"Installed"}, "installed"));  // case-sensitive
  EXPECT_TRUE(holds("EXCLUSIVE", {"Installed"}, "Removed"));
  EXPECT_FALSE(holds("EXCLUSIVE", {"Installed"}, "Installed"));
  EXPECT_TRUE(holds("CONTAINS", {"ta"}, "Installed"));
  EXPECT_TRUE(holds("BEGINS_WITH", {"No", "In"}, "Installed"));
  EXPECT_FALSE(holds("BEGINS_WITH", {"st"}, "Installed"));
  EXPECT_TRUE(holds("ENDS_WITH", {"led"}, "Installed"));
  EXPECT_FALSE(holds("ENDS_WITH", {"Install"}, "Installed"));
  EXPECT_TRUE(holds("BEFORE", {"2024-03-02"}, "2024-03-01T23:59:59Z"));
  EXPECT_FALSE(holds("BEFORE", {"2024-03-02"}, "2024-03-02T00:00:00Z"));
  EXPECT_TRUE(holds("AFTER", {"2024-03-02"}, "2024-03-03"));
  EXPECT_FALSE(holds("AFTER", {"2024-03-02"}, "2024-03-02T23:00:00Z"));
  EXPECT_TRUE(holds("ON", {"2024-03-02"}, "2024-03-02T23:00:00Z"));
  EXPECT_FALSE(holds("ON", {"2024-03-02"}, "2024-03-02T23:00:00-0200"));  // 01:00 next UTC day
  EXPECT_TRUE(holds("BETWEEN", {"10", "20"}, "20"));
  EXPECT_FALSE(holds("BETWEEN", {"10", "20"}, "20.5"));
  EXPECT_TRUE(holds("BETWEEN", {"2024-01-01", "2024-01-31"}, "2024-01-31T10:00:00Z"));
  EXPECT_TRUE(holds("NOT_BETWEEN", {"10", "20"}, "9"));
  EXPECT_FALSE(holds("NOT_BETWEEN", {"10", "20"}, "15"));
  EXPECT_TRUE(holds("GREATER_THAN", {"10"}, "10.5"));
  EXPECT_FALSE(holds("GREATER_THAN", {"10"}, "10"));
  EXPECT_TRUE(holds("LESS_THAN", {"10"}, "-1"));
  EXPECT_TRUE(holds("GREATER_THAN_OR_EQUAL", {"10"}, "10"));
  EXPECT_TRUE(holds("LESS_THAN_OR_EQUAL", {"10"}, "10"));
  EXPECT_FALSE(holds("LESS_THAN_OR_EQUAL", {"10"}, "10.01"));
  EXPECT_TRUE(holds("EQUAL", {"10"}, "10.0"));
  EXPECT_FALSE(holds("GREATER_THAN", {"10"}, "many"));
  // An object without the attribute matches no check, EXCLUSIVE included.
  EXPECT_FALSE(holds("EXCLUSIVE", {"Installed"}, std::nullopt));
}

TEST(CalcFilter, ValuesAnOperatorCannotUseAreRefused) {
  auto filter = [](std::string_view op, std::string_view values) {
    return Doc("{O.a}", "SUM",
               std::string(R"("Filter": {"Include": "ALL", "Groups": [{"Type": "ALL",
      "Dimensions": [{"Attributes": {"status": {"DimensionType": ")") +
                   std::string(op) + R"(", "Values": )" + std::string(values) + "}}}]}]}");
  };
  EXPECT_TRUE(ParseCalcDefinition(filter("BETWEEN", R"(["1", "2"])")).ok());
  ExpectBadRequest(filter("BETWEEN", R"(["1"])"), "status");
  ExpectBadRequest(filter("GREATER_THAN", R"(["ten"])"), "numeric");
  ExpectBadRequest(filter("GREATER_THAN", R"(["1", "2"])"), "numeric");
  ExpectBadRequest(filter("BEFORE", R"(["yesterday"])"), "ISO 8601");
  ExpectBadRequest(filter("AFTER", R"(["2024-01-01", "2024-02-01"])"), "one date");
}

// Include and each group's Type: ALL, ANY or NONE; a dimension holds when each of its
// attributes does; attribute values come from the type's field first (admin guide, "Set up
// event filters": the object type field wins over an object attribute of the same name).
TEST(CalcFilter, IncludeGroupsAndDimensions) {
  json::object type = Obj(R"({"Fields": {"status": {"Source": "_source.state.code"}}})");
  auto keeps = [&](std::string_view filter, std::string_view object) {
    CalcDefinition d = Def("{O.a}", "SUM", std::string(R"("Filter": )") + std::string(filter));
    return FilterKeeps(*d.filter, type, Obj(object));
  };
  std::string installed_or_registered = R"({"Include": "ALL", "Groups": [{"Type": "ANY",
      "Dimensions": [{"Attributes": {"status": {"DimensionType": "INCLUSIVE",
      "Values": ["Installed"]}}}, {"Attributes": {"status": {"DimensionType": "INCLUSIVE",
      "Values": ["Registered"]}}}]}]})";
  EXPECT_TRUE(keeps(installed_or_registered, R"({"state": {"code": "Registered"}})"));
  EXPECT_FALSE(keeps(installed_or_registered, R"({"state": {"code": "Removed"},
      "status": "Installed"})"));
  std::string none = R"({"Include": "NONE", "Groups": [{"Type": "ALL", "Dimensions": [
      {"Attributes": {"status": {"DimensionType": "INCLUSIVE", "Values": ["Removed"]},
                      "price": {"DimensionType": "GREATER_THAN", "Values": ["100"]}}}]}]})";
  EXPECT_TRUE(keeps(none, R"({"state": {"code": "Removed"}, "price": 50})"));
  EXPECT_FALSE(keeps(none, R"({"state": {"code": "Removed"}, "price": 150})"));
  std::string any_of_two = R"({"Include": "ANY", "Groups": [
      {"Type": "ALL", "Dimensions": [{"Attributes": {"price": {"DimensionType": "LESS_THAN",
          "Values": ["10"]}}}]},
      {"Type": "NONE", "Dimensions": [{"Attributes": {"price": {"DimensionType": "LESS_THAN",
          "Values": ["1000"]}}}]}]})";
  EXPECT_TRUE(keeps(any_of_two, R"({"price": 5})"));
  EXPECT_TRUE(keeps(any_of_two, R"({"price": 5000})"));
  EXPECT_FALSE(keeps(any_of_two, R"({"price": 50})"));
}

TEST(ContributionOf, ValueTimeAndUniqueKey) {
  json::object type = Obj(R"({"Fields": {"a": {"Source": "_source.amount.value"}}})");
  auto c = ContributionOf(Def("{O.a}"), type, Record(R"({"amount": {"value": "12.50"}})", 2000));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->at, 2000);
  EXPECT_EQ(c->uid, "u1");
  EXPECT_EQ(c->text, "12.50");
  EXPECT_EQ(c->number, 12.5);
  auto text = ContributionOf(Def("{O.a}"), type, Record(R"({"amount": {"value": "gold"}})"));
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->text, "gold");
  EXPECT_FALSE(text->number.has_value());
}

TEST(ContributionOf, ArithmeticOfTwoTerms) {
  auto value = [](char op, std::string_view object) -> std::optional<std::string> {
    auto c =
        ContributionOf(Def(std::string("{O.a} ") + op + " {O.b}"), json::object(), Record(object));
    if (!c) return std::nullopt;
    return c->text;
  };
  EXPECT_EQ(value('+', R"({"a": 2.5, "b": 4})"), "6.5");
  EXPECT_EQ(value('-', R"({"a": 2.5, "b": 4})"), "-1.5");
  EXPECT_EQ(value('*', R"({"a": 2.5, "b": 4})"), "10");
  EXPECT_EQ(value('/', R"({"a": 1, "b": 3})"), "0.3333333333");
  EXPECT_FALSE(value('/', R"({"a": 1, "b": 0})").has_value());
  EXPECT_FALSE(value('+', R"({"a": 1})").has_value());
  EXPECT_FALSE(value('+', R"({"a": "x", "b": 1})").has_value());
  EXPECT_FALSE(value('+', "not json").has_value());
}

// Model, UseHistoricalData: "Whether historical data ingested before the Calculated Attribute
// was created should be included in calculations."
TEST(ContributionOf, UseHistoricalDataDecidesForObjectsIngestedBefore) {
  json::object old_object = Record(R"({"a": 1})", 999);  // the definition's CreatedAt is 1000
  EXPECT_FALSE(ContributionOf(Def("{O.a}"), json::object(), old_object).has_value());
  EXPECT_TRUE(ContributionOf(Def("{O.a}", "SUM", R"("UseHistoricalData": true)"), json::object(),
                             old_object)
                  .has_value());
  EXPECT_TRUE(
      ContributionOf(Def("{O.a}"), json::object(), Record(R"({"a": 1})", 1000)).has_value());
}

TEST(ContributionOf, TimestampSourceGivesTheTimeOrDropsTheObject) {
  CalcDefinition d = Def("{O.a}", "SUM", R"("Conditions": {"Range": {"Value": 1,
      "TimestampSource": "{O.generatedAt.timestamp}", "TimestampFormat": "EPOCHMILLI"}})");
  auto c = ContributionOf(d, json::object(),
                          Record(R"({"a": 1, "generatedAt": {"timestamp": "1737587945945"}})"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->at, 1737587945.945);
  EXPECT_FALSE(ContributionOf(d, json::object(), Record(R"({"a": 1})")).has_value());
  EXPECT_FALSE(
      ContributionOf(d, json::object(), Record(R"({"a": 1, "generatedAt": {"timestamp": "soon"}})"))
          .has_value());
}

TEST(ContributionOf, TheFilterDropsObjects) {
  CalcDefinition d = Def("{O.a}", "SUM", R"("Filter": {"Include": "ALL", "Groups": [
      {"Type": "ALL", "Dimensions": [{"Attributes": {"channel": {"DimensionType": "INCLUSIVE",
      "Values": ["web"]}}}]}]})");
  EXPECT_TRUE(ContributionOf(d, json::object(), Record(R"({"a": 1, "channel": "web"})")));
  EXPECT_FALSE(ContributionOf(d, json::object(), Record(R"({"a": 1, "channel": "shop"})")));
}

// Model, Threshold with Operator EQUAL_TO, GREATER_THAN, LESS_THAN, NOT_EQUAL_TO.
TEST(Threshold, EveryOperatorNumericAndText) {
  auto holds = [](std::string_view op, std::string_view limit, std::string_view value) {
    CalcDefinition d =
        Def("{O.a}", "SUM",
            std::string(R"("Conditions": {"Threshold": {"Value": ")") + std::string(limit) +
                R"(", "Operator": ")" + std::string(op) + R"("}})");
    return ThresholdHolds(d, value);
  };
  EXPECT_TRUE(holds("GREATER_THAN", "100", "150"));
  EXPECT_FALSE(holds("GREATER_THAN", "100", "100"));
  EXPECT_TRUE(holds("GREATER_THAN", "9", "10"));  // numbers, not text ("10" < "9" as text)
  EXPECT_TRUE(holds("LESS_THAN", "100", "99.5"));
  EXPECT_FALSE(holds("LESS_THAN", "100", "100"));
  EXPECT_TRUE(holds("EQUAL_TO", "100", "100.0"));
  EXPECT_TRUE(holds("EQUAL_TO", "web", "web"));
  EXPECT_FALSE(holds("EQUAL_TO", "web", "Web"));
  EXPECT_TRUE(holds("NOT_EQUAL_TO", "web", "shop"));
  EXPECT_FALSE(holds("NOT_EQUAL_TO", "3", "3"));
  EXPECT_TRUE(ThresholdHolds(Def("{O.a}"), "anything"));
}

TEST(RangeOverride, StartEndAndUnit) {
  auto w = ParseRangeOverride(Obj(R"({"Start": 14, "Unit": "DAYS"})"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start, 14);
  EXPECT_EQ(w->end, 0);
  EXPECT_FALSE(ParseRangeOverride(Obj(R"({"Start": 1, "End": 3, "Unit": "DAYS"})")).ok());
}

TEST(FormatNumber, IntegersWithoutFraction) {
  EXPECT_EQ(FormatNumber(12), "12");
  EXPECT_EQ(FormatNumber(-3), "-3");
  EXPECT_EQ(FormatNumber(2.5), "2.5");
  EXPECT_EQ(FormatNumber(1.0 / 3), "0.3333333333");
}

}  // namespace
}  // namespace profiled::service
