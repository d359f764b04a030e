// GetProfileRecommendations: an ACTIVE recommender's model ranks items for a profile, with the
// profile's events as they are now (docs/recommendations.md).
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <cmath>
#include <map>
#include <set>

#include "common/ascii.h"
#include "service/common.h"
#include "service/object_type.h"
#include "service/profile_object.h"
#include "service/profile_store.h"
#include "service/recommend_filter.h"
#include "service/recommend_train.h"
#include "service/resource_crud.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// A profile's objects read for its history, at most.
constexpr size_t kHistoryObjects = 10000;
constexpr std::string_view kCatalogColumns[] = {"Name",      "Code",        "Type",
                                                "Category",  "Description", "AdditionalInformation",
                                                "ImageLink", "Link",        "Price"};

// The profile's events, of the model's object types and of every type the domain has now.
Result<std::vector<recommend::HistoryEvent>> ProfileHistory(
    store::Txn& txn, store::Scope scope, std::string_view profile_id,
    const std::vector<std::string>& model_types, const recommend::EventConfig& config) {
  std::set<std::string> types(model_types.begin(), model_types.end());
  RETURN_IF_ERROR(
      ForEachDocument(txn, scope, kObjectTypeKind, "", "", [&](const store::Document& d) -> Status {
        types.insert(d.id);
        return OkStatus();
      }));
  std::vector<recommend::HistoryEvent> history;
  size_t read = 0;
  for (const std::string& type : types) {
    RETURN_IF_ERROR(ForEachObjectOfProfile(
        txn, scope, type, profile_id, "",
        [&](const std::string&, json::object record) -> Result<WalkStep> {
          if (++read > kHistoryObjects) return WalkStep::kStop;
          const json::value* text = record.if_contains("Object");
          if (!text || !text->is_string()) return WalkStep::kNext;
          boost::system::error_code ec;
          json::value object = json::parse(std::string_view(text->as_string()), ec);
          if (ec || !object.is_object()) return WalkStep::kNext;
          const json::value* updated = record.if_contains("UpdatedAt");
          double fallback = updated && updated->is_number() ? updated->to_number<double>() : 0;
          auto event = recommend::ParseEvent(object.as_object(), fallback);
          if (!event) return WalkStep::kNext;
          double weight = config.WeightOf(event->type, event->value).value_or(0);
          for (const std::string& item : event->items) {
            history.push_back({item, event->time, weight, event->type});
          }
          return WalkStep::kNext;
        }));
  }
  return history;
}

// A filter of the request (RecommenderFilters[0] or RecommenderPromotionalFilters[0]), bound to
// its Values.
Result<recommend::Filter> RequestFilter(store::Txn& txn, const RequestContext& ctx,
                                        std::string_view domain, const json::object& entry,
                                        std::string_view member) {
  std::string name = GetStringOr(entry, "Name", "");
  if (name.empty()) return Error::BadRequest(std::string(member) + ".Name is required");
  ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kRecommenderFilterKind, name));
  if (!body) {
    return Error::NotFound("Recommender filter " + name + " does not exist in domain " +
                           std::string(domain));
  }
  ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
  ASSIGN_OR_RETURN(recommend::Filter filter,
                   recommend::ParseFilter(GetStringOr(doc, "RecommenderFilterExpression", "")));
  return recommend::BindFilter(filter, GetObject(entry, "Values"), std::string(member) + ".Values");
}

// CatalogItem: the Id, and the MetadataColumns asked for ("Name" or "Item.Name"; a column that
// is no CatalogItem member comes from the item's Attributes).
json::object CatalogItem(const std::string& id, const json::object& meta,
                         const json::array* columns) {
  json::object item{{"Id", id}};
  if (!columns) return item;
  json::object attributes;
  const json::object* have = nullptr;
  if (auto a = meta.find("Attributes"); a != meta.end() && a->value().is_object()) {
    have = &a->value().as_object();
  }
  for (const json::value& c : *columns) {
    if (!c.is_string()) continue;
    std::string_view column(c.as_string());
    if (StartsWithIgnoreCase(column, "Items.")) column.remove_prefix(6);
    if (StartsWithIgnoreCase(column, "Item.")) column.remove_prefix(5);
    bool standard = false;
    for (std::string_view member : kCatalogColumns) {
      if (!EqualsIgnoreCase(member, column)) continue;
      standard = true;
      if (auto v = meta.find(member); v != meta.end()) item[member] = v->value();
    }
    if (standard) continue;
    if (EqualsIgnoreCase(column, "Attributes") && have) {
      for (const auto& [k, v] : *have) attributes[k] = v;
      continue;
    }
    if (have) {
      for (const auto& [k, v] : *have) {
        if (EqualsIgnoreCase(k, column)) attributes[k] = v;
      }
    }
  }
  if (!attributes.empty()) item["Attributes"] = std::move(attributes);
  return item;
}

Result<json::object> GetProfileRecommendations(const ServiceEnv& env, const RequestContext& ctx,
                                               const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  std::string name = GetStringOr(in, "RecommenderName", "");
  size_t max_results = PageSize(in, 10, 500);
  std::vector<std::string> candidates;
  if (const json::array* ids = GetArray(in, "CandidateIds")) {
    for (const json::value& v : *ids) {
      if (v.is_string()) candidates.emplace_back(v.as_string());
    }
  }
  std::optional<int64_t> percent_promoted;
  store::Scope scope = DomainScope(ctx, domain);

  std::shared_ptr<const ServedModel> served;
  std::vector<recommend::HistoryEvent> history;
  std::optional<recommend::Filter> filter, promotion;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(auto body, txn.Get(scope, kRecommenderKind, name));
    if (!body) {
      return Error::NotFound("Recommender " + name + " does not exist in domain " + domain);
    }
    ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
    std::string status = GetStringOr(doc, "Status", "");
    std::string generation = GetStringOr(doc, "_Generation", "");
    if (status != "ACTIVE" || generation.empty()) {
      return Error::BadRequest("Recommender " + name + " is " + status +
                               ": only an ACTIVE recommender gives recommendations");
    }
    if (GetStringOr(doc, "RecommenderRecipeName", "") == "personalized-ranking" &&
        candidates.empty()) {
      return Error::BadRequest("CandidateIds is required: recommender " + name +
                               " ranks the items it is given (recipe personalized-ranking)");
    }
    ASSIGN_OR_RETURN(json::object profile, LoadProfile(txn, scope, profile_id, false));
    (void)profile;
    if (const json::array* filters = GetArray(in, "RecommenderFilters");
        filters && !filters->empty() && (*filters)[0].is_object()) {
      ASSIGN_OR_RETURN(filter, RequestFilter(txn, ctx, domain, (*filters)[0].as_object(),
                                             "RecommenderFilters[0]"));
    }
    if (const json::array* promos = GetArray(in, "RecommenderPromotionalFilters");
        promos && !promos->empty() && (*promos)[0].is_object()) {
      const json::object& p = (*promos)[0].as_object();
      percent_promoted = GetInt(p, "PercentPromotedItems");
      if (!percent_promoted) {
        return Error::BadRequest(
            "RecommenderPromotionalFilters[0].PercentPromotedItems is required");
      }
      ASSIGN_OR_RETURN(promotion,
                       RequestFilter(txn, ctx, domain, p, "RecommenderPromotionalFilters[0]"));
    }
    ASSIGN_OR_RETURN(served, LoadServedModel(txn, ctx, domain, name, generation));
    recommend::EventConfig config =
        recommend::EventConfig::FromRecommenderConfig(GetObject(doc, "RecommenderConfig"));
    ASSIGN_OR_RETURN(history, ProfileHistory(txn, scope, profile_id, served->types, config));
    return OkStatus();
  }));

  const recommend::Model& model = served->model;
  std::map<std::string, std::set<std::string>> interactions;
  for (const recommend::HistoryEvent& e : history) interactions[e.item].insert(e.type);
  static const std::set<std::string> kNone;
  static const json::object kNoMeta;
  auto types_of = [&](const std::string& id) -> const std::set<std::string>& {
    auto it = interactions.find(id);
    return it == interactions.end() ? kNone : it->second;
  };
  struct Pick {
    const std::string* id;
    double score;
    const json::object* meta;
  };
  std::vector<Pick> ranked;
  for (const recommend::Ranked& r : recommend::Rank(model, history, candidates)) {
    ranked.push_back({&model.items[r.item], r.score, &model.catalog[r.item]});
  }
  // personalized-ranking ranks every candidate: those the model has never seen come last.
  if (model.recipe == recommend::Recipe::kPersonalizedRanking) {
    for (const std::string& c : candidates) {
      bool listed = false;
      for (const Pick& p : ranked) listed = listed || *p.id == c;
      if (!listed) ranked.push_back({&c, 0.0, &kNoMeta});
    }
  }
  std::vector<size_t> kept;  // positions in `ranked` that the filter keeps
  for (size_t k = 0; k < ranked.size(); ++k) {
    if (!filter || recommend::FilterKeeps(*filter, *ranked[k].meta, types_of(*ranked[k].id))) {
      kept.push_back(k);
    }
  }
  std::vector<size_t> chosen;
  if (promotion) {
    // The promoted share of the places goes to the best items the promotion's filter keeps;
    // the rest to the best of the others; all in ranking order.
    size_t promoted = static_cast<size_t>(
        std::ceil(static_cast<double>(max_results) * static_cast<double>(*percent_promoted) / 100));
    std::set<size_t> picked;
    for (size_t k : kept) {
      if (picked.size() == promoted) break;
      if (recommend::FilterKeeps(*promotion, *ranked[k].meta, types_of(*ranked[k].id))) {
        picked.insert(k);
      }
    }
    for (size_t k : kept) {
      if (picked.size() == max_results) break;
      picked.insert(k);
    }
    chosen.assign(picked.begin(), picked.end());
  } else {
    chosen.assign(kept.begin(),
                  kept.begin() + static_cast<std::ptrdiff_t>(std::min(kept.size(), max_results)));
  }
  const json::array* columns = nullptr;
  if (const json::object* metadata = GetObject(in, "MetadataConfig")) {
    columns = GetArray(*metadata, "MetadataColumns");
  }
  json::array out;
  for (size_t k : chosen) {
    json::object rec;
    rec["CatalogItem"] = CatalogItem(*ranked[k].id, *ranked[k].meta, columns);
    rec["Score"] = std::round(ranked[k].score * 1e6) / 1e6;
    out.push_back(std::move(rec));
  }
  return json::object{{"Recommendations", std::move(out)}};
}

}  // namespace

void RegisterProfileRecommendationOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("GetProfileRecommendations", WithEnv(env, GetProfileRecommendations));
}

}  // namespace profiled::service
