// The stored form of a recommender's model (see recommend_model.h): compact JSON, a meta
// document and chunks of kChunkItems items.
#include <boost/json/array.hpp>
#include <cmath>

#include "service/recommend_model.h"

namespace profiled::service::recommend {
namespace json = boost::json;
namespace {

double Round6(double x) { return std::round(x * 1e6) / 1e6; }

Error Corrupt(std::string_view what) {
  return Error::Internal("stored recommender model is corrupt: " + std::string(what));
}

const json::array* ArrayAt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_array() ? &it->value().as_array() : nullptr;
}

}  // namespace

json::object ModelMeta(const Model& model) {
  json::object meta;
  meta["Recipe"] = static_cast<int64_t>(model.recipe);
  meta["ReferenceTime"] = model.reference_time;
  meta["Items"] = static_cast<int64_t>(model.items.size());
  meta["Chunks"] = static_cast<int64_t>((model.items.size() + kChunkItems - 1) / kChunkItems);
  return meta;
}

std::vector<json::object> ModelChunks(const Model& model) {
  std::vector<json::object> chunks;
  for (size_t start = 0; start < model.items.size(); start += kChunkItems) {
    size_t end = std::min(model.items.size(), start + kChunkItems);
    json::array ids, pop, trend, nb, cat;
    for (size_t i = start; i < end; ++i) {
      ids.emplace_back(model.items[i]);
      pop.emplace_back(Round6(model.popularity[i]));
      if (!model.trend.empty()) trend.emplace_back(Round6(model.trend[i]));
      if (!model.neighbors.empty()) {
        json::array flat;
        for (const Neighbor& n : model.neighbors[i]) {
          flat.emplace_back(static_cast<int64_t>(n.item));
          flat.emplace_back(static_cast<int64_t>(std::lround(n.score * 1e6)));
        }
        nb.emplace_back(std::move(flat));
      }
      cat.emplace_back(i < model.catalog.size() ? model.catalog[i] : json::object());
    }
    json::object chunk;
    chunk["Ids"] = std::move(ids);
    chunk["Pop"] = std::move(pop);
    if (!model.trend.empty()) chunk["Trend"] = std::move(trend);
    if (!model.neighbors.empty()) chunk["Nb"] = std::move(nb);
    chunk["Cat"] = std::move(cat);
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

Result<Model> ModelFromDocs(const json::object& meta, const std::vector<json::object>& chunks) {
  Model model;
  auto recipe = meta.find("Recipe");
  auto reference = meta.find("ReferenceTime");
  auto count = meta.find("Items");
  if (recipe == meta.end() || !recipe->value().is_int64() || reference == meta.end() ||
      !reference->value().is_number() || count == meta.end() || !count->value().is_int64()) {
    return Corrupt("meta");
  }
  model.recipe = static_cast<Recipe>(recipe->value().as_int64());
  model.reference_time = reference->value().to_number<double>();
  bool has_trend = false, has_nb = false;
  for (const json::object& chunk : chunks) {
    const json::array* ids = ArrayAt(chunk, "Ids");
    const json::array* pop = ArrayAt(chunk, "Pop");
    const json::array* trend = ArrayAt(chunk, "Trend");
    const json::array* nb = ArrayAt(chunk, "Nb");
    const json::array* cat = ArrayAt(chunk, "Cat");
    if (!ids || !pop || !cat || pop->size() != ids->size() || cat->size() != ids->size() ||
        (trend && trend->size() != ids->size()) || (nb && nb->size() != ids->size())) {
      return Corrupt("chunk");
    }
    has_trend = has_trend || trend;
    has_nb = has_nb || nb;
    for (size_t k = 0; k < ids->size(); ++k) {
      if (!(*ids)[k].is_string() || !(*pop)[k].is_number() || !(*cat)[k].is_object()) {
        return Corrupt("item");
      }
      model.items.emplace_back((*ids)[k].as_string());
      model.popularity.push_back((*pop)[k].to_number<double>());
      if (trend)
        model.trend.push_back((*trend)[k].is_number() ? (*trend)[k].to_number<double>() : 0);
      model.catalog.push_back((*cat)[k].as_object());
      if (nb) {
        std::vector<Neighbor> list;
        if (!(*nb)[k].is_array()) return Corrupt("neighbours");
        const json::array& flat = (*nb)[k].as_array();
        for (size_t f = 0; f + 1 < flat.size(); f += 2) {
          if (!flat[f].is_int64() || !flat[f + 1].is_int64()) return Corrupt("neighbour");
          list.push_back({static_cast<uint32_t>(flat[f].as_int64()),
                          static_cast<float>(static_cast<double>(flat[f + 1].as_int64()) / 1e6)});
        }
        model.neighbors.push_back(std::move(list));
      }
    }
  }
  if (static_cast<int64_t>(model.items.size()) != count->value().as_int64() ||
      (has_trend && model.trend.size() != model.items.size()) ||
      (has_nb && model.neighbors.size() != model.items.size())) {
    return Corrupt("item count");
  }
  for (const auto& list : model.neighbors) {
    for (const Neighbor& n : list) {
      if (n.item >= model.items.size()) return Corrupt("neighbour out of range");
    }
  }
  model.BuildIndex();
  return model;
}

}  // namespace profiled::service::recommend
