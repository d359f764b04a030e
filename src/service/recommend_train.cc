// Training recommenders and keeping their models (see recommend_train.h).
#include "service/recommend_train.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "common/ids.h"
#include "common/log.h"
#include "common/mutex.h"
#include "service/background.h"
#include "service/common.h"
#include "service/profile_object.h"
#include "service/resource_crud.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// A claimed training is not claimed again for this long (a process that died mid-training).
constexpr double kLeaseSeconds = 3600;
constexpr size_t kCachedModels = 32;

std::string ScheduleId(std::string_view account, std::string_view domain, std::string_view name) {
  return std::string(account) + "/" + std::string(domain) + "/" + std::string(name);
}

std::string ModelPrefix(std::string_view name) { return std::string(name) + "/"; }
std::string GenerationPrefix(std::string_view name, std::string_view generation) {
  return ModelPrefix(name) + std::string(generation) + "/";
}

double FrequencySeconds(const json::object& doc) {
  int64_t days = kDefaultTrainingFrequencyDays;
  if (const json::object* config = GetObject(doc, "RecommenderConfig")) {
    days = GetInt(*config, "TrainingFrequency").value_or(days);
  }
  return static_cast<double>(days) * 86400;
}

// The recommender's LatestRecommenderUpdate, if any. Looked up again after every insertion into
// `doc`: an insertion may move the members, and a pointer taken before would dangle.
json::object* UpdateOf(json::object& doc) {
  auto it = doc.find("LatestRecommenderUpdate");
  return it != doc.end() && it->value().is_object() ? &it->value().as_object() : nullptr;
}

class ModelCache {
 public:
  std::shared_ptr<const ServedModel> Find(const std::string& key) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    auto it = models_.find(key);
    return it == models_.end() ? nullptr : it->second;
  }
  void Put(const std::string& key, std::shared_ptr<const ServedModel> model) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (models_.size() >= kCachedModels) models_.erase(models_.begin());
    models_[key] = std::move(model);
  }

 private:
  Mutex mu_;
  std::map<std::string, std::shared_ptr<const ServedModel>> models_ GUARDED_BY(mu_);
};

ModelCache& Cache() {
  static ModelCache* cache = new ModelCache();
  return *cache;
}

// What a claim found: the recommender as it was when the trainer took it.
struct Claim {
  bool train = false;
  std::string recipe;
  json::object config;
  json::value created_at;
  double claimed_at = 0;
};

// Takes the schedule row if it is due and not leased, and moves the recommender's status.
Result<Claim> ClaimTraining(const ServiceEnv& env, const RequestContext& ctx,
                            std::string_view domain, std::string_view name) {
  Claim claim;
  double now = env.clock->NowEpochSeconds();
  claim.claimed_at = now;
  store::Scope scope = DomainScope(ctx, domain);
  std::string row_id = ScheduleId(ctx.account_id, domain, name);
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    claim.train = false;
    ASSIGN_OR_RETURN(auto row_body,
                     txn.GetForUpdate(kSystemScope, kRecommenderScheduleKind, row_id));
    if (!row_body) return OkStatus();
    ASSIGN_OR_RETURN(json::object row, ParseStored(*row_body));
    if (GetNumberOr(row, "DueAt", 0) > now || GetNumberOr(row, "LeaseUntil", 0) > now) {
      return OkStatus();
    }
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kRecommenderKind, name));
    std::string status;
    json::object doc;
    if (body) {
      ASSIGN_OR_RETURN(doc, ParseStored(*body));
      status = GetStringOr(doc, "Status", "");
    }
    if (!body || status == "INACTIVE" || status == "STOPPING" || status == "DELETING") {
      ASSIGN_OR_RETURN(bool gone, txn.Delete(kSystemScope, kRecommenderScheduleKind, row_id));
      (void)gone;
      return OkStatus();
    }
    json::object* update = UpdateOf(doc);
    bool update_pending = update && GetStringOr(*update, "Status", "") == "PENDING";
    if (update_pending) {
      (*update)["Status"] = "IN_PROGRESS";
      (*update)["LastUpdatedAt"] = now;
    }
    if (status == "STARTING" && doc.contains("_Generation") && !update_pending) {
      // The kept model serves again; the schedule resumes from its training.
      doc["Status"] = "ACTIVE";
      doc["LastUpdatedAt"] = now;
      RETURN_IF_ERROR(txn.Put(scope, kRecommenderKind, name, Serialize(doc)));
      row["DueAt"] = std::max(now, GetNumberOr(doc, "_TrainedAt", now) + FrequencySeconds(doc));
      row["LeaseUntil"] = 0;
      return txn.Put(kSystemScope, kRecommenderScheduleKind, row_id, Serialize(row));
    }
    if (status == "PENDING") doc["Status"] = "IN_PROGRESS";
    RETURN_IF_ERROR(txn.Put(scope, kRecommenderKind, name, Serialize(doc)));
    row["LeaseUntil"] = now + kLeaseSeconds;
    RETURN_IF_ERROR(txn.Put(kSystemScope, kRecommenderScheduleKind, row_id, Serialize(row)));
    claim.train = true;
    claim.recipe = GetStringOr(doc, "RecommenderRecipeName", "");
    if (const json::object* config = GetObject(doc, "RecommenderConfig")) claim.config = *config;
    claim.created_at = doc.contains("CreatedAt") ? doc.at("CreatedAt") : json::value();
    return OkStatus();
  }));
  return claim;
}

// Ends a training: the model (if any) becomes the served one, the statuses move, the next
// training is scheduled. `generation` empty: the training failed with `failure`.
Status FinishTraining(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain,
                      std::string_view name, const Claim& claim, const std::string& generation,
                      const std::string& failure, const json::object& metrics) {
  double now = env.clock->NowEpochSeconds();
  store::Scope scope = DomainScope(ctx, domain);
  std::string row_id = ScheduleId(ctx.account_id, domain, name);
  return env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kRecommenderKind, name));
    std::optional<json::object> doc;
    if (body) {
      ASSIGN_OR_RETURN(doc, ParseStored(*body));
      json::value created = doc->contains("CreatedAt") ? doc->at("CreatedAt") : json::value();
      if (created != claim.created_at) doc.reset();  // deleted and created again meanwhile
    }
    if (!doc) {
      if (!generation.empty()) {
        ASSIGN_OR_RETURN(int64_t n, txn.DeleteKind(scope, kRecommenderModelKind,
                                                   GenerationPrefix(name, generation)));
        (void)n;
      }
      return OkStatus();
    }
    std::string status = GetStringOr(*doc, "Status", "");
    // The update's members first: pointers into *doc do not outlive an insertion into it.
    json::object* update = UpdateOf(*doc);
    bool updating = update && GetStringOr(*update, "Status", "") == "IN_PROGRESS";
    if (updating) {
      (*update)["Status"] = generation.empty() ? "FAILED" : "ACTIVE";
      (*update)["LastUpdatedAt"] = now;
      if (generation.empty()) {
        (*update)["FailureReason"] = failure;
      } else {
        update->erase("FailureReason");
      }
    }
    if (generation.empty()) {
      if (status == "IN_PROGRESS" || status == "STARTING" || (updating && status == "FAILED")) {
        (*doc)["Status"] = "FAILED";
        (*doc)["FailureReason"] = failure;
      }
    } else {
      (*doc)["_Generation"] = generation;
      (*doc)["_TrainedAt"] = now;
      doc->erase("FailureReason");
      if (status == "IN_PROGRESS" || status == "STARTING" || status == "FAILED" ||
          status == "PENDING") {
        (*doc)["Status"] = "ACTIVE";
      }
      json::array history;
      history.push_back(json::object{{"Time", now}, {"Metrics", metrics}});
      if (const json::array* before = GetArray(*doc, "TrainingMetrics")) {
        for (const json::value& m : *before) {
          if (history.size() == kTrainingMetricsKept) break;
          history.push_back(m);
        }
      }
      (*doc)["TrainingMetrics"] = std::move(history);
      // Every other generation goes: the one replaced, and any a crashed training left.
      std::vector<std::string> stale;
      RETURN_IF_ERROR(ForEachDocument(txn, scope, kRecommenderModelKind, ModelPrefix(name), "",
                                      [&](const store::Document& d) -> Status {
                                        if (d.id.rfind(GenerationPrefix(name, generation), 0) != 0)
                                          stale.push_back(d.id);
                                        return OkStatus();
                                      }));
      for (const std::string& id : stale) {
        ASSIGN_OR_RETURN(bool gone, txn.Delete(scope, kRecommenderModelKind, id));
        (void)gone;
      }
    }
    (*doc)["LastUpdatedAt"] = now;
    RETURN_IF_ERROR(txn.Put(scope, kRecommenderKind, name, Serialize(*doc)));
    ASSIGN_OR_RETURN(auto row_body,
                     txn.GetForUpdate(kSystemScope, kRecommenderScheduleKind, row_id));
    if (!row_body) return OkStatus();  // stopped meanwhile
    ASSIGN_OR_RETURN(json::object row, ParseStored(*row_body));
    row["LeaseUntil"] = 0;
    bool failed_for_good = generation.empty() && GetStringOr(*doc, "Status", "") == "FAILED";
    if (GetNumberOr(row, "DueAt", 0) > claim.claimed_at) {
      // Asked again (an update) while this one trained: leave it due.
    } else if (failed_for_good) {
      ASSIGN_OR_RETURN(bool gone, txn.Delete(kSystemScope, kRecommenderScheduleKind, row_id));
      (void)gone;
      return OkStatus();
    } else {
      row["DueAt"] = now + FrequencySeconds(*doc);
    }
    return txn.Put(kSystemScope, kRecommenderScheduleKind, row_id, Serialize(row));
  });
}

void TrainOne(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain,
              std::string_view name) {
  auto claimed = ClaimTraining(env, ctx, domain, name);
  if (!claimed.ok()) {
    log::Warn("recommender " + std::string(name) + ": " + claimed.error().message());
    return;
  }
  const Claim& claim = *claimed;
  if (!claim.train) return;
  auto started = std::chrono::steady_clock::now();
  auto recipe = recommend::RecipeFromName(claim.recipe);
  recommend::EventConfig config = recommend::EventConfig::FromRecommenderConfig(&claim.config);
  store::Scope scope = DomainScope(ctx, domain);
  std::vector<std::string> types;
  recommend::Dataset data;
  Status read = env.store->Read([&](store::Txn& txn) -> Status {
    types.clear();
    ASSIGN_OR_RETURN(data, ReadRecommenderEvents(txn, scope, config, &types));
    return OkStatus();
  });
  std::string failure;
  if (!read.ok()) {
    failure = "Reading the domain's events failed: " + read.error().message();
  } else if (!recipe) {
    failure = "Unknown recipe " + claim.recipe;
  } else if (data.TrainingRows() == 0) {
    failure = config.rules.empty()
                  ? "No events to train on: no profile object of domain " + std::string(domain) +
                        " has an EventType and an Item.Id or ItemList[].Id"
                  : "No events to train on: no profile object of domain " + std::string(domain) +
                        " has an EventType of the EventParametersList (with its "
                        "EventValueThreshold) and an Item.Id or ItemList[].Id";
  }
  std::string generation;
  json::object metrics;
  if (failure.empty()) {
    for (const auto& [metric, value] : recommend::Evaluate(data, *recipe)) metrics[metric] = value;
    recommend::Model model = recommend::Train(data, *recipe);
    generation = RandomHex(16);
    json::object meta = recommend::ModelMeta(model);
    json::array type_list;
    for (const std::string& t : types) type_list.emplace_back(t);
    meta["Types"] = std::move(type_list);
    meta["Events"] = static_cast<int64_t>(data.TrainingRows());
    Status wrote = env.store->Write([&](store::Txn& txn) -> Status {
      return txn.Put(scope, kRecommenderModelKind, GenerationPrefix(name, generation) + "meta",
                     Serialize(meta));
    });
    std::vector<json::object> chunks = recommend::ModelChunks(model);
    for (size_t c = 0; wrote.ok() && c < chunks.size(); ++c) {
      char id[24];  // "c" and up to 20 digits of a size_t: never truncated
      std::snprintf(id, sizeof id, "c%05zu", c);
      wrote = env.store->Write([&](store::Txn& txn) -> Status {
        return txn.Put(scope, kRecommenderModelKind, GenerationPrefix(name, generation) + id,
                       Serialize(chunks[c]));
      });
    }
    if (!wrote.ok()) {
      log::Warn("recommender " + std::string(name) + ": " + wrote.error().message());
      generation.clear();
      failure = "Storing the model failed: " + wrote.error().message();
    }
  }
  Status finished = FinishTraining(env, ctx, domain, name, claim, generation, failure, metrics);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!finished.ok()) {
    log::Warn("recommender " + std::string(name) + ": " + finished.error().message());
  } else {
    log::Info("recommender " + std::string(domain) + "/" + std::string(name) + " trained on " +
              std::to_string(data.TrainingRows()) + " events in " + std::to_string(seconds) + " s" +
              (failure.empty() ? "" : ": " + failure));
  }
}

}  // namespace

Status ScheduleRecommender(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                           std::string_view name, double due) {
  json::object row{{"Account", ctx.account_id},
                   {"Region", ctx.region},
                   {"Domain", domain},
                   {"Name", name},
                   {"DueAt", due},
                   {"LeaseUntil", 0}};
  return txn.Put(kSystemScope, kRecommenderScheduleKind, ScheduleId(ctx.account_id, domain, name),
                 Serialize(row));
}

Status UnscheduleRecommender(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                             std::string_view name) {
  ASSIGN_OR_RETURN(bool gone, txn.Delete(kSystemScope, kRecommenderScheduleKind,
                                         ScheduleId(ctx.account_id, domain, name)));
  (void)gone;
  return OkStatus();
}

Status DeleteRecommenderData(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                             std::string_view name) {
  RETURN_IF_ERROR(UnscheduleRecommender(txn, ctx, domain, name));
  ASSIGN_OR_RETURN(int64_t n, txn.DeleteKind(DomainScope(ctx, domain), kRecommenderModelKind,
                                             ModelPrefix(name)));
  (void)n;
  return OkStatus();
}

Result<recommend::Dataset> ReadRecommenderEvents(store::Txn& txn, store::Scope scope,
                                                 const recommend::EventConfig& config,
                                                 std::vector<std::string>* types) {
  recommend::Dataset data;
  std::set<std::string> seen_types;
  RETURN_IF_ERROR(
      ForEachDocument(txn, scope, kObjectKind, "", "", [&](const store::Document& doc) -> Status {
        ASSIGN_OR_RETURN(json::object record, ParseStored(doc.body));
        auto text = record.find("Object");
        if (text == record.end() || !text->value().is_string()) return OkStatus();
        boost::system::error_code ec;
        json::value object = json::parse(std::string_view(text->value().as_string()), ec);
        if (ec || !object.is_object()) return OkStatus();
        double fallback = GetNumberOr(record, "UpdatedAt", GetNumberOr(record, "CreatedAt", 0));
        auto event = recommend::ParseEvent(object.as_object(), fallback);
        if (!event) return OkStatus();
        data.Add(GetStringOr(record, "ProfileId", ""), *event,
                 config.WeightOf(event->type, event->value));
        seen_types.insert(GetStringOr(record, "ObjectTypeName", ""));
        return OkStatus();
      }));
  if (types) types->assign(seen_types.begin(), seen_types.end());
  return data;
}

Status RunDueRecommenderTraining(const ServiceEnv& env) {
  double now = env.clock->NowEpochSeconds();
  std::vector<store::Document> due;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    due.clear();
    return ForEachDocument(
        txn, kSystemScope, kRecommenderScheduleKind, "", "",
        [&](const store::Document& doc) -> Status {
          ASSIGN_OR_RETURN(json::object row, ParseStored(doc.body));
          if (GetNumberOr(row, "DueAt", 0) <= now && GetNumberOr(row, "LeaseUntil", 0) <= now) {
            due.push_back(doc);
          }
          return OkStatus();
        });
  }));
  for (const store::Document& row : due) {
    ASSIGN_OR_RETURN(json::object queued, ParseStored(row.body));
    RequestContext ctx{GetStringOr(queued, "Account", ""), GetStringOr(queued, "Region", ""), "",
                       ""};
    TrainOne(env, ctx, GetStringOr(queued, "Domain", ""), GetStringOr(queued, "Name", ""));
  }
  return OkStatus();
}

void RunRecommenderTrainingTask(const ServiceEnv& env, const TaskSignal& signal) {
  do {
    Status ran = RunDueRecommenderTraining(env);
    if (!ran.ok()) log::Warn("recommender training: " + ran.error().message());
  } while (!signal.WaitFor(std::chrono::seconds(30)));
}

Result<std::shared_ptr<const ServedModel>> LoadServedModel(store::Txn& txn,
                                                           const RequestContext& ctx,
                                                           std::string_view domain,
                                                           std::string_view name,
                                                           std::string_view generation) {
  std::string key = ScheduleId(ctx.account_id, domain, name) + "/" + std::string(generation);
  if (auto cached = Cache().Find(key)) return cached;
  store::Scope scope = DomainScope(ctx, domain);
  std::string prefix = GenerationPrefix(name, generation);
  ASSIGN_OR_RETURN(auto meta_body, txn.Get(scope, kRecommenderModelKind, prefix + "meta"));
  if (!meta_body) return Error::Internal("recommender " + std::string(name) + " has no model");
  ASSIGN_OR_RETURN(json::object meta, ParseStored(*meta_body));
  std::vector<json::object> chunks;
  RETURN_IF_ERROR(ForEachDocument(txn, scope, kRecommenderModelKind, prefix + "c", "",
                                  [&](const store::Document& d) -> Status {
                                    ASSIGN_OR_RETURN(json::object chunk, ParseStored(d.body));
                                    chunks.push_back(std::move(chunk));
                                    return OkStatus();
                                  }));
  auto served = std::make_shared<ServedModel>();
  ASSIGN_OR_RETURN(served->model, recommend::ModelFromDocs(meta, chunks));
  if (const json::array* types = GetArray(meta, "Types")) {
    for (const json::value& t : *types) {
      if (t.is_string()) served->types.emplace_back(t.as_string());
    }
  }
  std::shared_ptr<const ServedModel> out = std::move(served);
  Cache().Put(key, out);
  return out;
}

}  // namespace profiled::service
