// Recommenders that train, through the operations on a real store (each store via
// PROFILED_TEST_STORE): click events ingested with PutProfileObject train a recommender
// (PENDING -> IN_PROGRESS -> ACTIVE with TrainingMetrics), GetProfileRecommendations finds the
// planted taste, filters and promotions apply, bad requests get AWS-style errors, a recommender
// without events FAILS and an update retrains it, Stop/Start, the TrainingFrequency schedule,
// and DeleteRecommender removes the model.
#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <set>
#include <string>
#include <vector>

#include "service/common.h"
#include "service/movable_clock.h"
#include "service/recommend_train.h"
#include "service/response_shape.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
using fixture::MovableClock;
using fixture::Obj;
namespace json = boost::json;

constexpr std::string_view kWebEventType = R"({"DomainName": "d", "ObjectTypeName": "WebEvent",
  "Description": "click stream", "AllowProfileCreation": true,
  "Fields": {
    "EventId": {"Source": "_source.EventId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"}
  },
  "Keys": {
    "EventId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["EventId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
  }})";

class RecommendServiceTest : public fixture::ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore(clock_));
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
    Ok("PutProfileObjectType", kWebEventType);
  }

  json::object Ok(std::string_view op, std::string_view in) {
    return fixture::AsResponse(op, ServiceTest::Ok(op, in));
  }
  ErrorCode CodeOf(std::string_view op, std::string_view in, std::string_view needle = "") {
    auto r = Call(op, in);
    EXPECT_FALSE(r.ok()) << op << " " << in;
    if (r.ok()) return ErrorCode::kInternal;
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
    return r.error().code();
  }

  // One event of `email` on `item` (its catalog members in `item_members`).
  void Click(const std::string& email, const std::string& item, double time,
             std::string_view type = "click", std::string_view item_members = "") {
    json::object object = Obj(R"({"Item": {)" + std::string(item_members) + "}}");
    object["Item"].as_object()["Id"] = item;
    object["EventId"] = "e" + std::to_string(++events_);
    object["email"] = email;
    object["EventType"] = type;
    object["EventTimestamp"] = time;
    json::object in{
        {"DomainName", "d"}, {"ObjectTypeName", "WebEvent"}, {"Object", json::serialize(object)}};
    auto r = Call("PutProfileObject", in);
    ASSERT_TRUE(r.ok()) << r.error().message();
  }

  // Two tastes: 10 profiles like garden items a0..a4, 20 like kitchen items b0..b4 (so b items
  // are the popular ones); each misses one item of its group and meets the others in its own
  // order. me@x.com has a0, a1, a2.
  void PlantTastes() {
    for (int p = 0; p < 30; ++p) {
      bool a = p < 10;
      for (int i = 0; i < 5; ++i) {
        if ((p + i) % 5 == 4) continue;
        std::string members =
            a ? R"("Category": "garden", "Price": "5")" : R"("Category": "kitchen", "Price": "50")";
        Click("u" + std::to_string(p) + "@x.com", (a ? "a" : "b") + std::to_string(i),
              kT0 + p * 100 + (p + i) % 5, "click", members);
      }
    }
    for (int i = 0; i < 3; ++i) Click("me@x.com", "a" + std::to_string(i), kT0 + 5000 + i);
    me_ = *Search("_email", "me@x.com").begin();
  }

  void CreateRecommender(std::string_view name, std::string_view recipe,
                         std::string_view extra = "") {
    Ok("CreateRecommender", R"({"DomainName": "d", "RecommenderName": ")" + std::string(name) +
                                R"(", "RecommenderRecipeName": ")" + std::string(recipe) + "\"" +
                                std::string(extra) + "}");
  }
  json::object Get(std::string_view name, std::string_view extra = "") {
    return Ok("GetRecommender", R"({"DomainName": "d", "RecommenderName": ")" + std::string(name) +
                                    "\"" + std::string(extra) + "}");
  }
  std::string StatusOf(std::string_view name) {
    json::object got = Get(name);
    return got.contains("Status") ? std::string(got.at("Status").as_string()) : "";
  }
  void Train() {
    Status ran = RunDueRecommenderTraining(env_);
    ASSERT_TRUE(ran.ok()) << ran.error().message();
  }
  std::string Request(std::string_view name, std::string_view extra = "") {
    return R"({"DomainName": "d", "ProfileId": ")" + me_ + R"(", "RecommenderName": ")" +
           std::string(name) + "\"" + std::string(extra) + "}";
  }
  std::vector<std::string> Recommend(std::string_view name, std::string_view extra = "") {
    json::object out = Ok("GetProfileRecommendations", Request(name, extra));
    std::vector<std::string> ids;
    if (!out.contains("Recommendations")) return ids;
    for (const auto& r : out.at("Recommendations").as_array()) {
      ids.emplace_back(r.at("CatalogItem").at("Id").as_string());
    }
    return ids;
  }
  int64_t ModelDocs() {
    int64_t n = -1;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(
                          n, txn.Count(DomainScope(ctx_, "d"), kRecommenderModelKind, ""));
                      return OkStatus();
                    })
                    .ok());
    return n;
  }

  static constexpr double kT0 = 1764300000;
  MovableClock clock_;
  int events_ = 0;
  std::string me_;
};

TEST_F(RecommendServiceTest, TrainsThenRecommendsThePlantedTaste) {
  PlantTastes();
  CreateRecommender("r", "recommended-for-you");
  EXPECT_EQ(StatusOf("r"), "PENDING");
  EXPECT_EQ(CodeOf("GetProfileRecommendations", Request("r"), "PENDING"), ErrorCode::kBadRequest);
  Train();
  json::object got = Get("r");
  EXPECT_EQ(got.at("Status"), "ACTIVE");
  EXPECT_FALSE(got.contains("FailureReason"));
  ASSERT_EQ(got.at("TrainingMetrics").as_array().size(), 1u);
  const json::object& metrics = got.at("TrainingMetrics").as_array()[0].at("Metrics").as_object();
  for (std::string_view m :
       {"precision_at_5", "precision_at_10", "precision_at_25", "recall", "hit", "coverage",
        "mean_reciprocal_rank_at_25", "normalized_discounted_cumulative_gain_at_10"}) {
    ASSERT_TRUE(metrics.contains(m)) << m;
    double v = metrics.at(m).to_number<double>();
    EXPECT_GE(v, 0.0) << m;
    EXPECT_LE(v, 1.0) << m;
  }
  // Each profile's held-out item is one of its taste's: the model finds most of them.
  EXPECT_GT(metrics.at("recall").to_number<double>(), 0.5);
  EXPECT_FALSE(got.contains("_Generation"));

  // The two garden items me@x.com has not seen come first, though kitchen items are more
  // popular; what it has seen is not offered.
  std::vector<std::string> ids = Recommend("r");
  ASSERT_EQ(ids.size(), 7u);  // all but the 3 seen (MaxResults defaults to 10)
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.begin() + 2),
            (std::set<std::string>{"a3", "a4"}));
  for (std::string seen : {"a0", "a1", "a2"}) {
    EXPECT_EQ(std::count(ids.begin(), ids.end(), seen), 0) << seen;
  }
  json::object out = Ok("GetProfileRecommendations", Request("r", R"(, "MaxResults": 3,
                                "MetadataConfig": {"MetadataColumns": ["Category", "Item.Price"]})"));
  const json::array& recs = out.at("Recommendations").as_array();
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].at("Score"), 1.0);
  EXPECT_EQ(recs[0].at("CatalogItem").at("Category"), "garden");
  EXPECT_EQ(recs[0].at("CatalogItem").at("Price"), "5");
  EXPECT_FALSE(Ok("GetProfileRecommendations", Request("r"))
                   .at("Recommendations")
                   .as_array()[0]
                   .at("CatalogItem")
                   .as_object()
                   .contains("Category"));

  // New events count at once: having seen a3, me@x.com gets a4 first.
  Click("me@x.com", "a3", kT0 + 6000);
  EXPECT_EQ(Recommend("r").front(), "a4");
}

TEST_F(RecommendServiceTest, FiltersAndPromotions) {
  PlantTastes();
  CreateRecommender("r", "recommended-for-you");
  Train();
  EXPECT_EQ(CodeOf("CreateRecommenderFilter", R"({"DomainName": "d", "RecommenderFilterName":
      "bad", "RecommenderFilterExpression": "EXCLUDE Items WHERE"})",
                   "RecommenderFilterExpression"),
            ErrorCode::kBadRequest);
  Ok("CreateRecommenderFilter", R"j({"DomainName": "d", "RecommenderFilterName": "no-cat",
      "RecommenderFilterExpression": "EXCLUDE ItemID WHERE Items.Category IN ($CAT)"})j");
  Ok("CreateRecommenderFilter", R"({"DomainName": "d", "RecommenderFilterName": "cheap",
      "RecommenderFilterExpression": "INCLUDE ItemID WHERE Items.Price < 10"})");
  std::vector<std::string> ids = Recommend("r", R"(, "RecommenderFilters": [{"Name": "no-cat",
      "Values": {"CAT": "\"garden\""}}])");
  ASSERT_EQ(ids.size(), 5u);  // the kitchen items only
  for (const std::string& id : ids) EXPECT_EQ(id[0], 'b') << id;
  ids = Recommend("r", R"(, "RecommenderFilters": [{"Name": "cheap"}])");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), (std::set<std::string>{"a3", "a4"}));
  // Half the places promoted to the kitchen: 2 of 4, the best kitchen items, in rank order.
  ids = Recommend("r", R"(, "MaxResults": 4, "RecommenderPromotionalFilters": [{"Name":
      "no-cat", "Values": {"CAT": "garden"}, "PromotionName": "p", "PercentPromotedItems": 50}])");
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(std::count_if(ids.begin(), ids.end(), [](const std::string& s) { return s[0] == 'b'; }),
            2);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.begin() + 2),
            (std::set<std::string>{"a3", "a4"}));

  EXPECT_EQ(CodeOf("GetProfileRecommendations",
                   Request("r", R"(, "RecommenderFilters": [{"Name": "no-cat"}])"), "$CAT"),
            ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf("GetProfileRecommendations",
                   Request("r", R"(, "RecommenderFilters": [{"Name": "nope"}])"), "nope"),
            ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf("GetProfileRecommendations",
                   Request("r", R"(, "RecommenderPromotionalFilters": [{"Name": "cheap"}])"),
                   "PercentPromotedItems"),
            ErrorCode::kBadRequest);
}

TEST_F(RecommendServiceTest, BadRequestsNameWhatIsWrong) {
  PlantTastes();
  CreateRecommender("r", "recommended-for-you");
  CreateRecommender("rank", "personalized-ranking");
  Train();
  EXPECT_EQ(CodeOf("GetProfileRecommendations", Request("nope"), "nope"), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf("GetProfileRecommendations",
                   R"({"DomainName": "d", "ProfileId": "0123456789abcdef0123456789abcdef",
                       "RecommenderName": "r"})",
                   "0123456789abcdef0123456789abcdef"),
            ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf("GetProfileRecommendations",
                   R"({"DomainName": "nope", "ProfileId": "0123456789abcdef0123456789abcdef",
                       "RecommenderName": "r"})"),
            ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf("GetProfileRecommendations", Request("rank"), "CandidateIds"),
            ErrorCode::kBadRequest);
  // personalized-ranking ranks exactly the candidates, unknown ones last.
  EXPECT_EQ(Recommend("rank", R"(, "CandidateIds": ["zz", "b1", "a4"])"),
            (std::vector<std::string>{"a4", "b1", "zz"}));
  EXPECT_EQ(CodeOf("CreateRecommender", R"({"DomainName": "d", "RecommenderName": "dup",
      "RecommenderRecipeName": "popular-items", "RecommenderConfig": {"EventsConfig":
      {"EventParametersList": [{"EventType": "click"}, {"EventType": "Click"}]}}})",
                   "EventParametersList"),
            ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf("CreateRecommenderSchema", R"({"DomainName": "d", "RecommenderSchemaName":
      "s", "Fields": {"Items": [{"TargetFieldName": "Item.Price"}]}})",
                   "_webAnalytics"),
            ErrorCode::kBadRequest);
}

TEST_F(RecommendServiceTest, WithoutEventsItFailsAndAnUpdateRetrainsIt) {
  CreateRecommender("r", "popular-items",
                    R"(, "RecommenderConfig": {"EventsConfig": {"EventParametersList":
                        [{"EventType": "purchase", "EventWeight": 1}]}})");
  Click("u@x.com", "a0", kT0);  // a click: not an event type of the list
  Train();
  json::object got = Get("r");
  EXPECT_EQ(got.at("Status"), "FAILED");
  EXPECT_NE(std::string(got.at("FailureReason").as_string()).find("EventParametersList"),
            std::string::npos);
  EXPECT_FALSE(got.contains("TrainingMetrics"));
  Train();  // a failed recommender is not retried on its own
  EXPECT_EQ(StatusOf("r"), "FAILED");

  Ok("UpdateRecommender", R"({"DomainName": "d", "RecommenderName": "r", "RecommenderConfig":
      {"EventsConfig": {"EventParametersList": [{"EventType": "click", "EventWeight": 0.5}]}}})");
  got = Get("r");
  EXPECT_EQ(got.at("LatestRecommenderUpdate").at("Status"), "PENDING");
  EXPECT_EQ(got.at("LatestRecommenderUpdate").at("RecommenderConfig"), got.at("RecommenderConfig"));
  Train();
  got = Get("r");
  EXPECT_EQ(got.at("Status"), "ACTIVE");
  EXPECT_EQ(got.at("LatestRecommenderUpdate").at("Status"), "ACTIVE");
  EXPECT_FALSE(got.contains("FailureReason"));
  me_ = *Search("_email", "u@x.com").begin();
  EXPECT_EQ(Recommend("r"), std::vector<std::string>{"a0"});
  // A Description-only update does not retrain.
  Ok("UpdateRecommender", R"({"DomainName": "d", "RecommenderName": "r", "Description": "x"})");
  EXPECT_EQ(Get("r").at("LatestRecommenderUpdate").at("Status"), "ACTIVE");
}

TEST_F(RecommendServiceTest, StopAndStartKeepTheModel) {
  PlantTastes();
  CreateRecommender("r", "popular-items");
  EXPECT_EQ(CodeOf("StopRecommender", R"({"DomainName": "d", "RecommenderName": "r"})", "PENDING"),
            ErrorCode::kBadRequest);
  Train();
  Ok("StopRecommender", R"({"DomainName": "d", "RecommenderName": "r"})");
  EXPECT_EQ(StatusOf("r"), "INACTIVE");
  EXPECT_EQ(CodeOf("GetProfileRecommendations", Request("r"), "INACTIVE"), ErrorCode::kBadRequest);
  Ok("StartRecommender", R"({"DomainName": "d", "RecommenderName": "r"})");
  EXPECT_EQ(StatusOf("r"), "STARTING");
  EXPECT_EQ(CodeOf("StartRecommender", R"({"DomainName": "d", "RecommenderName": "r"})"),
            ErrorCode::kBadRequest);
  Train();
  EXPECT_EQ(StatusOf("r"), "ACTIVE");
  EXPECT_EQ(Get("r", R"(, "TrainingMetricsCount": 5)").at("TrainingMetrics").as_array().size(),
            1u);                              // started with the kept model, not retrained
  EXPECT_EQ(Recommend("r").front()[0], 'b');  // the kitchen items tie
}

TEST_F(RecommendServiceTest, RetrainsOnItsTrainingFrequency) {
  PlantTastes();
  CreateRecommender("r", "popular-items", R"(, "RecommenderConfig": {"TrainingFrequency": 2})");
  Train();
  EXPECT_EQ(Recommend("r").front()[0], 'b');  // the kitchen items tie
  for (int k = 0; k < 40; ++k) Click("fan" + std::to_string(k) + "@x.com", "new", kT0 + 9000);
  clock_.Advance(86400);
  Train();                                    // one day later: not due yet
  EXPECT_EQ(Recommend("r").front()[0], 'b');  // the kitchen items tie
  clock_.Advance(86400 + 1);
  Train();
  EXPECT_EQ(Recommend("r").front(), "new");
  json::object got = Get("r", R"(, "TrainingMetricsCount": 5)");
  ASSERT_EQ(got.at("TrainingMetrics").as_array().size(), 2u);
  double newest = got.at("TrainingMetrics").as_array()[0].at("Time").to_number<double>();
  double older = got.at("TrainingMetrics").as_array()[1].at("Time").to_number<double>();
  EXPECT_GT(newest, older);
  EXPECT_EQ(Get("r").at("TrainingMetrics").as_array().size(), 1u);  // the latest by default
  EXPECT_FALSE(Get("r", R"(, "TrainingMetricsCount": 0)").contains("TrainingMetrics"));
  EXPECT_GT(ModelDocs(), 0);
}

TEST_F(RecommendServiceTest, EachRecipeThroughTheService) {
  PlantTastes();
  // A burst on b4 in the last day before the latest event makes it trend.
  for (int k = 0; k < 12; ++k) Click("burst" + std::to_string(k) + "@x.com", "b4", kT0 + 86400 * 2);
  // Baskets pair x with y (a minute apart, in one session).
  for (int k = 0; k < 3; ++k) {
    Click("basket" + std::to_string(k) + "@x.com", "x", kT0 + 100000 + k * 10000);
    Click("basket" + std::to_string(k) + "@x.com", "y", kT0 + 100000 + k * 10000 + 60);
  }
  for (std::string recipe :
       {"popular-items", "trending-now", "similar-items", "frequently-paired-items"}) {
    CreateRecommender(recipe, recipe);
  }
  Train();
  EXPECT_EQ(Recommend("popular-items").front(), "b4");
  EXPECT_EQ(Recommend("trending-now").front(), "b4");
  // me@x.com's latest item is a2: similar items are garden ones.
  std::vector<std::string> similar = Recommend("similar-items", R"(, "MaxResults": 2)");
  for (const std::string& id : similar) EXPECT_EQ(id[0], 'a') << id;
  Click("me@x.com", "x", kT0 + 200000);
  EXPECT_EQ(Recommend("frequently-paired-items").front(), "y");
}

TEST_F(RecommendServiceTest, DeleteRemovesTheModel) {
  PlantTastes();
  CreateRecommender("r", "recommended-for-you");
  CreateRecommender("r2", "popular-items");
  Train();
  int64_t both = ModelDocs();
  EXPECT_GE(both, 4);  // a meta and a chunk each
  Ok("DeleteRecommender", R"({"DomainName": "d", "RecommenderName": "r"})");
  EXPECT_EQ(ModelDocs(), both / 2);
  EXPECT_EQ(CodeOf("GetProfileRecommendations", Request("r"), "does not exist"),
            ErrorCode::kNotFound);
  // Created again under the same name: trained afresh.
  CreateRecommender("r", "popular-items");
  EXPECT_EQ(StatusOf("r"), "PENDING");
  Train();
  EXPECT_EQ(Recommend("r").front()[0], 'b');  // the kitchen items tie
}

}  // namespace
}  // namespace profiled::service
