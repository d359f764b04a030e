// Automatic merging: which profile is main and where each field comes from (see auto_merge.h).
#include "service/auto_merge.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "service/common.h"
#include "service/generated/model_members.h"
#include "service/history.h"
#include "service/profile_object.h"
#include "service/profile_patch.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

enum class Origin { kManual, kIngested, kFromSource };

// Where the value at `path` (a string) came from.
Origin PathOrigin(const json::object& profile, const std::string& path, std::string_view value,
                  const RuleMatchingConfig& config) {
  const json::object* records = GetObject(profile, kIngestedMember);
  const json::object* record = records ? GetObject(*records, path) : nullptr;
  if (!record || GetString(*record, "Value") != value) return Origin::kManual;
  if (config.conflict == ConflictModel::kSource &&
      GetString(*record, "ObjectTypeName") == config.source_name) {
    return Origin::kFromSource;
  }
  return Origin::kIngested;
}

// An address: manual if any line is, from the source if every line is, else ingested.
Origin AddressOrigin(const json::object& profile, std::string_view member,
                     const json::object& address, const RuleMatchingConfig& config) {
  Origin origin = Origin::kFromSource;
  for (const auto& [line, v] : address) {
    if (!v.is_string()) continue;
    Origin o =
        PathOrigin(profile, std::string(member) + "." + std::string(line), v.get_string(), config);
    if (o == Origin::kManual) return o;
    if (o == Origin::kIngested) origin = o;
  }
  return origin;
}

int Rank(Origin o) { return o == Origin::kManual ? 2 : o == Origin::kFromSource ? 1 : 0; }

// Most recent first: the last history time, then the larger (newer) ProfileId.
bool Newer(const json::object& a, const json::object& b) {
  auto key = [](const json::object& p) {
    return std::make_pair(GetStringOr(p, kHistoryLastMember, ""), GetStringOr(p, "ProfileId", ""));
  };
  return key(a) > key(b);
}

// The profile a field comes from, among those holding it (`origins[i]` for profiles[i]; nullopt:
// profiles[i] lacks it); "" when none holds it.
std::string Choose(const std::vector<json::object>& profiles,
                   const std::vector<std::optional<Origin>>& origins) {
  std::optional<size_t> best;
  for (size_t i = 0; i < profiles.size(); ++i) {
    if (!origins[i]) continue;
    if (!best || Rank(*origins[i]) > Rank(*origins[*best]) ||
        (Rank(*origins[i]) == Rank(*origins[*best]) && Newer(profiles[i], profiles[*best]))) {
      best = i;
    }
  }
  return best ? GetStringOr(profiles[*best], "ProfileId", "") : "";
}

}  // namespace

std::string AutoMergeMainId(const std::vector<json::object>& profiles) {
  constexpr size_t kIdTimeHex = 12;  // common/ids.h: 12 hex of epoch milliseconds first
  auto key = [](const json::object& p) {
    std::string id = GetStringOr(p, "ProfileId", "");
    return std::make_tuple(id.substr(0, kIdTimeHex), GetStringOr(p, kHistoryLastMember, ""), id);
  };
  auto oldest = std::min_element(
      profiles.begin(), profiles.end(),
      [&](const json::object& a, const json::object& b) { return key(a) < key(b); });
  return oldest == profiles.end() ? "" : GetStringOr(*oldest, "ProfileId", "");
}

json::object AutoMergeFieldSources(const std::vector<json::object>& profiles,
                                   const RuleMatchingConfig& config) {
  json::object sources;
  auto decide = [&](std::string_view field, auto origin_of) {
    std::vector<std::optional<Origin>> origins;
    for (const json::object& p : profiles) origins.push_back(origin_of(p));
    std::string id = Choose(profiles, origins);
    if (!id.empty()) sources[field] = id;
  };
  for (std::string_view member : model::kFieldSourceMembers) {
    if (member == "Attributes") continue;
    bool address = std::find(ProfileAddressMembers().begin(), ProfileAddressMembers().end(),
                             member) != ProfileAddressMembers().end();
    decide(member, [&](const json::object& p) -> std::optional<Origin> {
      auto it = p.find(member);
      if (it == p.end()) return std::nullopt;
      if (it->value().is_string()) {
        if (it->value().get_string().empty()) return std::nullopt;
        return PathOrigin(p, std::string(member), it->value().get_string(), config);
      }
      if (!it->value().is_object() || it->value().get_object().empty()) return std::nullopt;
      if (address) return AddressOrigin(p, member, it->value().get_object(), config);
      return Origin::kManual;  // EngagementPreferences: only ever set by hand
    });
  }
  for (std::string_view map_member : ProfileMapMembers()) {
    std::set<std::string> keys;
    for (const json::object& p : profiles) {
      if (const json::object* m = GetObject(p, map_member)) {
        for (const auto& [k, v] : *m) keys.emplace(k);
      }
    }
    json::object by_key;
    for (const std::string& key : keys) {
      std::vector<std::optional<Origin>> origins;
      for (const json::object& p : profiles) {
        const json::object* m = GetObject(p, map_member);
        auto v = m ? GetString(*m, key) : std::nullopt;
        if (!v || v->empty()) {
          origins.emplace_back();
        } else {
          origins.emplace_back(PathOrigin(p, std::string(map_member) + "." + key, *v, config));
        }
      }
      std::string id = Choose(profiles, origins);
      if (!id.empty()) by_key[key] = id;
    }
    if (!by_key.empty()) sources[map_member] = std::move(by_key);
  }
  return sources;
}

}  // namespace profiled::service
