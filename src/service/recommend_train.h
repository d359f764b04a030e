// File: recommend_train.h
// Training recommenders and keeping their models (docs/recommendations.md). The models
// themselves are pure (recommend_model.h); this is their store side and their schedule.
//
// Statuses, as AWS has them:
//   CreateRecommender -> PENDING; the trainer takes it IN_PROGRESS and then ACTIVE (or FAILED
//   with FailureReason, e.g. no events). UpdateRecommender with a RecommenderConfig keeps the
//   recommender's status and retrains: LatestRecommenderUpdate goes PENDING -> IN_PROGRESS ->
//   ACTIVE | FAILED (a FAILED recommender that retrains well becomes ACTIVE).
//   StopRecommender: ACTIVE -> INACTIVE (at once; it stops serving). StartRecommender:
//   INACTIVE -> STARTING -> ACTIVE (the trainer loads the kept model, or trains one).
//   An ACTIVE recommender retrains every RecommenderConfig.TrainingFrequency days (default 7),
//   serving its previous model meanwhile.
//
// Store layout:
//   recommender document (kRecommenderKind) internal members: "_Generation" (the served model),
//   "_TrainedAt"; TrainingMetrics (newest first, at most 5), FailureReason,
//   LatestRecommenderUpdate.
//   kRecommenderModelKind (domain scope) id "{name}/{generation}/meta" and
//   "{name}/{generation}/c{00000}": the model (recommend_model.h's stored form), plus "Types"
//   in the meta: the object types its events came from.
//   kRecommenderScheduleKind (system scope) id "{account}/{domain}/{name}": {"Account",
//   "Region", "Domain", "Name", "DueAt", "LeaseUntil"}: when the trainer next looks at it.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/recommend_model.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kRecommenderModelKind = "recommender_model";
inline constexpr std::string_view kRecommenderScheduleKind = "recommender_schedule";
inline constexpr int64_t kDefaultTrainingFrequencyDays = 7;
inline constexpr size_t kTrainingMetricsKept = 5;

// Asks the trainer to look at the recommender at `due` (epoch seconds). REQUIRES: a Write txn.
Status ScheduleRecommender(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                           std::string_view name, double due);
// The trainer no longer looks at it (StopRecommender). REQUIRES: a Write txn.
Status UnscheduleRecommender(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                             std::string_view name);
// Removes its models and its schedule (DeleteRecommender). REQUIRES: a Write txn.
Status DeleteRecommenderData(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                             std::string_view name);

// Reads the domain's events (every profile object with the documented columns) with the
// recommender's event weights. `types` receives the object types the events came from.
Result<recommend::Dataset> ReadRecommenderEvents(store::Txn& txn, store::Scope scope,
                                                 const recommend::EventConfig& config,
                                                 std::vector<std::string>* types);

// Trains (or activates) every recommender whose time has come; tests call it directly.
Status RunDueRecommenderTraining(const ServiceEnv& env);
class TaskSignal;
// The background task: RunDueRecommenderTraining every 30 s and whenever woken.
void RunRecommenderTrainingTask(const ServiceEnv& env, const TaskSignal& signal);

// The model a recommender serves and the object types its events came from, loaded once per
// generation and kept in a small process-wide cache.
struct ServedModel {
  recommend::Model model;
  std::vector<std::string> types;
};
Result<std::shared_ptr<const ServedModel>> LoadServedModel(store::Txn& txn,
                                                           const RequestContext& ctx,
                                                           std::string_view domain,
                                                           std::string_view name,
                                                           std::string_view generation);

// GetProfileRecommendations (recommend_ops.cc).
void RegisterProfileRecommendationOperations(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
