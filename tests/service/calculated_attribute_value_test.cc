// The calculated attribute value's pure steps (calculated_attribute_value.h): the definition,
// the expression, one object's value, the conditions and the statistic.
#include "service/calculated_attribute_value.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

AttributeDefinition Def(std::string_view expression, std::string_view attributes,
                        std::string_view statistic = "SUM", std::string_view conditions = "{}") {
  json::object def =
      Obj(R"({"AttributeDetails": {}, "Conditions": )" + std::string(conditions) + "}");
  def["AttributeDetails"].as_object()["Expression"] = expression;
  def["AttributeDetails"].as_object()["Attributes"] = json::parse(attributes);
  def["Statistic"] = statistic;
  auto parsed = ParseAttributeDefinition(def);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  return parsed.ok() ? *parsed : AttributeDefinition{};
}

// A stored object record holding `object`, ingested at `at`.
json::object Record(std::string_view object, double at) {
  json::object r;
  r["Object"] = object;
  r["CreatedAt"] = at;
  return r;
}

ObjectValue Value(double at, std::string text, std::optional<double> number = std::nullopt) {
  return {at, std::move(text), number};
}

TEST(AttributeDefinition, TakesTermsStatisticAndConditions) {
  AttributeDefinition d = Def("{Order.total} * 2", R"([{"Name": "total"}])", "AVERAGE",
                              R"({"Range": {"Value": 30, "Unit": "DAYS"}, "ObjectCount": 5})");
  ASSERT_EQ(d.terms.size(), 1u);
  EXPECT_EQ(d.object_type, "Order");
  EXPECT_EQ(d.expression, "{Order.total} * 2");
  EXPECT_EQ(d.statistic, "AVERAGE");
  EXPECT_EQ(d.range_days, 30);
  EXPECT_EQ(d.object_count, 5);
  AttributeDefinition plain = Def("{Order.total}", R"([{"Name": "total"}])");
  EXPECT_FALSE(plain.range_days.has_value());
  EXPECT_FALSE(plain.object_count.has_value());
}

TEST(AttributeDefinition, AStoredDefinitionWithoutDetailsIsInternal) {
  auto r = ParseAttributeDefinition(Obj(R"({"Statistic": "SUM"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
}

TEST(EvaluateExpression, ArithmeticWithPrecedenceAndTerms) {
  std::map<std::string, double> v{{"O.a", 3}, {"O.b", 4}};
  EXPECT_EQ(EvaluateExpression("{O.a} + {O.b} * 2", v), 11);
  EXPECT_EQ(EvaluateExpression("({O.a} + {O.b}) * 2", v), 14);
  EXPECT_EQ(EvaluateExpression(" {O.b} / 2 - 1.5 ", v), 0.5);
  EXPECT_FALSE(EvaluateExpression("{O.a} / 0", v).has_value());
  EXPECT_FALSE(EvaluateExpression("{O.c} + 1", v).has_value());
  EXPECT_FALSE(EvaluateExpression("({O.a}", v).has_value());
  EXPECT_FALSE(EvaluateExpression("{O.a} {O.b}", v).has_value());
}

TEST(FormatNumber, IntegersWithoutFraction) {
  EXPECT_EQ(FormatNumber(12), "12");
  EXPECT_EQ(FormatNumber(-3), "-3");
  EXPECT_EQ(FormatNumber(2.5), "2.5");
  EXPECT_EQ(FormatNumber(1.0 / 3), "0.3333333333");
}

TEST(ObjectValueOf, ALoneTermKeepsItsTextAndItsNumber) {
  AttributeDefinition d = Def("{Order.total}", R"([{"Name": "total"}])");
  json::object type = Obj(R"({"Fields": {"total": {"Source": "_source.amount.value"}}})");
  auto v = ObjectValueOf(d, type, Record(R"({"amount": {"value": "12.50"}})", 7));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->at, 7);
  EXPECT_EQ(v->text, "12.50");
  EXPECT_EQ(v->number, 12.5);
  auto text = ObjectValueOf(d, type, Record(R"({"amount": {"value": "gold"}})", 7));
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->text, "gold");
  EXPECT_FALSE(text->number.has_value());
}

TEST(ObjectValueOf, AnExpressionIsFormattedAndAnAttributeFallsBackToTheMember) {
  AttributeDefinition d =
      Def("{Order.price} * {Order.qty}", R"([{"Name": "price"}, {"Name": "qty"}])");
  auto v = ObjectValueOf(d, json::object(), Record(R"({"price": 2.5, "qty": 4})", 1));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->text, "10");
  EXPECT_EQ(v->number, 10);
}

TEST(ObjectValueOf, NoValueWithoutEveryAttributeOrAParsableObject) {
  AttributeDefinition d =
      Def("{Order.price} * {Order.qty}", R"([{"Name": "price"}, {"Name": "qty"}])");
  EXPECT_FALSE(ObjectValueOf(d, json::object(), Record(R"({"price": 2.5})", 1)).has_value());
  EXPECT_FALSE(ObjectValueOf(d, json::object(), Record("not json", 1)).has_value());
  EXPECT_FALSE(
      ObjectValueOf(d, json::object(), Record(R"({"price": "x", "qty": 1})", 1)).has_value());
  json::object no_time;
  no_time["Object"] = R"({"price": 1, "qty": 1})";
  EXPECT_EQ(ObjectValueOf(d, json::object(), no_time)->at, 0);
}

TEST(ApplyConditions, OrdersByIngestionThenRangeThenLatestCount) {
  AttributeDefinition d = Def("{O.a}", R"([{"Name": "a"}])", "SUM",
                              R"({"Range": {"Value": 2, "Unit": "DAYS"}, "ObjectCount": 2})");
  double day = 86400, now = 10 * day;
  std::vector<ObjectValue> values{Value(9.5 * day, "c"), Value(7 * day, "old"),
                                  Value(8.5 * day, "a"), Value(9 * day, "b")};
  ApplyConditions(d, now, values);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].text, "b");
  EXPECT_EQ(values[1].text, "c");
  AttributeDefinition none = Def("{O.a}", R"([{"Name": "a"}])");
  std::vector<ObjectValue> all{Value(2, "y"), Value(1, "x"), Value(2, "z")};
  ApplyConditions(none, now, all);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].text + all[1].text + all[2].text, "xyz");  // stable among equal times
}

TEST(Summarize, EveryStatistic) {
  std::vector<ObjectValue> v{Value(1, "b", 2), Value(2, "a", 4), Value(3, "b", 9),
                             Value(4, "text")};
  auto value = [&](std::string_view s) { return Summarize(s, v).value.value_or("<none>"); };
  EXPECT_EQ(value("COUNT"), "4");
  EXPECT_EQ(value("SUM"), "15");
  EXPECT_EQ(value("AVERAGE"), "5");
  EXPECT_EQ(value("MINIMUM"), "2");
  EXPECT_EQ(value("MAXIMUM"), "9");
  EXPECT_EQ(value("FIRST_OCCURRENCE"), "b");
  EXPECT_EQ(value("LAST_OCCURRENCE"), "text");
  EXPECT_EQ(value("MAX_OCCURRENCE"), "b");
  EXPECT_EQ(Summarize("SUM", v).last_object_timestamp, 4);
}

TEST(Summarize, EmptyAndNonNumericInputs) {
  Computed none = Summarize("COUNT", {});
  EXPECT_EQ(none.value, "0");
  EXPECT_FALSE(none.last_object_timestamp.has_value());
  EXPECT_FALSE(Summarize("SUM", {}).value.has_value());
  std::vector<ObjectValue> texts{Value(1, "x"), Value(2, "y")};
  EXPECT_FALSE(Summarize("SUM", texts).value.has_value());
  EXPECT_EQ(Summarize("SUM", texts).last_object_timestamp, 2);
  // A tie goes to the smallest text.
  EXPECT_EQ(Summarize("MAX_OCCURRENCE", texts).value, "x");
}

}  // namespace
}  // namespace profiled::service
