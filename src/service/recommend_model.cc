// The recommenders' models (see recommend_model.h and docs/recommendations.md).
#include "service/recommend_model.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <numeric>
#include <unordered_set>

#include "common/ascii.h"
#include "common/timestamp.h"

namespace profiled::service::recommend {
namespace json = boost::json;
namespace {

constexpr double kDay = 86400;
// recommended-for-you: a history item's weight halves every 30 days before the profile's latest
// event, and only the 50 heaviest seed the scores.
constexpr double kHistoryHalfLife = 30 * kDay;
constexpr size_t kSeeds = 50;
// Items per profile (the most recent) and per session that pair with each other in training:
// bounds the quadratic pair count of very active profiles.
constexpr size_t kItemsPerProfile = 200;
constexpr size_t kItemsPerSession = 50;

// The value at a dotted path: the literal member first ("Item.Id" as one key), then nested.
const json::value* AtPath(const json::object& o, std::string_view path) {
  if (auto it = o.find(path); it != o.end()) return &it->value();
  size_t dot = path.find('.');
  if (dot == std::string_view::npos) return nullptr;
  auto it = o.find(path.substr(0, dot));
  if (it == o.end() || !it->value().is_object()) return nullptr;
  return AtPath(it->value().as_object(), path.substr(dot + 1));
}

std::optional<std::string> ScalarText(const json::value& v) {
  if (v.is_string()) {
    if (v.as_string().empty()) return std::nullopt;
    return std::string(v.as_string());
  }
  if (v.is_double()) {
    char text[32];
    std::snprintf(text, sizeof text, "%.15g", v.as_double());
    return std::string(text);
  }
  if (v.is_int64() || v.is_uint64() || v.is_bool()) return json::serialize(v);
  return std::nullopt;
}

std::optional<double> NumberOf(const json::value& v) {
  if (v.is_number()) return v.to_number<double>();
  if (v.is_string()) {
    std::string text(v.as_string());
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

std::optional<double> TimeOf(const json::value& v) {
  if (v.is_number()) {
    double t = v.to_number<double>();
    return t > 1e11 ? t / 1000 : t;  // epoch milliseconds
  }
  if (v.is_string()) return ParseTimestamp(std::string_view(v.as_string()));
  return std::nullopt;
}

constexpr std::string_view kCatalogStrings[] = {"Name",      "Code",        "Type",
                                                "Category",  "Description", "AdditionalInformation",
                                                "ImageLink", "Link",        "Price"};

// Keeps the best `k` of `acc` (touched positions listed in `touched`) as neighbours, resetting
// `acc` for the next item.
std::vector<Neighbor> TopNeighbors(std::vector<double>& acc, std::vector<uint32_t>& touched,
                                   const std::function<double(uint32_t, double)>& score) {
  std::vector<Neighbor> out;
  out.reserve(touched.size());
  for (uint32_t j : touched) {
    double s = score(j, acc[j]);
    if (s > 0) out.push_back({j, static_cast<float>(s)});
    acc[j] = 0;
  }
  touched.clear();
  auto better = [](const Neighbor& a, const Neighbor& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  };
  if (out.size() > kNeighbors) {
    std::partial_sort(out.begin(), out.begin() + kNeighbors, out.end(), better);
    out.resize(kNeighbors);
  } else {
    std::sort(out.begin(), out.end(), better);
  }
  return out;
}

// Per profile, its training rows in time order (rows of weight 0 left out).
std::vector<std::vector<const Interaction*>> RowsByProfile(const Dataset& data) {
  std::vector<std::vector<const Interaction*>> by(data.profiles.size());
  for (const Interaction& r : data.rows) {
    if (r.weight > 0) by[r.profile].push_back(&r);
  }
  for (auto& rows : by) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Interaction* a, const Interaction* b) { return a->time < b->time; });
  }
  return by;
}

// Cosine similarity of items over profiles, each profile's weight on an item damped by log1p.
void TrainCosine(const Dataset& data, Model& model) {
  size_t n = data.items.size();
  std::vector<std::vector<std::pair<uint32_t, double>>> profile_items(data.profiles.size());
  for (const auto& rows : RowsByProfile(data)) {
    if (rows.empty()) continue;
    std::map<uint32_t, std::pair<double, double>> w;  // item -> (weight, last time)
    for (const Interaction* r : rows) {
      auto& [weight, last] = w[r->item];
      weight += r->weight;
      last = std::max(last, r->time);
    }
    std::vector<std::pair<uint32_t, std::pair<double, double>>> items(w.begin(), w.end());
    if (items.size() > kItemsPerProfile) {
      std::partial_sort(
          items.begin(), items.begin() + kItemsPerProfile, items.end(),
          [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
      items.resize(kItemsPerProfile);
    }
    auto& out = profile_items[rows.front()->profile];
    for (const auto& [item, wt] : items) out.emplace_back(item, std::log1p(wt.first));
  }
  std::vector<std::vector<std::pair<uint32_t, double>>> item_profiles(n);
  std::vector<double> norm(n, 0);
  for (uint32_t p = 0; p < profile_items.size(); ++p) {
    for (const auto& [item, v] : profile_items[p]) {
      item_profiles[item].emplace_back(p, v);
      norm[item] += v * v;
    }
  }
  for (double& x : norm) x = std::sqrt(x);
  std::vector<double> acc(n, 0);
  std::vector<uint32_t> touched;
  model.neighbors.assign(n, {});
  for (uint32_t i = 0; i < n; ++i) {
    for (const auto& [p, vi] : item_profiles[i]) {
      for (const auto& [j, vj] : profile_items[p]) {
        if (j == i) continue;
        if (acc[j] == 0) touched.push_back(j);
        acc[j] += vi * vj;
      }
    }
    model.neighbors[i] = TopNeighbors(acc, touched, [&](uint32_t j, double dot) {
      return norm[i] > 0 && norm[j] > 0 ? dot / (norm[i] * norm[j]) : 0;
    });
  }
}

// Sessions: a profile's training events with gaps under kSessionGapSeconds.
std::vector<std::vector<uint32_t>> Sessions(const Dataset& data) {
  std::vector<std::vector<uint32_t>> sessions;
  for (const auto& rows : RowsByProfile(data)) {
    std::vector<uint32_t> current;
    double last = 0;
    for (const Interaction* r : rows) {
      if (!current.empty() && r->time - last > kSessionGapSeconds) {
        sessions.push_back(std::move(current));
        current.clear();
      }
      last = r->time;
      if (current.size() < kItemsPerSession &&
          std::find(current.begin(), current.end(), r->item) == current.end()) {
        current.push_back(r->item);
      }
    }
    if (!current.empty()) sessions.push_back(std::move(current));
  }
  return sessions;
}

// P(j in a session | i in it).
void TrainPairs(const Dataset& data, Model& model) {
  size_t n = data.items.size();
  std::vector<std::vector<uint32_t>> sessions = Sessions(data);
  std::vector<std::vector<uint32_t>> item_sessions(n);
  for (uint32_t s = 0; s < sessions.size(); ++s) {
    for (uint32_t item : sessions[s]) item_sessions[item].push_back(s);
  }
  std::vector<double> acc(n, 0);
  std::vector<uint32_t> touched;
  model.neighbors.assign(n, {});
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t s : item_sessions[i]) {
      for (uint32_t j : sessions[s]) {
        if (j == i) continue;
        if (acc[j] == 0) touched.push_back(j);
        acc[j] += 1;
      }
    }
    double count = static_cast<double>(item_sessions[i].size());
    model.neighbors[i] = TopNeighbors(
        acc, touched, [&](uint32_t, double together) { return count > 0 ? together / count : 0; });
  }
}

bool Personal(Recipe r) {
  return r == Recipe::kRecommendedForYou || r == Recipe::kPersonalizedRanking ||
         r == Recipe::kSimilarItems || r == Recipe::kFrequentlyPairedItems;
}

}  // namespace

std::optional<Recipe> RecipeFromName(std::string_view name) {
  static constexpr std::pair<std::string_view, Recipe> kNames[] = {
      {"recommended-for-you", Recipe::kRecommendedForYou},
      {"similar-items", Recipe::kSimilarItems},
      {"frequently-paired-items", Recipe::kFrequentlyPairedItems},
      {"popular-items", Recipe::kPopularItems},
      {"trending-now", Recipe::kTrendingNow},
      {"personalized-ranking", Recipe::kPersonalizedRanking},
  };
  for (const auto& [n, r] : kNames) {
    if (n == name) return r;
  }
  return std::nullopt;
}

EventConfig EventConfig::FromRecommenderConfig(const json::object* config) {
  EventConfig out;
  if (!config) return out;
  auto events = config->find("EventsConfig");
  if (events == config->end() || !events->value().is_object()) return out;
  auto list = events->value().as_object().find("EventParametersList");
  if (list == events->value().as_object().end() || !list->value().is_array()) return out;
  for (const json::value& v : list->value().as_array()) {
    if (!v.is_object()) continue;
    const json::object& p = v.as_object();
    EventRule rule;
    if (auto t = p.find("EventType"); t != p.end() && t->value().is_string()) {
      rule.type = std::string(t->value().as_string());
    }
    if (auto w = p.find("EventWeight"); w != p.end() && w->value().is_number()) {
      rule.weight = w->value().to_number<double>();
    }
    if (auto th = p.find("EventValueThreshold"); th != p.end() && th->value().is_number()) {
      rule.threshold = th->value().to_number<double>();
    }
    out.rules.push_back(std::move(rule));
  }
  return out;
}

std::optional<double> EventConfig::WeightOf(std::string_view type,
                                            std::optional<double> value) const {
  if (rules.empty()) return 1.0;
  for (const EventRule& rule : rules) {
    if (!EqualsIgnoreCase(rule.type, type)) continue;
    if (rule.threshold && (!value || *value < *rule.threshold)) return std::nullopt;
    if (rule.weight <= 0) return std::nullopt;
    return rule.weight;
  }
  return std::nullopt;
}

json::object CatalogMetadata(const json::object& item) {
  json::object meta;
  json::object attributes;
  for (const auto& [key, value] : item) {
    if (key == "Id") continue;
    if (key == "Attributes" && value.is_object()) {
      for (const auto& [k, v] : value.as_object()) {
        if (auto text = ScalarText(v)) attributes[k] = *text;
      }
      continue;
    }
    auto text = ScalarText(value);
    if (!text) continue;
    bool standard = std::find(std::begin(kCatalogStrings), std::end(kCatalogStrings),
                              std::string_view(key)) != std::end(kCatalogStrings);
    if (standard) {
      meta[key] = *text;
    } else {
      attributes[key] = *text;
    }
  }
  if (!attributes.empty()) meta["Attributes"] = std::move(attributes);
  return meta;
}

std::optional<ParsedEvent> ParseEvent(const json::object& object, double fallback_time) {
  ParsedEvent event;
  const json::value* type = AtPath(object, "EventType");
  if (!type || !type->is_string() || type->as_string().empty()) return std::nullopt;
  event.type = std::string(type->as_string());
  auto add_item = [&](const json::value* id, const json::object* meta) {
    if (!id) return;
    auto text = ScalarText(*id);
    if (!text || id->is_bool()) return;
    if (std::find(event.items.begin(), event.items.end(), *text) != event.items.end()) return;
    event.items.push_back(std::move(*text));
    event.item_meta.push_back(meta ? CatalogMetadata(*meta) : json::object());
  };
  const json::value* item = AtPath(object, "Item");
  if (item && item->is_object()) {
    add_item(AtPath(item->as_object(), "Id"), &item->as_object());
  } else {
    add_item(AtPath(object, "Item.Id"), nullptr);
  }
  if (const json::value* list = AtPath(object, "ItemList"); list && list->is_array()) {
    for (const json::value& entry : list->as_array()) {
      if (entry.is_object()) add_item(AtPath(entry.as_object(), "Id"), &entry.as_object());
    }
  }
  if (event.items.empty()) return std::nullopt;
  event.time = fallback_time;
  if (const json::value* ts = AtPath(object, "EventTimestamp")) {
    if (auto t = TimeOf(*ts)) event.time = *t;
  }
  if (const json::value* v = AtPath(object, "EventValue")) event.value = NumberOf(*v);
  return event;
}

uint32_t Dataset::Intern(std::vector<std::string>& names,
                         std::unordered_map<std::string, uint32_t>& index, std::string_view name) {
  auto [it, added] = index.try_emplace(std::string(name), static_cast<uint32_t>(names.size()));
  if (added) names.emplace_back(name);
  return it->second;
}

void Dataset::Add(std::string_view profile_id, const ParsedEvent& event,
                  std::optional<double> weight) {
  uint32_t p = Intern(profiles, profile_index_, profile_id);
  uint32_t t = Intern(types, type_index_, event.type);
  for (size_t k = 0; k < event.items.size(); ++k) {
    uint32_t i = Intern(items, item_index_, event.items[k]);
    if (item_meta.size() < items.size()) {
      item_meta.resize(items.size());
      item_meta_time.resize(items.size(), -1e300);
    }
    if (!event.item_meta[k].empty() && event.time >= item_meta_time[i]) {
      item_meta[i] = event.item_meta[k];
      item_meta_time[i] = event.time;
    }
    rows.push_back({p, i, event.time, static_cast<float>(weight.value_or(0)), t});
  }
}

size_t Dataset::TrainingRows() const {
  return static_cast<size_t>(
      std::count_if(rows.begin(), rows.end(), [](const Interaction& r) { return r.weight > 0; }));
}

void Model::BuildIndex() {
  index.clear();
  for (uint32_t i = 0; i < items.size(); ++i) index.emplace(items[i], i);
  order.resize(items.size());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](uint32_t i) {
    return std::make_pair(trend.empty() ? 0.0 : trend[i], popularity[i]);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return key(a) > key(b); });
}

std::optional<uint32_t> Model::Find(std::string_view item) const {
  auto it = index.find(std::string(item));
  if (it == index.end()) return std::nullopt;
  return it->second;
}

Model Train(const Dataset& data, Recipe recipe) {
  Model model;
  model.recipe = recipe;
  model.items = data.items;
  model.catalog = data.item_meta;
  model.catalog.resize(model.items.size());
  model.popularity.assign(model.items.size(), 0);
  bool any = false;
  for (const Interaction& r : data.rows) {
    if (r.weight <= 0) continue;
    model.popularity[r.item] += r.weight;
    model.reference_time = any ? std::max(model.reference_time, r.time) : r.time;
    any = true;
  }
  switch (recipe) {
    case Recipe::kTrendingNow: {
      model.trend.assign(model.items.size(), 0);
      double t = model.reference_time;
      std::vector<double> recent(model.items.size(), 0), before(model.items.size(), 0);
      for (const Interaction& r : data.rows) {
        if (r.weight <= 0 || r.time > t) continue;
        if (r.time > t - kDay) {
          recent[r.item] += r.weight;
        } else if (r.time > t - 8 * kDay) {
          before[r.item] += r.weight;
        }
      }
      for (size_t i = 0; i < model.trend.size(); ++i) model.trend[i] = recent[i] - before[i] / 7;
      break;
    }
    case Recipe::kRecommendedForYou:
    case Recipe::kPersonalizedRanking:
    case Recipe::kSimilarItems:
      TrainCosine(data, model);
      break;
    case Recipe::kFrequentlyPairedItems:
      TrainPairs(data, model);
      break;
    case Recipe::kPopularItems:
      break;
  }
  model.BuildIndex();
  return model;
}

std::vector<Ranked> Rank(const Model& model, const std::vector<HistoryEvent>& history,
                         const std::vector<std::string>& candidates, size_t limit) {
  Recipe recipe = model.recipe;
  if (recipe == Recipe::kPersonalizedRanking && candidates.empty()) {
    recipe = Recipe::kRecommendedForYou;
  }
  // The model's scores for this profile (item-based recipes), and the items it leaves out.
  std::unordered_map<uint32_t, double> cf;
  std::unordered_set<uint32_t> excluded;
  std::vector<const HistoryEvent*> seeding;
  for (const HistoryEvent& e : history) {
    if (e.weight > 0) seeding.push_back(&e);
  }
  std::stable_sort(seeding.begin(), seeding.end(),
                   [](const HistoryEvent* a, const HistoryEvent* b) { return a->time < b->time; });
  auto add_neighbors = [&](uint32_t seed, double weight) {
    if (seed >= model.neighbors.size()) return;
    for (const Neighbor& n : model.neighbors[seed]) cf[n.item] += weight * n.score;
  };
  if (recipe == Recipe::kRecommendedForYou || recipe == Recipe::kPersonalizedRanking) {
    if (recipe == Recipe::kRecommendedForYou) {
      for (const HistoryEvent& e : history) {
        if (auto i = model.Find(e.item)) excluded.insert(*i);
      }
    }
    if (!seeding.empty()) {
      double latest = seeding.back()->time;
      std::unordered_map<uint32_t, double> seeds;
      for (const HistoryEvent* e : seeding) {
        if (auto i = model.Find(e->item)) {
          seeds[*i] += e->weight * std::exp2(-(latest - e->time) / kHistoryHalfLife);
        }
      }
      std::vector<std::pair<uint32_t, double>> best(seeds.begin(), seeds.end());
      std::sort(best.begin(), best.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      if (best.size() > kSeeds) best.resize(kSeeds);
      for (const auto& [i, w] : best) add_neighbors(i, w);
    }
  } else if (recipe == Recipe::kSimilarItems && !seeding.empty()) {
    if (auto i = model.Find(seeding.back()->item)) {
      excluded.insert(*i);
      add_neighbors(*i, 1.0);
    }
  } else if (recipe == Recipe::kFrequentlyPairedItems && !seeding.empty()) {
    double last = seeding.back()->time;
    for (auto it = seeding.rbegin(); it != seeding.rend(); ++it) {
      if (last - (*it)->time > kSessionGapSeconds) break;
      last = (*it)->time;
      if (auto i = model.Find((*it)->item); i && excluded.insert(*i).second) add_neighbors(*i, 1.0);
    }
  }
  for (uint32_t i : excluded) cf.erase(i);

  double best_cf = 0;
  for (const auto& [i, s] : cf) best_cf = std::max(best_cf, s);
  double best_global = 0;
  for (uint32_t i = 0; i < model.items.size(); ++i) {
    best_global = std::max(best_global, model.trend.empty() ? model.popularity[i] : model.trend[i]);
  }
  auto score_of = [&](uint32_t i) {
    if (Personal(recipe)) {
      auto it = cf.find(i);
      return it != cf.end() && best_cf > 0 ? it->second / best_cf : 0.0;
    }
    double g = model.trend.empty() ? model.popularity[i] : model.trend[i];
    return best_global > 0 && g > 0 ? g / best_global : 0.0;
  };
  std::vector<uint32_t> position(model.order.size());
  for (uint32_t k = 0; k < model.order.size(); ++k) position[model.order[k]] = k;
  auto before = [&](uint32_t a, uint32_t b) {
    auto ia = cf.find(a), ib = cf.find(b);
    double sa = ia == cf.end() ? 0 : ia->second, sb = ib == cf.end() ? 0 : ib->second;
    if (sa != sb) return sa > sb;
    return position[a] < position[b];
  };

  std::vector<Ranked> out;
  auto full = [&] { return limit > 0 && out.size() >= limit; };
  if (!candidates.empty()) {
    std::vector<uint32_t> chosen;
    for (const std::string& c : candidates) {
      auto i = model.Find(c);
      if (!i || excluded.count(*i) || std::find(chosen.begin(), chosen.end(), *i) != chosen.end()) {
        continue;
      }
      chosen.push_back(*i);
    }
    std::sort(chosen.begin(), chosen.end(), before);
    for (uint32_t i : chosen) {
      if (full()) break;
      out.push_back({i, score_of(i)});
    }
    return out;
  }
  std::vector<std::pair<uint32_t, double>> scored(cf.begin(), cf.end());
  std::sort(scored.begin(), scored.end(),
            [&](const auto& a, const auto& b) { return before(a.first, b.first); });
  std::unordered_set<uint32_t> used;
  for (const auto& [i, s] : scored) {
    if (full()) return out;
    out.push_back({i, score_of(i)});
    used.insert(i);
  }
  for (uint32_t i : model.order) {
    if (full()) break;
    // An item no training event weighs (only held-out or zero-weight events) is not offered.
    if (used.count(i) || excluded.count(i) || model.popularity[i] <= 0) continue;
    out.push_back({i, score_of(i)});
  }
  return out;
}

std::vector<std::pair<std::string, double>> Evaluate(const Dataset& data, Recipe recipe) {
  constexpr size_t kK = 25;
  // The split.
  std::vector<std::vector<const Interaction*>> by_profile = RowsByProfile(data);
  std::vector<std::unordered_set<uint32_t>> held(data.profiles.size());
  std::vector<std::vector<const Interaction*>> kept(data.profiles.size());
  std::vector<uint32_t> evaluated;
  for (uint32_t p = 0; p < by_profile.size(); ++p) {
    const auto& rows = by_profile[p];
    std::vector<uint32_t> distinct;
    std::vector<size_t> first_row;
    for (size_t k = 0; k < rows.size(); ++k) {
      if (std::find(distinct.begin(), distinct.end(), rows[k]->item) == distinct.end()) {
        distinct.push_back(rows[k]->item);
        first_row.push_back(k);
      }
    }
    if (distinct.size() < 2) {
      kept[p] = rows;
      continue;
    }
    size_t n_hold = std::max<size_t>(1, static_cast<size_t>(std::lround(0.2 * distinct.size())));
    n_hold = std::min(n_hold, distinct.size() - 1);
    size_t first_held = distinct.size() - n_hold;
    held[p].insert(distinct.begin() + static_cast<std::ptrdiff_t>(first_held), distinct.end());
    kept[p].assign(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(first_row[first_held]));
    evaluated.push_back(p);
  }
  if (evaluated.empty()) return {};
  if (evaluated.size() > kMaxEvaluated) {
    std::vector<uint32_t> sample;
    for (size_t k = 0; k < kMaxEvaluated; ++k) {
      sample.push_back(evaluated[k * evaluated.size() / kMaxEvaluated]);
    }
    evaluated = std::move(sample);
  }
  Dataset train = data;
  train.rows.clear();
  for (const auto& rows : kept) {
    for (const Interaction* r : rows) train.rows.push_back(*r);
  }
  Model model = Train(train, recipe);

  double precision[3] = {0, 0, 0};
  constexpr size_t kCuts[3] = {5, 10, 25};
  double recall = 0, hit = 0, mrr = 0, ndcg[3] = {0, 0, 0};
  std::unordered_set<uint32_t> covered;
  for (uint32_t p : evaluated) {
    std::vector<HistoryEvent> history;
    for (const Interaction* r : kept[p]) {
      history.push_back({data.items[r->item], r->time, r->weight, data.types[r->type]});
    }
    std::vector<Ranked> top = Rank(model, history, {}, kK);
    size_t hits[3] = {0, 0, 0};
    double dcg[3] = {0, 0, 0};
    bool first = true;
    for (size_t rank = 0; rank < top.size(); ++rank) {
      covered.insert(top[rank].item);
      if (!held[p].count(top[rank].item)) continue;
      if (first) mrr += 1.0 / static_cast<double>(rank + 1);
      first = false;
      for (int c = 0; c < 3; ++c) {
        if (rank < kCuts[c]) {
          ++hits[c];
          dcg[c] += 1.0 / std::log2(static_cast<double>(rank) + 2);
        }
      }
    }
    for (int c = 0; c < 3; ++c) {
      precision[c] += static_cast<double>(hits[c]) / static_cast<double>(kCuts[c]);
      double ideal = 0;
      for (size_t r = 0; r < std::min(held[p].size(), kCuts[c]); ++r) {
        ideal += 1.0 / std::log2(static_cast<double>(r) + 2);
      }
      ndcg[c] += ideal > 0 ? dcg[c] / ideal : 0;
    }
    recall += static_cast<double>(hits[2]) / static_cast<double>(held[p].size());
    if (hits[2] > 0) hit += 1;
  }
  double n = static_cast<double>(evaluated.size());
  size_t trained_items = 0;
  for (double w : model.popularity) trained_items += w > 0 ? 1 : 0;
  auto round6 = [](double x) { return std::round(x * 1e6) / 1e6; };
  return {
      {"coverage", round6(trained_items ? static_cast<double>(covered.size()) /
                                              static_cast<double>(trained_items)
                                        : 0)},
      {"hit", round6(hit / n)},
      {"mean_reciprocal_rank_at_25", round6(mrr / n)},
      {"normalized_discounted_cumulative_gain_at_10", round6(ndcg[1] / n)},
      {"normalized_discounted_cumulative_gain_at_25", round6(ndcg[2] / n)},
      {"normalized_discounted_cumulative_gain_at_5", round6(ndcg[0] / n)},
      {"precision_at_10", round6(precision[1] / n)},
      {"precision_at_25", round6(precision[2] / n)},
      {"precision_at_5", round6(precision[0] / n)},
      {"recall", round6(recall / n)},
  };
}

}  // namespace profiled::service::recommend
