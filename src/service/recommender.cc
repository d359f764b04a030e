// Recommender configuration: ListRecommenderRecipes; CreateRecommender, GetRecommender,
// ListRecommenders, UpdateRecommender, DeleteRecommender, StartRecommender, StopRecommender;
// CreateRecommenderFilter, GetRecommenderFilter, ListRecommenderFilters, DeleteRecommenderFilter;
// CreateRecommenderSchema, GetRecommenderSchema, ListRecommenderSchemas, DeleteRecommenderSchema.
//
// Recommenders, filters and schemas are named resources (resource_crud.h). A recommender trains
// in the background (recommend_train.h has its statuses and store layout; docs/recommendations.md
// the models); GetProfileRecommendations is in recommend_ops.cc.
#include <algorithm>
#include <array>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ascii.h"
#include "service/background.h"
#include "service/common.h"
#include "service/generated/model_members.h"
#include "service/operations.h"
#include "service/recommend_filter.h"
#include "service/recommend_train.h"
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

// What the model leaves to the service: an event type listed twice.
Status ValidateRecommenderConfig(const json::object& doc) {
  const json::object* config = GetObject(doc, "RecommenderConfig");
  const json::object* events = config ? GetObject(*config, "EventsConfig") : nullptr;
  const json::array* list = events ? GetArray(*events, "EventParametersList") : nullptr;
  std::vector<std::string> seen;
  for (const json::value& v : list ? *list : json::array()) {
    if (!v.is_object()) continue;
    std::string type = AsciiStrToLower(GetStringOr(v.as_object(), "EventType", ""));
    if (std::find(seen.begin(), seen.end(), type) != seen.end()) {
      return Error::BadRequest(
          "RecommenderConfig.EventsConfig.EventParametersList lists event type " + type +
          " more than once");
    }
    seen.push_back(type);
  }
  return OkStatus();
}

// Create: PENDING, and the trainer is asked to train it. Update: a new RecommenderConfig
// retrains (LatestRecommenderUpdate), at once unless the recommender is stopped (then at start).
Status PrepareRecommender(const ServiceEnv& env, store::Txn& txn, const RequestContext& ctx,
                          std::string_view domain, json::object& doc,
                          const json::object* previous) {
  RETURN_IF_ERROR(ValidateRecommenderConfig(doc));
  double now = env.clock->NowEpochSeconds();
  std::string name = GetStringOr(doc, "RecommenderName", "");
  if (!previous) {
    RETURN_IF_ERROR(RequireSchemaIfNamed(txn, ctx, domain, doc));
    doc["Status"] = "PENDING";
    return ScheduleRecommender(txn, ctx, domain, name, now);
  }
  const json::object* before = GetObject(*previous, "RecommenderConfig");
  const json::object* after = GetObject(doc, "RecommenderConfig");
  if (!after || (before && *before == *after)) return OkStatus();
  doc["LatestRecommenderUpdate"] = json::object{{"RecommenderConfig", *after},
                                                {"Status", "PENDING"},
                                                {"CreatedAt", now},
                                                {"LastUpdatedAt", now}};
  if (GetStringOr(doc, "Status", "") == "INACTIVE") return OkStatus();
  return ScheduleRecommender(txn, ctx, domain, name, now);
}

// A filter or schema is usable as soon as it is stored; a filter's expression must parse.
Status PrepareFilter(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                     json::object& doc, const json::object*) {
  RETURN_IF_ERROR(RequireSchemaIfNamed(txn, ctx, domain, doc));
  ASSIGN_OR_RETURN(recommend::Filter filter,
                   recommend::ParseFilter(GetStringOr(doc, "RecommenderFilterExpression", "")));
  (void)filter;
  doc["Status"] = "ACTIVE";
  return OkStatus();
}
// As AWS documents, a schema's Fields has one key, _webAnalytics.
Status PrepareSchema(store::Txn&, const RequestContext&, std::string_view, json::object& doc,
                     const json::object*) {
  if (const json::object* fields = GetObject(doc, "Fields")) {
    for (const auto& [key, value] : *fields) {
      if (key != "_webAnalytics") {
        return Error::BadRequest("Fields supports the key _webAnalytics only, not " +
                                 std::string(key));
      }
    }
  }
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

// StartRecommender (INACTIVE -> STARTING, the trainer then makes it ACTIVE) and StopRecommender
// (ACTIVE -> INACTIVE: it stops serving and training at once).
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
    double now = env.clock->NowEpochSeconds();
    doc["Status"] = to;
    doc["LastUpdatedAt"] = now;
    RETURN_IF_ERROR(txn.Put(DomainScope(ctx, domain), spec.kind, name, Serialize(doc)));
    return to == "INACTIVE" ? UnscheduleRecommender(txn, ctx, domain, name)
                            : ScheduleRecommender(txn, ctx, domain, name, now);
  }));
  return json::object();
}

// GetRecommender's TrainingMetricsCount: how many trainings' metrics, newest first (absent: the
// latest one).
void KeepTrainingMetrics(json::object& out, const json::object& in) {
  size_t count =
      static_cast<size_t>(std::max<int64_t>(0, GetInt(in, "TrainingMetricsCount").value_or(1)));
  auto it = out.find("TrainingMetrics");
  if (it == out.end() || !it->value().is_array()) return;
  json::array& metrics = it->value().as_array();
  if (count == 0) {
    out.erase(it);
  } else if (metrics.size() > count) {
    metrics.resize(count);
  }
}

// The generic handler of `op` for `spec` (resource_crud.h), to wrap.
Handler GenericHandler(const ServiceEnv& env, const ResourceSpec& spec, const ResourceOps& ops,
                       std::string_view op) {
  Registry generic;
  RegisterResource(generic, env, spec, ops);
  return *generic.Find(op);
}

void RegisterRecommenders(Registry& registry, const ServiceEnv& env) {
  // The trainer: woken when a request has just committed something for it to do.
  std::function<void()> wake = [] {};
  if (env.background) {
    Background* background = env.background;
    size_t handle = background->Start("recommender-training", [env](const TaskSignal& signal) {
      RunRecommenderTrainingTask(env, signal);
    });
    wake = [background, handle] { background->Wake(handle); };
  }
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
  spec.prepare = [env](store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                       json::object& doc, const json::object* previous) {
    return PrepareRecommender(env, txn, ctx, domain, doc, previous);
  };
  spec.after_delete = DeleteRecommenderData;
  // Computed: ListRecommenders' summary names the recipe RecipeName where GetRecommender says
  // RecommenderRecipeName (each shape keeps its own).
  spec.derive = [](json::object& view) {
    view.erase("_Generation");
    view.erase("_TrainedAt");
    if (auto it = view.find("RecommenderRecipeName"); it != view.end()) {
      // Copy before inserting: the insertion may rehash and free what `it` points at.
      json::value recipe = it->value();
      view["RecipeName"] = std::move(recipe);
    }
  };
  ResourceOps ops{.create = "CreateRecommender",
                  .get = "GetRecommender",
                  .update = "UpdateRecommender",
                  .list = "ListRecommenders",
                  .del = "DeleteRecommender"};
  RegisterResource(registry, env, spec,
                   {.create = "", .get = "", .update = "", .list = ops.list, .del = ops.del});
  // Create and Update wake the trainer once committed; Get keeps TrainingMetricsCount metrics.
  for (std::string_view op : {ops.create, ops.update}) {
    Handler generic = GenericHandler(env, spec, ops, op);
    registry.Register(std::string(op), [generic, wake](const RequestContext& ctx, json::object in) {
      auto out = generic(ctx, std::move(in));
      if (out.ok()) wake();
      return out;
    });
  }
  Handler get = GenericHandler(env, spec, ops, ops.get);
  registry.Register(std::string(ops.get), [get](const RequestContext& ctx, json::object in) {
    auto out = get(ctx, in);
    if (out.ok()) KeepTrainingMetrics(*out, in);
    return out;
  });
  auto shared = std::make_shared<const ResourceSpec>(spec);
  registry.Register("StartRecommender",
                    [env, shared, wake](const RequestContext& ctx, json::object in) {
                      auto out = Transition(env, ctx, *shared, in, "INACTIVE", "STARTING");
                      if (out.ok()) wake();
                      return out;
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
  RegisterProfileRecommendationOperations(registry, env);
}

}  // namespace profiled::service
