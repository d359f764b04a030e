// The per-profile aggregate of a calculated attribute (calculated_attribute_state.h): every
// statistic, Range windows (the definition's and an override's), ObjectCount, Threshold, and
// that a state kept by Add / Remove / Merge answers what a state built from the remaining
// contributions answers.
#include "service/calculated_attribute_state.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>

namespace profiled::service {
namespace {
namespace json = boost::json;

constexpr double kDay = 86400;
constexpr double kNow = 100 * kDay + 3600;  // 01:00 UTC on day 100

CalcDefinition Def(std::string_view statistic, std::string_view conditions = "{}") {
  json::object doc = json::parse(std::string(R"({"AttributeDetails": {"Attributes":
      [{"Name": "a"}], "Expression": "{O.a}"}, "Conditions": )") +
                                 std::string(conditions) + "}")
                         .as_object();
  doc["Statistic"] = statistic;
  auto parsed = ParseCalcDefinition(doc);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  return parsed.ok() ? *parsed : CalcDefinition{};
}

Contribution C(double at, std::string uid, std::string text,
               std::optional<double> number = std::nullopt) {
  return {at, std::move(uid), std::move(text), number};
}
Contribution N(double at, std::string uid, double n) {
  return C(at, std::move(uid), FormatNumber(n), n);
}

std::string ValueOf(const CalcDefinition& def, const std::vector<Contribution>& cs,
                    std::optional<DayWindow> window = std::nullopt) {
  CalcState s;
  for (const auto& c : cs) s.Add(c, ShapeOf(def));
  return AnswerFromState(def, s, kNow, window).value.value_or("<none>");
}

TEST(CalcState, EveryStatistic) {
  std::vector<Contribution> cs{N(kNow - 4, "o1", 2), N(kNow - 3, "o2", 4), N(kNow - 2, "o3", 9),
                               C(kNow - 1, "o4", "text"), C(kNow - 5, "o0", "9", 9)};
  EXPECT_EQ(ValueOf(Def("COUNT"), cs), "5");
  EXPECT_EQ(ValueOf(Def("SUM"), cs), "24");
  EXPECT_EQ(ValueOf(Def("AVERAGE"), cs), "6");
  EXPECT_EQ(ValueOf(Def("MINIMUM"), cs), "2");
  EXPECT_EQ(ValueOf(Def("MAXIMUM"), cs), "9");
  EXPECT_EQ(ValueOf(Def("FIRST_OCCURRENCE"), cs), "9");
  EXPECT_EQ(ValueOf(Def("LAST_OCCURRENCE"), cs), "text");
  EXPECT_EQ(ValueOf(Def("MAX_OCCURRENCE"), cs), "9");
  CalcState s;
  for (const auto& c : cs) s.Add(c, ShapeOf(Def("SUM")));
  EXPECT_EQ(AnswerFromState(Def("SUM"), s, kNow).last_object_timestamp, kNow - 1);
}

TEST(CalcState, NothingAndTextOnly) {
  EXPECT_EQ(ValueOf(Def("COUNT"), {}), "0");
  EXPECT_EQ(ValueOf(Def("SUM"), {}), "<none>");
  EXPECT_EQ(ValueOf(Def("LAST_OCCURRENCE"), {}), "<none>");
  std::vector<Contribution> texts{C(1, "a", "y"), C(2, "b", "x")};
  EXPECT_EQ(ValueOf(Def("SUM"), texts), "<none>");
  EXPECT_EQ(ValueOf(Def("MAXIMUM"), texts), "<none>");
  EXPECT_EQ(ValueOf(Def("MAX_OCCURRENCE"), texts), "x");  // a tie goes to the smaller value
  CalcState none;
  EXPECT_FALSE(AnswerFromState(Def("COUNT"), none, kNow).last_object_timestamp.has_value());
}

// Equal times are ordered by unique key, the same on every store and after a rebuild.
TEST(CalcState, TiesAreOrderedByUniqueKey) {
  std::vector<Contribution> cs{C(5, "b", "second"), C(5, "a", "first")};
  EXPECT_EQ(ValueOf(Def("FIRST_OCCURRENCE"), cs), "first");
  EXPECT_EQ(ValueOf(Def("LAST_OCCURRENCE"), cs), "second");
}

// Range Value N: today and the N days before it, in whole UTC days; ValueRange Start..End.
TEST(CalcState, RangeWindowsAreWholeUtcDays) {
  std::vector<Contribution> cs{N(100 * kDay, "today", 1), N(99 * kDay + 1, "yesterday", 10),
                               N(98 * kDay - 1, "three_days_ago", 100),
                               N(102 * kDay, "future", 1000)};
  EXPECT_EQ(ValueOf(Def("SUM", R"({"Range": {"Value": 0, "Unit": "DAYS"}})"), cs), "1");
  EXPECT_EQ(ValueOf(Def("SUM", R"({"Range": {"Value": 1, "Unit": "DAYS"}})"), cs), "11");
  EXPECT_EQ(ValueOf(Def("SUM", R"({"Range": {"Value": 2, "Unit": "DAYS"}})"), cs), "11");
  EXPECT_EQ(ValueOf(Def("SUM", R"({"Range": {"Value": 3, "Unit": "DAYS"}})"), cs), "111");
  EXPECT_EQ(ValueOf(Def("SUM", R"({"Range": {"ValueRange": {"Start": 3, "End": 1}}})"), cs), "110");
  EXPECT_EQ(ValueOf(Def("SUM", R"({"Range": {"ValueRange": {"Start": 0, "End": -2}}})"), cs),
            "1001");
  EXPECT_EQ(ValueOf(Def("SUM"), cs), "1111");
  // An override replaces the definition's window.
  EXPECT_EQ(ValueOf(Def("SUM", R"({"Range": {"Value": 0}})"), cs, DayWindow{1, 1}), "10");
}

// ObjectCount N: the latest N contributions inside the window.
TEST(CalcState, ObjectCountKeepsTheLatestInTheWindow) {
  std::vector<Contribution> cs{N(97 * kDay, "a", 1), N(98 * kDay, "b", 2), N(98 * kDay + 5, "c", 4),
                               N(99 * kDay, "d", 8), N(100 * kDay, "e", 16)};
  EXPECT_EQ(ValueOf(Def("SUM", R"({"ObjectCount": 2})"), cs), "24");
  EXPECT_EQ(ValueOf(Def("SUM", R"({"ObjectCount": 3})"), cs), "28");
  EXPECT_EQ(ValueOf(Def("SUM", R"({"ObjectCount": 2})"), cs, DayWindow{3, 2}), "6");
  EXPECT_EQ(ValueOf(Def("FIRST_OCCURRENCE", R"({"ObjectCount": 2})"), cs), "8");
  EXPECT_EQ(ValueOf(Def("COUNT", R"({"ObjectCount": 100})"), cs), "5");
}

// The value is reported only when the threshold holds.
TEST(CalcState, ThresholdHidesTheValue) {
  std::vector<Contribution> cs{N(1, "a", 60), N(2, "b", 50)};
  EXPECT_EQ(
      ValueOf(Def("SUM", R"({"Threshold": {"Value": "100", "Operator": "GREATER_THAN"}})"), cs),
      "110");
  EXPECT_EQ(
      ValueOf(Def("SUM", R"({"Threshold": {"Value": "200", "Operator": "GREATER_THAN"}})"), cs),
      "<none>");
  CalcState s;
  for (const auto& c : cs) s.Add(c, {});
  Computed hidden = AnswerFromState(
      Def("SUM", R"({"Threshold": {"Value": "110", "Operator": "NOT_EQUAL_TO"}})"), s, kNow);
  EXPECT_FALSE(hidden.value.has_value());
  EXPECT_EQ(hidden.last_object_timestamp, 2);
}

TEST(CalcState, RemoveIsExactOrSaysSo) {
  StateShape shape{true, 0};
  CalcState s;
  s.Add(N(10, "a", 1), shape);
  s.Add(N(20, "b", 5), shape);
  s.Add(N(30, "c", 3), shape);
  EXPECT_TRUE(s.Remove(N(30, "c", 3), shape) == false);  // c was the last
  CalcState t;
  t.Add(N(10, "a", 1), shape);
  t.Add(N(20, "b", 3), shape);
  t.Add(N(30, "c", 5), shape);
  EXPECT_FALSE(t.Remove(N(20, "b", 3), shape) == false);  // neither extreme nor first/last
  EXPECT_EQ(AnswerFromState(Def("SUM"), t, kNow).value, "6");
  CalcState one;
  one.Add(N(10, "a", 1), shape);
  EXPECT_TRUE(one.Remove(N(10, "a", 1), shape));
  EXPECT_TRUE(one.Empty());
}

TEST(CalcState, JsonRoundTrip) {
  StateShape shape{true, 2};
  CalcState s;
  s.Add(N(10, "a", 1.5), shape);
  s.Add(C(kDay * 3, "b", "gold"), shape);
  s.Add(N(kDay * 3 + 1, "c", -2), shape);
  auto back = CalcState::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(json::serialize(back->ToJson()), json::serialize(s.ToJson()));
  EXPECT_FALSE(CalcState::FromJson(json::object()).ok());
}

// The property the store relies on: whatever sequence of adds, removes (falling back to a
// rebuild when Remove says it cannot be exact) and merges, every statistic under every window
// and ObjectCount answers as a state built from scratch over what remains.
TEST(CalcState, IncrementalEqualsRebuilt) {
  std::mt19937 rng(12345);
  std::vector<std::string> statistics{"COUNT",           "SUM",           "AVERAGE",
                                      "MINIMUM",         "MAXIMUM",       "FIRST_OCCURRENCE",
                                      "LAST_OCCURRENCE", "MAX_OCCURRENCE"};
  std::vector<std::string> conditions{"{}", R"({"ObjectCount": 3})", R"({"Range": {"Value": 2}})",
                                      R"({"Range": {"Value": 4}, "ObjectCount": 2})"};
  for (const std::string& statistic : statistics) {
    for (const std::string& cond : conditions) {
      CalcDefinition def = Def(statistic, cond);
      StateShape shape = ShapeOf(def);
      CalcState state, other;
      std::vector<Contribution> live, other_live;
      int next = 0;
      auto random_c = [&]() {
        double at = (95 + rng() % 6) * kDay + (rng() % 3);
        int v = static_cast<int>(rng() % 5);
        std::string uid = "u" + std::to_string(next++);
        return rng() % 4 == 0 ? C(at, uid, v % 2 ? "x" : "y") : N(at, uid, v);
      };
      for (int step = 0; step < 300; ++step) {
        int what = static_cast<int>(rng() % 10);
        if (what < 5 || live.empty()) {
          Contribution c = random_c();
          state.Add(c, shape);
          live.push_back(c);
        } else if (what < 9) {
          size_t i = rng() % live.size();
          Contribution c = live[i];
          live.erase(live.begin() + static_cast<long>(i));
          if (!state.Remove(c, shape)) {
            state = CalcState();
            for (const auto& l : live) state.Add(l, shape);
          }
        } else {
          Contribution c = random_c();
          other.Add(c, shape);
          other_live.push_back(c);
          if (rng() % 3 == 0) {
            state.Merge(other, shape);
            live.insert(live.end(), other_live.begin(), other_live.end());
            other = CalcState();
            other_live.clear();
          }
        }
        CalcState rebuilt;
        for (const auto& l : live) rebuilt.Add(l, shape);
        Computed a = AnswerFromState(def, state, kNow), b = AnswerFromState(def, rebuilt, kNow);
        ASSERT_EQ(a.value, b.value) << statistic << " " << cond << " step " << step;
        ASSERT_EQ(a.last_object_timestamp, b.last_object_timestamp);
      }
    }
  }
}

}  // namespace
}  // namespace profiled::service
