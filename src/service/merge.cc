// MergeProfiles: the field-selection rules (pure) and the handler, which runs the whole merge in
// one Store::Write (see merge.h).
#include "service/merge.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <map>
#include <set>

#include "service/common.h"
#include "service/history.h"
#include "service/profile_object.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
#include "service/search_keys.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kAttributes = "Attributes";
constexpr std::string_view kEngagementPreferences = "EngagementPreferences";
constexpr std::string_view kProfileIdKey = "_profileId";

// The FieldSourceProfileIds member that decides a Profile member.
std::string_view SourceMemberFor(std::string_view member) {
  if (member == "PartyTypeString") return "PartyType";
  if (member == "GenderString") return "Gender";
  return member;
}

// The field an "_ingested" path belongs to: "Attributes.k" is its own field, "Address.City"
// belongs to "Address", "FirstName" to itself.
std::string FieldOfPath(std::string_view path) {
  if (path.starts_with("Attributes.")) return std::string(path);
  return std::string(path.substr(0, path.find('.')));
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ", ";
    out += id;
  }
  return out;
}

}  // namespace

Status CheckMergeIds(std::string_view main_id, const std::vector<std::string>& merged_ids) {
  std::set<std::string_view> seen;
  for (const std::string& id : merged_ids) {
    if (id == main_id) {
      return Error::BadRequest("Profile " + id +
                               " is the main profile and cannot also be merged into itself");
    }
    if (!seen.insert(id).second) {
      return Error::BadRequest("Profile " + id +
                               " is listed more than once in ProfileIdsToBeMerged");
    }
  }
  return OkStatus();
}

std::optional<size_t> ChooseFieldSource(std::optional<size_t> named, const std::vector<bool>& has) {
  if (named) {
    // "the specified profileId is always taken, even if it is a NULL value"
    if (*named < has.size() && has[*named]) return named;
    return std::nullopt;
  }
  // No conflict rule applies without a choice: the main profile (index 0) first, then the first
  // merged profile holding the field (the union).
  for (size_t i = 0; i < has.size(); ++i) {
    if (has[i]) return i;
  }
  return std::nullopt;
}

Result<json::object> MergeProfileDocuments(const json::object& main,
                                           const std::vector<json::object>& merged,
                                           const json::object* field_sources) {
  std::vector<const json::object*> all{&main};
  for (const auto& m : merged) all.push_back(&m);
  auto index_of = [&](std::string_view id) -> std::optional<size_t> {
    for (size_t i = 0; i < all.size(); ++i) {
      if (GetStringOr(*all[i], "ProfileId", "") == id) return i;
    }
    return std::nullopt;
  };
  auto unknown_source = [](std::string_view field, std::string_view id) {
    return Error::BadRequest("FieldSourceProfileIds." + std::string(field) + " names profile " +
                             std::string(id) +
                             ", which is neither the main profile nor a profile being merged");
  };
  // The participant FieldSourceProfileIds names for `field` of `sources`, validated.
  auto named_in = [&](const json::object* sources,
                      std::string_view field) -> Result<std::optional<size_t>> {
    if (!sources) return std::optional<size_t>();
    auto id = GetString(*sources, field);
    if (!id) return std::optional<size_t>();
    auto index = index_of(*id);
    if (!index) return unknown_source(field, *id);
    return index;
  };

  json::object out = main;
  // Which participant each field came from, for "_ingested".
  std::map<std::string, size_t> chosen;
  // Copies member `member` of participant `source` (or removes it) into `target`.
  auto take = [&](json::object& target, std::string_view member, std::optional<size_t> source) {
    if (!source) {
      target.erase(member);
      return;
    }
    target[member] = all[*source]->at(member);
  };
  auto has_member = [&](std::string_view member, auto&& present) {
    std::vector<bool> has;
    for (const json::object* p : all) {
      auto it = p->find(member);
      has.push_back(it != p->end() && present(it->value()));
    }
    return has;
  };
  auto non_empty_string = [](const json::value& v) {
    return v.is_string() && !v.get_string().empty();
  };
  auto non_empty_object = [](const json::value& v) {
    return v.is_object() && !v.get_object().empty();
  };

  for (std::string_view member : ProfileStringMembers()) {
    ASSIGN_OR_RETURN(auto named, named_in(field_sources, SourceMemberFor(member)));
    auto source = ChooseFieldSource(named, has_member(member, non_empty_string));
    take(out, member, source);
    if (source) chosen[std::string(member)] = *source;
  }
  std::vector<std::string_view> whole_objects(ProfileAddressMembers().begin(),
                                              ProfileAddressMembers().end());
  whole_objects.push_back(kEngagementPreferences);
  for (std::string_view member : whole_objects) {
    ASSIGN_OR_RETURN(auto named, named_in(field_sources, member));
    auto source = ChooseFieldSource(named, has_member(member, non_empty_object));
    take(out, member, source);
    if (source) chosen[std::string(member)] = *source;
  }

  // Attributes, key by key.
  const json::object* attribute_sources =
      field_sources ? GetObject(*field_sources, kAttributes) : nullptr;
  std::set<std::string> keys;
  for (const json::object* p : all) {
    if (const json::object* a = GetObject(*p, kAttributes)) {
      for (const auto& [k, v] : *a) keys.emplace(k);
    }
  }
  if (attribute_sources) {
    for (const auto& [k, v] : *attribute_sources) keys.emplace(k);
  }
  json::object attributes;
  for (const std::string& key : keys) {
    ASSIGN_OR_RETURN(auto named, named_in(attribute_sources, key));
    std::vector<bool> has;
    for (const json::object* p : all) {
      const json::object* a = GetObject(*p, kAttributes);
      has.push_back(a && a->contains(key) && non_empty_string(a->at(key)));
    }
    auto source = ChooseFieldSource(named, has);
    if (!source) continue;
    attributes[key] = GetObject(*all[*source], kAttributes)->at(key);
    chosen[std::string(kAttributes) + "." + key] = *source;
  }
  if (attributes.empty()) {
    out.erase(kAttributes);
  } else {
    out[kAttributes] = std::move(attributes);
  }

  // Provenance: each field keeps the ingestion record of the profile its value came from.
  json::object ingested;
  for (size_t i = 0; i < all.size(); ++i) {
    const json::object* records = GetObject(*all[i], kIngestedMember);
    if (!records) continue;
    for (const auto& [path, record] : *records) {
      auto it = chosen.find(FieldOfPath(path));
      if (it != chosen.end() && it->second == i) ingested[path] = record;
    }
  }
  if (ingested.empty()) {
    out.erase(kIngestedMember);
  } else {
    out[kIngestedMember] = std::move(ingested);
  }

  // Keys: the merged profiles' search keys become the main profile's (not their _profileId).
  for (const json::object& m : merged) {
    std::map<std::string, std::vector<std::string>> by_name;
    for (auto& [name, value] : DeriveSearchKeys(m)) {
      if (name == kProfileIdKey) continue;
      by_name[name].push_back(std::move(value));
    }
    for (const auto& [name, values] : by_name) AddCustomKey(out, name, values);
  }
  return out;
}

namespace {

std::vector<std::string> StringList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const json::array* a = GetArray(o, key)) {
    for (const json::value& v : *a) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

Result<json::object> MergeProfiles(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string main_id = GetStringOr(in, "MainProfileId", "");
  std::vector<std::string> merged_ids = StringList(in, "ProfileIdsToBeMerged");
  if (merged_ids.empty()) {
    return Error::BadRequest("ProfileIdsToBeMerged must name at least one profile");
  }
  RETURN_IF_ERROR(CheckMergeIds(main_id, merged_ids));
  const json::object* field_sources = GetObject(in, "FieldSourceProfileIds");

  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    // Every profile is locked before anything changes, in id order, so that two merges (or a
    // merge and an update) touching the same profiles cannot deadlock or lose a write.
    std::vector<std::string> lock_order = merged_ids;
    lock_order.push_back(main_id);
    std::sort(lock_order.begin(), lock_order.end());
    std::map<std::string, json::object> loaded;
    std::vector<std::string> missing;
    for (const std::string& id : lock_order) {
      auto profile = LoadProfile(txn, scope, id, /*for_update=*/true);
      if (profile.ok()) {
        loaded.emplace(id, std::move(profile).value());
      } else if (profile.error().code() == ErrorCode::kNotFound) {
        missing.push_back(id);
      } else {
        return profile.error();
      }
    }
    if (missing.size() == 1) return Error::NotFound(ProfileNotFoundMessage(missing[0], domain));
    if (!missing.empty()) {
      return Error::NotFound("Profiles " + JoinIds(missing) + " do not exist in domain " + domain);
    }

    const json::object& main_before = loaded.at(main_id);
    std::vector<json::object> merged;
    for (const std::string& id : merged_ids) merged.push_back(loaded.at(id));
    ASSIGN_OR_RETURN(json::object after, MergeProfileDocuments(main_before, merged, field_sources));

    double now = env.clock->NowEpochSeconds();
    for (const json::object& gone : merged) {
      std::string id = GetStringOr(gone, "ProfileId", "");
      json::object last = gone;
      RETURN_IF_ERROR(AppendHistory(txn, scope, ctx, last, "DELETED_BY_MERGE",
                                    Serialize(PublicProfile(gone)), now));
      RETURN_IF_ERROR(MoveObjectsToProfile(txn, ctx, domain, id, main_id));
      RETURN_IF_ERROR(EraseProfile(txn, scope, gone));
    }
    RETURN_IF_ERROR(
        AppendHistory(txn, scope, ctx, after, "MERGED", Serialize(PublicProfile(after)), now));
    return SaveProfile(txn, scope, &main_before, after);
  }));
  json::object out;
  out["Message"] = "Profiles " + JoinIds(merged_ids) + " were merged into profile " + main_id + ".";
  return out;
}

}  // namespace

void RegisterMergeOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("MergeProfiles", [env](const RequestContext& ctx, json::object in) {
    return MergeProfiles(env, ctx, in);
  });
}

}  // namespace profiled::service
