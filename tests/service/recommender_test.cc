// Recommender configuration through the registry on a real store: the recipe catalogue,
// recommenders and the statuses they start in, filters and schemas (and their references).
// Training and recommending: recommend_service_test.cc.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "service/common.h"
#include "service/generated/model_members.h"
#include "service/response_shape.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;

class RecommenderTest : public fixture::ServiceTest {
 protected:
  // What the operation answers a client (the output shape's members).
  json::object Ok(std::string_view op, std::string_view in) {
    return fixture::AsResponse(op, ServiceTest::Ok(op, in));
  }
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d"})");
  }
  ErrorCode CodeOf(std::string_view op, std::string_view in) {
    auto r = Call(op, in);
    EXPECT_FALSE(r.ok()) << op;
    return r.ok() ? ErrorCode::kInternal : r.error().code();
  }
  std::string StatusOf(std::string_view name) {
    json::object got = Ok("GetRecommender", R"({"DomainName": "d", "RecommenderName": ")" +
                                                std::string(name) + R"("})");
    return got.contains("Status") ? std::string(got.at("Status").as_string()) : "";
  }
};

TEST_F(RecommenderTest, RecipesAreTheModelsEnumInNameOrder) {
  json::object out = Ok("ListRecommenderRecipes", "{}");
  std::vector<std::string> names;
  for (const auto& r : out.at("RecommenderRecipes").as_array()) {
    names.emplace_back(r.at("name").as_string());
  }
  std::vector<std::string> model_names(std::begin(model::kRecommenderRecipeName),
                                       std::end(model::kRecommenderRecipeName));
  std::sort(model_names.begin(), model_names.end());
  EXPECT_EQ(names, model_names);
  EXPECT_FALSE(out.contains("NextToken"));
  EXPECT_EQ(CodeOf("ListRecommenderRecipes", R"({"NextToken": "bogus"})"), ErrorCode::kBadRequest);

  // Page by page, the same list: the cursor follows the name order.
  std::vector<std::string> paged;
  std::string token;
  for (int page = 0; page < 10; ++page) {
    json::object in{{"MaxResults", 4}};
    if (!token.empty()) in["NextToken"] = token;
    json::object got = Ok("ListRecommenderRecipes", json::serialize(in));
    for (const auto& r : got.at("RecommenderRecipes").as_array()) {
      paged.emplace_back(r.at("name").as_string());
    }
    if (!got.contains("NextToken")) break;
    token = std::string(got.at("NextToken").as_string());
  }
  EXPECT_EQ(paged, model_names);
}

// The model names the recipes, Profiled describes them (service/recommender.cc): a recipe new in
// the model fails here, by name, until it has a description.
TEST_F(RecommenderTest, EveryRecipeOfTheModelHasADescription) {
  json::object out = Ok("ListRecommenderRecipes", "{}");
  std::map<std::string, std::string, std::less<>> listed;
  for (const auto& r : out.at("RecommenderRecipes").as_array()) {
    listed[std::string(r.at("name").as_string())] = r.at("description").as_string();
  }
  for (std::string_view recipe : model::kRecommenderRecipeName) {
    auto it = listed.find(recipe);
    ASSERT_NE(it, listed.end()) << "recipe " << recipe << " is not listed";
    EXPECT_FALSE(it->second.empty())
        << "recipe " << recipe << " has no description in service/recommender.cc";
  }
}

TEST_F(RecommenderTest, CreateGetListUpdateDelete) {
  json::object created = Ok("CreateRecommender", R"({"DomainName": "d", "RecommenderName": "r1",
      "RecommenderRecipeName": "recommended-for-you", "Description": "first",
      "RecommenderConfig": {"TrainingFrequency": 7}, "Tags": {"team": "crm"}})");
  EXPECT_EQ(
      created,
      Obj(R"({"RecommenderArn": "arn:aws:profile:us-east-1:123456789012:domains/d/recommenders/r1",
                    "Tags": {"team": "crm"}})"));
  EXPECT_EQ(CodeOf("CreateRecommender", R"({"DomainName": "d", "RecommenderName": "r1",
      "RecommenderRecipeName": "popular-items"})"),
            ErrorCode::kBadRequest);

  json::object got = Ok("GetRecommender", R"({"DomainName": "d", "RecommenderName": "r1"})");
  EXPECT_EQ(got.at("RecommenderRecipeName"), "recommended-for-you");
  EXPECT_EQ(got.at("Status"), "PENDING");  // until the trainer has trained it
  EXPECT_EQ(got.at("RecommenderConfig"), Obj(R"({"TrainingFrequency": 7})"));
  EXPECT_FALSE(got.contains("TrainingMetrics"));
  EXPECT_FALSE(got.contains("RecipeName"));

  EXPECT_EQ(Ok("UpdateRecommender", R"({"DomainName": "d", "RecommenderName": "r1",
      "RecommenderConfig": {"TrainingFrequency": 3}})"),
            Obj(R"({"RecommenderName": "r1"})"));
  got = Ok("GetRecommender", R"({"DomainName": "d", "RecommenderName": "r1"})");
  EXPECT_EQ(got.at("RecommenderConfig"), Obj(R"({"TrainingFrequency": 3})"));
  EXPECT_EQ(got.at("Description"), "first");

  json::object list = Ok("ListRecommenders", R"({"DomainName": "d"})");
  ASSERT_EQ(list.at("Recommenders").as_array().size(), 1u);
  const json::object& item = list.at("Recommenders").as_array()[0].as_object();
  EXPECT_EQ(item.at("RecipeName"), "recommended-for-you");
  EXPECT_FALSE(item.contains("RecommenderRecipeName"));
  EXPECT_EQ(item.at("Tags"), Obj(R"({"team": "crm"})"));

  EXPECT_EQ(Ok("DeleteRecommender", R"({"DomainName": "d", "RecommenderName": "r1"})"),
            json::object());
  EXPECT_EQ(CodeOf("GetRecommender", R"({"DomainName": "d", "RecommenderName": "r1"})"),
            ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf("UpdateRecommender", R"({"DomainName": "d", "RecommenderName": "r1"})"),
            ErrorCode::kNotFound);
}

// Stop needs ACTIVE, Start needs INACTIVE (the moves themselves: recommend_service_test.cc).
TEST_F(RecommenderTest, StopAndStartNeedTheirStatus) {
  Ok("CreateRecommender", R"({"DomainName": "d", "RecommenderName": "r",
      "RecommenderRecipeName": "popular-items"})");
  EXPECT_EQ(StatusOf("r"), "PENDING");
  EXPECT_EQ(CodeOf("StartRecommender", R"({"DomainName": "d", "RecommenderName": "r"})"),
            ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf("StopRecommender", R"({"DomainName": "d", "RecommenderName": "r"})"),
            ErrorCode::kBadRequest);
  // An update keeps the status.
  Ok("UpdateRecommender", R"({"DomainName": "d", "RecommenderName": "r", "Description": "x"})");
  EXPECT_EQ(StatusOf("r"), "PENDING");
  EXPECT_EQ(CodeOf("StartRecommender", R"({"DomainName": "d", "RecommenderName": "nope"})"),
            ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf("StopRecommender", R"({"DomainName": "nope", "RecommenderName": "r"})"),
            ErrorCode::kNotFound);
}

TEST_F(RecommenderTest, SchemasAndFiltersAndTheirReferences) {
  EXPECT_EQ(CodeOf("CreateRecommenderFilter", R"({"DomainName": "d", "RecommenderFilterName":
      "f", "RecommenderFilterExpression": "EXCLUDE ItemID WHERE Items.price < 5",
      "RecommenderSchemaName": "s"})"),
            ErrorCode::kNotFound);
  json::object schema = Ok("CreateRecommenderSchema", R"({"DomainName": "d",
      "RecommenderSchemaName": "s", "Fields": {"_webAnalytics": [{"TargetFieldName": "Item.price"}]}})");
  EXPECT_EQ(schema.at("RecommenderSchemaName"), "s");
  EXPECT_EQ(schema.at("Status"), "ACTIVE");
  EXPECT_EQ(schema.at("RecommenderSchemaArn"),
            "arn:aws:profile:us-east-1:123456789012:domains/d/recommender-schemas/s");
  EXPECT_TRUE(schema.contains("CreatedAt"));

  json::object filter = Ok("CreateRecommenderFilter", R"({"DomainName": "d",
      "RecommenderFilterName": "f", "RecommenderSchemaName": "s",
      "RecommenderFilterExpression": "EXCLUDE ItemID WHERE Items.price < 5"})");
  EXPECT_EQ(filter.at("RecommenderFilterArn"),
            "arn:aws:profile:us-east-1:123456789012:domains/d/recommender-filters/f");
  json::object got = Ok("GetRecommenderFilter", R"({"DomainName": "d",
      "RecommenderFilterName": "f"})");
  EXPECT_EQ(got.at("Status"), "ACTIVE");
  EXPECT_EQ(got.at("Tags"), json::object());
  EXPECT_EQ(got.at("RecommenderSchemaName"), "s");
  EXPECT_EQ(Ok("ListRecommenderFilters", R"({"DomainName": "d"})")
                .at("RecommenderFilters")
                .as_array()
                .size(),
            1u);

  EXPECT_EQ(CodeOf("CreateRecommender", R"({"DomainName": "d", "RecommenderName": "r",
      "RecommenderRecipeName": "popular-items", "RecommenderSchemaName": "other"})"),
            ErrorCode::kNotFound);
  Ok("CreateRecommender", R"({"DomainName": "d", "RecommenderName": "r",
      "RecommenderRecipeName": "popular-items", "RecommenderSchemaName": "s"})");

  // The schema cannot go while the filter or the recommender names it.
  EXPECT_EQ(CodeOf("DeleteRecommenderSchema", R"({"DomainName": "d",
      "RecommenderSchemaName": "s"})"),
            ErrorCode::kBadRequest);
  EXPECT_EQ(Ok("DeleteRecommenderFilter", R"({"DomainName": "d", "RecommenderFilterName": "f"})"),
            Obj(R"({"Message": "Recommender filter f was deleted."})"));
  EXPECT_EQ(CodeOf("DeleteRecommenderSchema", R"({"DomainName": "d",
      "RecommenderSchemaName": "s"})"),
            ErrorCode::kBadRequest);
  Ok("DeleteRecommender", R"({"DomainName": "d", "RecommenderName": "r"})");
  EXPECT_EQ(Ok("ListRecommenderSchemas", R"({"DomainName": "d"})")
                .at("RecommenderSchemas")
                .as_array()
                .size(),
            1u);
  EXPECT_EQ(Ok("DeleteRecommenderSchema", R"({"DomainName": "d", "RecommenderSchemaName": "s"})"),
            json::object());
  EXPECT_EQ(CodeOf("GetRecommenderSchema", R"({"DomainName": "d", "RecommenderSchemaName": "s"})"),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace profiled::service
