// Recommender configuration: ListRecommenderRecipes; CreateRecommender, GetRecommender,
// ListRecommenders, UpdateRecommender, DeleteRecommender, StartRecommender, StopRecommender;
// CreateRecommenderFilter, GetRecommenderFilter, ListRecommenderFilters, DeleteRecommenderFilter;
// CreateRecommenderSchema, GetRecommenderSchema, ListRecommenderSchemas, DeleteRecommenderSchema.
//
// Recommenders, filters and schemas are named resources (resource_crud.h). Profiled trains no
// model: there is nothing asynchronous, so a recommender is ACTIVE once created, StopRecommender
// takes it to INACTIVE and StartRecommender back to ACTIVE at once (the STOPPING / STARTING steps
// AWS passes through are never observable). No status means it can recommend:
// GetProfileRecommendations is not served, and no TrainingMetrics are reported.
#include <algorithm>
#include <array>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "service/common.h"
#include "service/generated/model_members.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// What each recipe of the model's RecommenderRecipeName enum does (the model gives only the
// names). recommender_test fails, naming the recipe, when the model gains one missing here.
constexpr std::pair<std::string_view, std::string_view> kRecipeDescriptions[] = {
    {"frequently-paired-items", "Items frequently bought or used together with a given item."},
    {"personalized-ranking", "A given list of items ranked for a given profile."},
    {"popular-items", "The items most popular with all profiles."},
    {"recommended-for-you", "Items personalized for a given profile."},
    {"similar-items", "Items similar to a given item."},
    {"trending-now", "The items whose popularity is rising fastest."},
};

std::string_view RecipeDescription(std::string_view name) {
  for (const auto& [recipe, description] : kRecipeDescriptions) {
    if (recipe == name) return description;
  }
  return "";
}

// The model's recipes in name order: the listing's order, which its cursor relies on.
constexpr auto kRecipeNames = [] {
  std::array<std::string_view, std::size(model::kRecommenderRecipeName)> names{};
  std::copy(std::begin(model::kRecommenderRecipeName), std::end(model::kRecommenderRecipeName),
            names.begin());
  std::sort(names.begin(), names.end());
  return names;
}();

Result<json::object> ListRecipes(const json::object& in) {
  constexpr std::string_view kPurpose = "ListRecommenderRecipes";
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kPurpose));
  size_t page = PageSize(in, 100, 100);
  json::array items;
  std::string last;
  bool more = false;
  for (std::string_view name : kRecipeNames) {
    if (!cursor.empty() && name <= cursor) continue;
    if (items.size() == page) {
      more = true;
      break;
    }
    items.push_back(json::object{{"name", name}, {"description", RecipeDescription(name)}});
    last = name;
  }
  json::object out;
  out["RecommenderRecipes"] = std::move(items);
  if (more) out["NextToken"] = EncodeToken(kPurpose, last);
  return out;
}

Status RequireSchemaIfNamed(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                            const json::object& doc) {
  if (auto schema = GetString(doc, "RecommenderSchemaName")) {
    RETURN_IF_ERROR(RequireResourceOfKind(txn, ctx, domain, kRecommenderSchemaKind,
                                          "Recommender schema", *schema));
  }
  return OkStatus();
}

Status PrepareRecommender(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                          json::object& doc, const json::object* previous) {
  if (!previous) {
    RETURN_IF_ERROR(RequireSchemaIfNamed(txn, ctx, domain, doc));
    doc["Status"] = "ACTIVE";
  }
  return OkStatus();
}

// A filter or schema is usable as soon as it is stored.
Status PrepareFilter(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                     json::object& doc, const json::object*) {
  RETURN_IF_ERROR(RequireSchemaIfNamed(txn, ctx, domain, doc));
  doc["Status"] = "ACTIVE";
  return OkStatus();
}
Status PrepareSchema(store::Txn&, const RequestContext&, std::string_view, json::object& doc,
                     const json::object*) {
  doc["Status"] = "ACTIVE";
  return OkStatus();
}

// A schema that a recommender or filter names cannot be deleted (it would leave them dangling).
Status RefuseSchemaInUse(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                         std::string_view name) {
  for (std::string_view kind : {kRecommenderKind, kRecommenderFilterKind}) {
    ASSIGN_OR_RETURN(auto docs, txn.Scan(DomainScope(ctx, domain), kind, "", "", SIZE_MAX));
    for (const auto& d : docs) {
      ASSIGN_OR_RETURN(json::object doc, ParseStored(d.body));
      if (GetStringOr(doc, "RecommenderSchemaName", "") == name) {
        return Error::BadRequest(
            "Recommender schema " + std::string(name) + " is used by " +
            (kind == kRecommenderKind ? "recommender " : "recommender filter ") + d.id);
      }
    }
  }
  return OkStatus();
}

// StartRecommender (INACTIVE -> ACTIVE) and StopRecommender (ACTIVE -> INACTIVE).
Result<json::object> Transition(const ServiceEnv& env, const RequestContext& ctx,
                                const ResourceSpec& spec, const json::object& in,
                                std::string_view from, std::string_view to) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string name = GetStringOr(in, "RecommenderName", "");
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(DomainScope(ctx, domain), spec.kind, name));
    if (!body) {
      return Error::NotFound(std::string(spec.label) + " " + name + " does not exist in domain " +
                             domain);
    }
    ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
    std::string status = GetStringOr(doc, "Status", "");
    if (status != from) {
      return Error::BadRequest("Recommender " + name + " is " + status + ", not " +
                               std::string(from));
    }
    doc["Status"] = to;
    doc["LastUpdatedAt"] = env.clock->NowEpochSeconds();
    return txn.Put(DomainScope(ctx, domain), spec.kind, name, Serialize(doc));
  }));
  return json::object();
}

void RegisterRecommenders(Registry& registry, const ServiceEnv& env) {
  ResourceSpec spec;
  spec.kind = kRecommenderKind;
  spec.collection = "recommenders";
  spec.label = "Recommender";
  spec.name_member = "RecommenderName";
  spec.arn_member = "RecommenderArn";
  spec.list_member = "Recommenders";
  spec.create_members = {"RecommenderRecipeName", "RecommenderConfig", "Description",
                         "RecommenderSchemaName"};
  spec.update_members = {"Description", "RecommenderConfig"};
  spec.prepare = PrepareRecommender;
  // Computed: ListRecommenders' summary names the recipe RecipeName where GetRecommender says
  // RecommenderRecipeName (each shape keeps its own).
  spec.derive = [](json::object& view) {
    if (auto it = view.find("RecommenderRecipeName"); it != view.end()) {
      // Copy before inserting: the insertion may rehash and free what `it` points at.
      json::value recipe = it->value();
      view["RecipeName"] = std::move(recipe);
    }
  };
  RegisterResource(registry, env, spec,
                   {.create = "CreateRecommender",
                    .get = "GetRecommender",
                    .update = "UpdateRecommender",
                    .list = "ListRecommenders",
                    .del = "DeleteRecommender"});
  auto shared = std::make_shared<const ResourceSpec>(spec);
  registry.Register("StartRecommender", [env, shared](const RequestContext& ctx, json::object in) {
    return Transition(env, ctx, *shared, in, "INACTIVE", "ACTIVE");
  });
  registry.Register("StopRecommender", [env, shared](const RequestContext& ctx, json::object in) {
    return Transition(env, ctx, *shared, in, "ACTIVE", "INACTIVE");
  });
}

void RegisterFilters(Registry& registry, const ServiceEnv& env) {
  ResourceSpec spec;
  spec.kind = kRecommenderFilterKind;
  spec.collection = "recommender-filters";
  spec.label = "Recommender filter";
  spec.name_member = "RecommenderFilterName";
  spec.arn_member = "RecommenderFilterArn";
  spec.list_member = "RecommenderFilters";
  spec.create_members = {"RecommenderFilterExpression", "RecommenderSchemaName", "Description"};
  spec.prepare = PrepareFilter;
  // GetRecommenderFilter's Tags are required: an untagged filter shows an empty map.
  spec.derive = [](json::object& view) {
    if (!view.contains("Tags")) view["Tags"] = json::object();
  };
  RegisterResource(registry, env, spec,
                   {.create = "CreateRecommenderFilter",
                    .get = "GetRecommenderFilter",
                    .update = "",
                    .list = "ListRecommenderFilters",
                    .del = "DeleteRecommenderFilter"});
}

void RegisterSchemas(Registry& registry, const ServiceEnv& env) {
  ResourceSpec spec;
  spec.kind = kRecommenderSchemaKind;
  spec.collection = "recommender-schemas";
  spec.label = "Recommender schema";
  spec.name_member = "RecommenderSchemaName";
  spec.arn_member = "RecommenderSchemaArn";
  spec.list_member = "RecommenderSchemas";
  spec.create_members = {"Fields"};
  spec.prepare = PrepareSchema;
  spec.after_delete = RefuseSchemaInUse;
  RegisterResource(registry, env, spec,
                   {.create = "CreateRecommenderSchema",
                    .get = "GetRecommenderSchema",
                    .update = "",
                    .list = "ListRecommenderSchemas",
                    .del = "DeleteRecommenderSchema"});
}

}  // namespace

void RegisterRecommenderOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("ListRecommenderRecipes",
                    [](const RequestContext&, json::object in) { return ListRecipes(in); });
  RegisterRecommenders(registry, env);
  RegisterFilters(registry, env);
  RegisterSchemas(registry, env);
}

}  // namespace profiled::service
