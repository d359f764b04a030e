// AutoMerging of ML match groups (see ml_auto_merge.h).
#include "service/ml_auto_merge.h"

#include <boost/json/array.hpp>
#include <numeric>

#include "service/common.h"
#include "service/ml_matcher.h"

namespace profiled::service {
namespace json = boost::json;

Status CheckConflictResolution(const json::object& conflict_resolution) {
  if (GetStringOr(conflict_resolution, "ConflictResolvingModel", "") == "SOURCE" &&
      GetStringOr(conflict_resolution, "SourceName", "").empty()) {
    return Error::BadRequest(
        "ConflictResolution.SourceName is required when ConflictResolvingModel is SOURCE");
  }
  return OkStatus();
}

RuleMatchingConfig ConflictConfig(const json::object* conflict_resolution) {
  RuleMatchingConfig config;
  if (conflict_resolution &&
      GetStringOr(*conflict_resolution, "ConflictResolvingModel", "") == "SOURCE") {
    config.conflict = ConflictModel::kSource;
    config.source_name = GetStringOr(*conflict_resolution, "SourceName", "");
  }
  return config;
}

std::string ConsolidationValue(const json::object& profile, const std::string& name) {
  const json::object* at = &profile;
  std::string_view rest = name;
  while (true) {
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    at = GetObject(*at, rest.substr(0, dot));
    if (!at) return "";
    rest = rest.substr(dot + 1);
  }
  std::string value = GetStringOr(*at, rest, "");
  if (name.find("Email") != std::string::npos) return NormalizeEmail(value);
  if (name.find("Phone") != std::string::npos) return NormalizePhone(value);
  return NormalizeName(value);
}

std::vector<MlMergePlan> PlanMlMerges(const std::vector<json::object>& profiles,
                                      const json::object& auto_merging, double confidence) {
  std::vector<MlMergePlan> plans;
  if (profiles.size() < 2) return plans;
  auto min_it = auto_merging.find("MinAllowedConfidenceScoreForMerging");
  if (min_it != auto_merging.end() && min_it->value().is_number() &&
      confidence < min_it->value().to_number<double>()) {
    return plans;
  }
  const json::object* consolidation = GetObject(auto_merging, "Consolidation");
  const json::array* lists =
      consolidation ? GetArray(*consolidation, "MatchingAttributesList") : nullptr;
  std::vector<size_t> parent(profiles.size());
  std::iota(parent.begin(), parent.end(), size_t{0});
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  auto meets = [&](const json::object& a, const json::object& b) {
    if (!lists) return true;
    for (const json::value& list : *lists) {
      if (!list.is_array() || list.get_array().empty()) continue;
      bool all = true;
      for (const json::value& attr : list.get_array()) {
        std::string name = attr.is_string() ? std::string(attr.get_string()) : "";
        std::string va = ConsolidationValue(a, name);
        if (va.empty() || va != ConsolidationValue(b, name)) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return false;
  };
  for (size_t i = 0; i < profiles.size(); ++i) {
    for (size_t j = i + 1; j < profiles.size(); ++j) {
      if (find(i) != find(j) && meets(profiles[i], profiles[j])) parent[find(j)] = find(i);
    }
  }
  std::vector<std::vector<size_t>> by_root(profiles.size());
  for (size_t i = 0; i < profiles.size(); ++i) by_root[find(i)].push_back(i);
  for (auto& members : by_root) {
    if (members.size() >= 2) plans.push_back({std::move(members)});
  }
  return plans;
}

}  // namespace profiled::service
