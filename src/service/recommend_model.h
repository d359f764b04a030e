// File: recommend_model.h
// The recommenders' models (docs/recommendations.md): pure functions from a domain's web-analytics
// events to a trained model, from a model and a profile's history to ranked items, and the
// held-out evaluation GetRecommender reports as TrainingMetrics. No store here:
// recommend_train.h reads the events and keeps the models.
//
// An event is a profile object whose Object carries the recipes' documented columns:
//   EventType (string), Item.Id and/or ItemList[].Id (strings), EventTimestamp (ISO 8601 or
//   epoch seconds; absent: the object's UpdatedAt), EventValue (number, optional).
// The other members of an item's object (Name, Category, Price, Attributes, ...) are its catalog
// metadata (the latest event's), for CatalogItem and for filters.
//
// One model per recipe, each transparent:
//   popular-items            score(i) = the sum of the event weights on i
//   trending-now             score(i) = weight on i in the last day before the latest event
//                                       minus its daily average over the 7 days before that
//   similar-items            cosine similarity of items over profiles (weighted, log-damped);
//                            seed: the profile's most recent item
//   recommended-for-you      sum over the profile's items of (recency weight x similarity),
//                            minus what the profile already interacted with
//   frequently-paired-items  P(j in session | i in session), sessions = a profile's events with
//                            gaps under 30 minutes; seed: the profile's latest session
//   personalized-ranking     the recommended-for-you score of each of the CandidateIds
// Items the model cannot score (no neighbours, a new profile) come after the scored ones in
// popularity order.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"

namespace profiled::service::recommend {

enum class Recipe {
  kRecommendedForYou,
  kSimilarItems,
  kFrequentlyPairedItems,
  kPopularItems,
  kTrendingNow,
  kPersonalizedRanking,
};
std::optional<Recipe> RecipeFromName(std::string_view name);

// RecommenderConfig.EventsConfig: which event types train and how much each counts.
struct EventRule {
  std::string type;
  double weight = 1.0;
  std::optional<double> threshold;  // EventValueThreshold
};
struct EventConfig {
  std::vector<EventRule> rules;  // empty: every event type, weight 1

  // From a RecommenderConfig (null: the default).
  static EventConfig FromRecommenderConfig(const boost::json::object* config);
  // The weight an event trains with; nullopt when it does not train (a type the list leaves
  // out, a value under the type's threshold or no value with a threshold, a weight of 0).
  // Event types compare without case, as Amazon Personalize matches them.
  std::optional<double> WeightOf(std::string_view type, std::optional<double> value) const;
};

// The columns of one event object; nullopt when it is no event (no EventType or no item id).
struct ParsedEvent {
  std::string type;
  std::vector<std::string> items;  // Item.Id then ItemList[].Id, each once
  double time = 0;
  std::optional<double> value;
  std::vector<boost::json::object> item_meta;  // parallel to items: the item's catalog members
};
std::optional<ParsedEvent> ParseEvent(const boost::json::object& object, double fallback_time);

// The catalog metadata of an item's object: CatalogItem's string members as given, every other
// scalar member (and the members of an "Attributes" object) under "Attributes", as strings.
boost::json::object CatalogMetadata(const boost::json::object& item);

// Events interned for training.
struct Interaction {
  uint32_t profile;
  uint32_t item;
  double time;
  float weight;  // 0: the event does not train (it still counts as an interaction)
  uint32_t type;
};
struct Dataset {
  std::vector<std::string> profiles, items, types;
  std::vector<Interaction> rows;
  std::vector<boost::json::object> item_meta;  // parallel to items (latest event's)
  std::vector<double> item_meta_time;

  void Add(std::string_view profile_id, const ParsedEvent& event, std::optional<double> weight);
  size_t TrainingRows() const;  // rows with a weight > 0

 private:
  uint32_t Intern(std::vector<std::string>& names, std::unordered_map<std::string, uint32_t>& index,
                  std::string_view name);
  std::unordered_map<std::string, uint32_t> profile_index_, item_index_, type_index_;
};

struct Neighbor {
  uint32_t item;
  float score;
};

struct Model {
  Recipe recipe = Recipe::kPopularItems;
  double reference_time = 0;  // the latest training event's time
  std::vector<std::string> items;
  std::vector<double> popularity;                // per item: the sum of its event weights
  std::vector<double> trend;                     // per item (trending-now only)
  std::vector<std::vector<Neighbor>> neighbors;  // per item, best first (item-based recipes)
  std::vector<boost::json::object> catalog;      // per item

  // Derived by BuildIndex (never stored): item id -> position, and every item in the recipe's
  // global order (trend, then popularity; ties by position).
  std::unordered_map<std::string, uint32_t> index;
  std::vector<uint32_t> order;

  void BuildIndex();
  std::optional<uint32_t> Find(std::string_view item) const;
};

// Neighbours kept per item.
inline constexpr size_t kNeighbors = 100;
// Events of one profile closer than this belong to one session (frequently-paired-items).
inline constexpr double kSessionGapSeconds = 30 * 60;

Model Train(const Dataset& data, Recipe recipe);

// What is known of the requesting profile at serving time.
struct HistoryEvent {
  std::string item;
  double time = 0;
  double weight = 0;  // 0: does not seed the model (still excluded / seen by filters)
  std::string type;
};
struct Ranked {
  uint32_t item;
  double score;  // in [0, 1]: the model's score divided by the best of the request
};
// Every item the recipe can offer the profile, best first (each item once). `candidates`
// (CandidateIds, may be empty) restricts the items; personalized-ranking ranks exactly those.
// `limit` > 0 stops after that many items.
std::vector<Ranked> Rank(const Model& model, const std::vector<HistoryEvent>& history,
                         const std::vector<std::string>& candidates, size_t limit = 0);

// The held-out evaluation (docs/recommendations.md, "Training metrics"): for each profile with at
// least 2 distinct training items, the last 20% of its distinct items (at least one, by first
// interaction) are held out and the earlier events kept; a model trained on what is kept ranks
// items for the profile (its kept events as history) and the top k are compared with its held-out
// items. Metrics averaged over up to kMaxEvaluated profiles; empty when no profile qualifies.
inline constexpr size_t kMaxEvaluated = 2000;
std::vector<std::pair<std::string, double>> Evaluate(const Dataset& data, Recipe recipe);

// The stored form (recommend_codec.cc): a meta document and chunks of kChunkItems items, each
// {"Ids": [...], "Pop": [...], "Trend": [...], "Nb": [[item, score ppm, ...], ...],
//  "Cat": [{...}, ...]}. Neighbour scores are kept as integers in millionths.
inline constexpr size_t kChunkItems = 500;
boost::json::object ModelMeta(const Model& model);
std::vector<boost::json::object> ModelChunks(const Model& model);
// BadRequest-free: a stored model that does not decode is kInternal.
Result<Model> ModelFromDocs(const boost::json::object& meta,
                            const std::vector<boost::json::object>& chunks);

}  // namespace profiled::service::recommend
