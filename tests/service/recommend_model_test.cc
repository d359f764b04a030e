// The recommenders' models as pure functions (service/recommend_model.h): event columns, event
// weights, each recipe on data with a planted answer, the held-out metrics on a case worked by
// hand, the stored form, and filter expressions (service/recommend_filter.h).
#include "service/recommend_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "service/recommend_filter.h"

namespace profiled::service::recommend {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

constexpr double kT0 = 1700000000;
constexpr double kDay = 86400;

ParsedEvent Event(std::string type, std::vector<std::string> items, double time) {
  ParsedEvent e;
  e.type = std::move(type);
  e.items = std::move(items);
  e.item_meta.resize(e.items.size());
  e.time = time;
  return e;
}

std::vector<std::string> Ids(const Model& model, const std::vector<Ranked>& ranked) {
  std::vector<std::string> out;
  for (const Ranked& r : ranked) out.push_back(model.items[r.item]);
  return out;
}

std::vector<HistoryEvent> History(std::vector<std::pair<std::string, double>> events) {
  std::vector<HistoryEvent> out;
  for (auto& [item, time] : events) out.push_back({item, time, 1.0, "click"});
  return out;
}

TEST(RecommendModelTest, ParsesTheDocumentedColumns) {
  auto e = ParseEvent(Obj(R"({"EventType": "purchase", "EventTimestamp": "2023-11-14T22:13:20Z",
      "EventValue": "3.5", "Item": {"Id": "sku1", "Name": "Shoe", "Price": 12.5,
      "Color": "red", "Attributes": {"Size": 42}},
      "ItemList": [{"Id": "sku2"}, {"Id": "sku1"}, {"Id": 7}]})"),
                      1.0);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type, "purchase");
  EXPECT_EQ(e->items, (std::vector<std::string>{"sku1", "sku2", "7"}));
  EXPECT_DOUBLE_EQ(e->time, 1700000000);
  ASSERT_TRUE(e->value.has_value());
  EXPECT_DOUBLE_EQ(*e->value, 3.5);
  EXPECT_EQ(e->item_meta[0], Obj(R"({"Name": "Shoe", "Price": "12.5",
      "Attributes": {"Color": "red", "Size": "42"}})"));

  // Flat dotted keys, epoch seconds and milliseconds; the fallback time without a timestamp.
  e = ParseEvent(Obj(R"({"EventType": "view", "Item.Id": "a", "EventTimestamp": 1700000000123})"),
                 1.0);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->items, std::vector<std::string>{"a"});
  EXPECT_NEAR(e->time, 1700000000.123, 1e-6);
  e = ParseEvent(Obj(R"({"EventType": "view", "Item": {"Id": "a"}})"), 42.0);
  EXPECT_DOUBLE_EQ(e->time, 42.0);

  EXPECT_FALSE(ParseEvent(Obj(R"({"Item": {"Id": "a"}})"), 0).has_value());
  EXPECT_FALSE(ParseEvent(Obj(R"({"EventType": "view"})"), 0).has_value());
  EXPECT_FALSE(ParseEvent(Obj(R"({"EventType": "", "Item": {"Id": "a"}})"), 0).has_value());
}

TEST(RecommendModelTest, EventWeightsAndThresholds) {
  EventConfig none;
  EXPECT_EQ(none.WeightOf("anything", std::nullopt), 1.0);
  json::object raw = Obj(R"({"EventsConfig":
      {"EventParametersList": [{"EventType": "Purchase", "EventWeight": 1.0,
       "EventValueThreshold": 10}, {"EventType": "click", "EventWeight": 0.25},
       {"EventType": "hover", "EventWeight": 0}]}})");
  EventConfig config = EventConfig::FromRecommenderConfig(&raw);
  EXPECT_EQ(config.WeightOf("purchase", 10.0), 1.0);
  EXPECT_EQ(config.WeightOf("purchase", 9.0), std::nullopt);
  EXPECT_EQ(config.WeightOf("purchase", std::nullopt), std::nullopt);
  EXPECT_EQ(config.WeightOf("CLICK", std::nullopt), 0.25);
  EXPECT_EQ(config.WeightOf("hover", std::nullopt), std::nullopt);
  EXPECT_EQ(config.WeightOf("view", std::nullopt), std::nullopt);
}

// Two tastes: "a" items for 10 profiles, "b" items for 20 (so b items are the popular ones), in
// an order that differs from profile to profile.
Dataset TwoTastes() {
  Dataset data;
  for (int p = 0; p < 30; ++p) {
    std::string group = p < 10 ? "a" : "b";
    for (int i = 0; i < 5; ++i) {
      if ((p + i) % 5 == 4) continue;  // each profile misses one of its group's items
      data.Add("p" + std::to_string(p),
               Event("click", {group + std::to_string(i)}, kT0 + p * 100 + (p + i) % 5 * 10), 1.0);
    }
  }
  return data;
}

TEST(RecommendModelTest, PopularItemsRankByTotalWeight) {
  Dataset data = TwoTastes();
  data.Add("x", Event("click", {"b0"}, kT0), 1.0);
  Model model = Train(data, Recipe::kPopularItems);
  std::vector<Ranked> top = Rank(model, {}, {}, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(model.items[top[0].item], "b0");  // 16 + 1
  EXPECT_DOUBLE_EQ(top[0].score, 1.0);
  EXPECT_NEAR(top[1].score, 16.0 / 17.0, 1e-9);
}

TEST(RecommendModelTest, RecommendedForYouFollowsTheProfilesTasteAndSkipsItsItems) {
  Model model = Train(TwoTastes(), Recipe::kRecommendedForYou);
  // A profile with a0, a1, a2: the other a items first, though b items are more popular.
  std::vector<Ranked> top =
      Rank(model, History({{"a0", kT0}, {"a1", kT0 + 1}, {"a2", kT0 + 2}}), {}, 4);
  std::vector<std::string> ids = Ids(model, top);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.begin() + 2),
            (std::set<std::string>{"a3", "a4"}));
  EXPECT_GT(top[1].score, 0);
  EXPECT_EQ(top[2].score, 0);  // popularity fills the rest
  EXPECT_EQ(ids[2].substr(0, 1), "b");
  // A new profile gets the popular items.
  EXPECT_EQ(Ids(model, Rank(model, {}, {}, 1)), std::vector<std::string>{"b0"});
}

TEST(RecommendModelTest, SimilarItemsSeedFromTheLatestItem) {
  Model model = Train(TwoTastes(), Recipe::kSimilarItems);
  std::vector<std::string> ids =
      Ids(model, Rank(model, History({{"b1", kT0}, {"a2", kT0 + 5}}), {}, 4));
  for (const std::string& id : ids) EXPECT_EQ(id.substr(0, 1), "a") << id;
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "a2"), 0);
}

TEST(RecommendModelTest, FrequentlyPairedItemsComeFromSessions) {
  Dataset data;
  // phone and case bought in one session by 5 profiles; a later session (hours after) holds a
  // charger, so it pairs with neither.
  for (int p = 0; p < 5; ++p) {
    std::string id = "p" + std::to_string(p);
    data.Add(id, Event("purchase", {"phone"}, kT0 + p * kDay), 1.0);
    data.Add(id, Event("purchase", {"case"}, kT0 + p * kDay + 60), 1.0);
    data.Add(id, Event("purchase", {"charger"}, kT0 + p * kDay + 5 * 3600), 1.0);
  }
  data.Add("q", Event("purchase", {"charger", "cable"}, kT0), 1.0);  // one basket
  Model model = Train(data, Recipe::kFrequentlyPairedItems);
  EXPECT_EQ(Ids(model, Rank(model, History({{"phone", kT0}}), {}, 1)),
            std::vector<std::string>{"case"});
  EXPECT_EQ(Ids(model, Rank(model, History({{"cable", kT0}}), {}, 1)),
            std::vector<std::string>{"charger"});
}

TEST(RecommendModelTest, TrendingNowFavoursWhatRisesInTheLastDay) {
  Dataset data;
  // "steady": 10 events a day for 10 days; "rising": nothing, then 15 in the last day.
  for (int d = 0; d < 10; ++d) {
    for (int k = 0; k < 10; ++k) data.Add("p", Event("view", {"steady"}, kT0 + d * kDay + k), 1.0);
  }
  for (int k = 0; k < 15; ++k) data.Add("q", Event("view", {"rising"}, kT0 + 9 * kDay + k), 1.0);
  Model trending = Train(data, Recipe::kTrendingNow);
  EXPECT_EQ(Ids(trending, Rank(trending, {}, {}, 2)),
            (std::vector<std::string>{"rising", "steady"}));
  Model popular = Train(data, Recipe::kPopularItems);
  EXPECT_EQ(Ids(popular, Rank(popular, {}, {}, 1)), std::vector<std::string>{"steady"});
}

TEST(RecommendModelTest, PersonalizedRankingRanksOnlyTheCandidates) {
  Model model = Train(TwoTastes(), Recipe::kPersonalizedRanking);
  std::vector<std::string> ids =
      Ids(model, Rank(model, History({{"a0", kT0}, {"a1", kT0}}), {"b3", "a4", "zz", "a1"}));
  // a4 pairs with both items of the history, a1 with a0 (seen items are ranked too); b3 with
  // neither; "zz" is unknown to the model (GetProfileRecommendations lists it last).
  EXPECT_EQ(ids, (std::vector<std::string>{"a4", "a1", "b3"}));
}

TEST(RecommendModelTest, EvaluateHoldsOutTheLatestItemsOfEachProfile) {
  // p1 and p2 like x then y; p3 interacts with x, then y is held out: with 3 distinct items or
  // fewer, one item is held out per profile.
  Dataset data;
  data.Add("p1", Event("click", {"x"}, kT0), 1.0);
  data.Add("p1", Event("click", {"y"}, kT0 + 1), 1.0);
  data.Add("p2", Event("click", {"x"}, kT0), 1.0);
  data.Add("p2", Event("click", {"y"}, kT0 + 1), 1.0);
  data.Add("p3", Event("click", {"z"}, kT0), 1.0);
  // Training keeps x for p1 and p2, z for p3: popular-items ranks x, z (y is unseen).
  auto metrics = Evaluate(data, Recipe::kPopularItems);
  std::map<std::string, double> m(metrics.begin(), metrics.end());
  EXPECT_DOUBLE_EQ(m["precision_at_5"], 0.0);
  EXPECT_DOUBLE_EQ(m["recall"], 0.0);
  EXPECT_DOUBLE_EQ(m["hit"], 0.0);
  EXPECT_DOUBLE_EQ(m["coverage"], 1.0);  // x and z: every trained item was recommended

  // With a third profile that went x -> y in training, recommended-for-you finds y for p1, p2
  // at rank 1: precision@5 = 1/5, recall = hit = MRR = NDCG = 1.
  data.Add("p4", Event("click", {"x"}, kT0), 1.0);
  data.Add("p4", Event("click", {"y"}, kT0 + 1), 1.0);
  data.Add("p4", Event("click", {"w"}, kT0 + 2), 1.0);
  metrics = Evaluate(data, Recipe::kRecommendedForYou);
  m = std::map<std::string, double>(metrics.begin(), metrics.end());
  // p4 holds out w (1 of 3): unseen in training, so p4 scores 0 everywhere; p1, p2 score fully.
  EXPECT_NEAR(m["precision_at_5"], (0.2 + 0.2 + 0) / 3, 1e-6);
  EXPECT_NEAR(m["recall"], 2.0 / 3, 1e-6);
  EXPECT_NEAR(m["hit"], 2.0 / 3, 1e-6);
  EXPECT_NEAR(m["mean_reciprocal_rank_at_25"], 2.0 / 3, 1e-6);
  EXPECT_NEAR(m["normalized_discounted_cumulative_gain_at_10"], 2.0 / 3, 1e-6);

  // Every profile of TwoTastes holds out an item of its taste, which the model finds.
  metrics = Evaluate(TwoTastes(), Recipe::kRecommendedForYou);
  m = std::map<std::string, double>(metrics.begin(), metrics.end());
  EXPECT_GT(m["recall"], 0.9);

  Dataset single;
  single.Add("p", Event("click", {"x"}, kT0), 1.0);
  EXPECT_TRUE(Evaluate(single, Recipe::kPopularItems).empty());
}

TEST(RecommendModelTest, StoredFormRoundTrips) {
  Dataset data = TwoTastes();
  ParsedEvent e = Event("click", {"a0"}, kT0 + 99999);
  e.item_meta[0] = Obj(R"({"Name": "A zero", "Attributes": {"Color": "red"}})");
  data.Add("p0", e, 1.0);
  for (Recipe recipe : {Recipe::kRecommendedForYou, Recipe::kTrendingNow,
                        Recipe::kFrequentlyPairedItems, Recipe::kPopularItems}) {
    Model model = Train(data, recipe);
    auto back = ModelFromDocs(ModelMeta(model), ModelChunks(model));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back->items, model.items);
    EXPECT_EQ(back->catalog, model.catalog);
    EXPECT_EQ(back->order, model.order);
    ASSERT_EQ(back->neighbors.size(), model.neighbors.size());
    for (size_t i = 0; i < model.neighbors.size(); ++i) {
      ASSERT_EQ(back->neighbors[i].size(), model.neighbors[i].size());
      for (size_t k = 0; k < model.neighbors[i].size(); ++k) {
        EXPECT_EQ(back->neighbors[i][k].item, model.neighbors[i][k].item);
        EXPECT_NEAR(back->neighbors[i][k].score, model.neighbors[i][k].score, 1e-6);
      }
    }
    auto history = History({{"a0", kT0}});
    EXPECT_EQ(Ids(*back, Rank(*back, history, {}, 5)), Ids(model, Rank(model, history, {}, 5)));
  }
  json::object meta = ModelMeta(Train(data, Recipe::kPopularItems));
  meta["Items"] = 3;
  EXPECT_FALSE(ModelFromDocs(meta, ModelChunks(Train(data, Recipe::kPopularItems))).ok());
}

bool Keeps(std::string_view expression, const json::object& values, const json::object& item,
           const std::set<std::string>& types = {}) {
  auto parsed = ParseFilter(expression);
  EXPECT_TRUE(parsed.ok()) << expression << ": " << parsed.error().message();
  if (!parsed.ok()) return false;
  auto bound = BindFilter(*parsed, &values, "RecommenderFilters[0].Values");
  EXPECT_TRUE(bound.ok()) << bound.error().message();
  return bound.ok() && FilterKeeps(*bound, item, types);
}

TEST(RecommendFilterTest, ItemsAndInteractions) {
  json::object shoe = Obj(R"({"Category": "shoes", "Price": "12.5",
      "Attributes": {"Color": "red"}})");
  json::object none;
  EXPECT_FALSE(Keeps(R"(EXCLUDE ItemID WHERE Items.Category IN ("shoes", "hats"))", none, shoe));
  EXPECT_TRUE(Keeps(R"(include itemid where items.category in ("shoes"))", none, shoe));
  EXPECT_FALSE(Keeps(R"(INCLUDE ItemID WHERE Items.Category NOT IN ("shoes"))", none, shoe));
  EXPECT_TRUE(Keeps("INCLUDE ItemID WHERE Items.Price < 20 AND Items.Price >= 12.5", none, shoe));
  EXPECT_FALSE(Keeps("INCLUDE ItemID WHERE Items.Price > 20", none, shoe));
  EXPECT_TRUE(Keeps(R"(INCLUDE ItemID WHERE Items.Price > 20 OR Items.color = "red")", none, shoe));
  EXPECT_TRUE(Keeps("EXCLUDE ItemID WHERE Items.Price > 20", none, json::object()));
  EXPECT_FALSE(Keeps(R"(EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase"))", none, shoe,
                     {"Purchase"}));
  EXPECT_TRUE(Keeps(R"(EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase"))", none, shoe,
                    {"click"}));
  // Clauses joined by | must all keep the item.
  EXPECT_FALSE(Keeps(R"(INCLUDE ItemID WHERE Items.Price < 20 |
                        EXCLUDE ItemID WHERE Items.Color IN ("red"))",
                     none, shoe));
  // Parameters.
  EXPECT_TRUE(Keeps("INCLUDE ItemID WHERE Items.Category IN ($CATS)",
                    Obj(R"({"CATS": "\"hats\", \"shoes\""})"), shoe));
  EXPECT_FALSE(Keeps("INCLUDE ItemID WHERE Items.Price < $MAX", Obj(R"({"MAX": "10"})"), shoe));
}

TEST(RecommendFilterTest, BadExpressionsAndValuesAreRefusedByName) {
  for (std::string_view bad :
       {"", "INCLUDE", "KEEP ItemID WHERE Items.a IN (\"x\")",
        "INCLUDE UserID WHERE Users.a IN (\"x\")", "INCLUDE ItemID WHERE Users.a IN (\"x\")",
        "INCLUDE ItemID WHERE Items.a IN \"x\"", "INCLUDE ItemID WHERE Items.a < \"x\"",
        "INCLUDE ItemID WHERE Interactions.EVENT_VALUE IN (\"x\")",
        "INCLUDE ItemID WHERE Items.a IN (\"x\") extra", "INCLUDE ItemID WHERE Items.a IN (\"x)"}) {
    auto parsed = ParseFilter(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kBadRequest);
    EXPECT_NE(parsed.error().message().find("RecommenderFilterExpression"), std::string::npos);
  }
  auto parsed = ParseFilter("INCLUDE ItemID WHERE Items.Price < $MAX");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->parameters, std::set<std::string>{"MAX"});
  json::object values;
  auto bound = BindFilter(*parsed, &values, "RecommenderFilters[0].Values");
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.error().message().find("RecommenderFilters[0].Values"), std::string::npos);
  EXPECT_NE(bound.error().message().find("$MAX"), std::string::npos);
  values["MAX"] = "cheap";
  EXPECT_FALSE(BindFilter(*parsed, &values, "V").ok());
}

}  // namespace
}  // namespace profiled::service::recommend
