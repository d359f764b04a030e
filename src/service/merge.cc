// MergeProfiles: the field-selection rules (pure) and the handler, which runs the whole merge in
// one Store::Write (see merge.h).
#include "service/merge.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <map>
#include <set>
#include <span>

#include "service/common.h"
#include "service/generated/model_members.h"
#include "service/held_keys.h"
#include "service/history.h"
#include "service/profile_object.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
#include "service/rule_match_index.h"
#include "service/search_keys.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kStringSuffix = "String";

bool Contains(std::span<const std::string_view> list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
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

std::optional<std::string_view> FieldSourceMemberFor(std::string_view member) {
  if (Contains(model::kFieldSourceMembers, member)) return member;
  if (member.ends_with(kStringSuffix)) {
    std::string_view base = member.substr(0, member.size() - kStringSuffix.size());
    if (Contains(model::kFieldSourceMembers, base)) return base;
  }
  return std::nullopt;
}

std::string MergeFieldOfPath(std::string_view path) {
  std::string_view head = path.substr(0, path.find('.'));
  if (head.size() < path.size() && Contains(ProfileMapMembers(), head)) return std::string(path);
  return std::string(head);
}

json::object MergedProvenance(const std::vector<const json::object*>& participants,
                              const std::map<std::string, size_t>& chosen) {
  json::object ingested;
  for (size_t i = 0; i < participants.size(); ++i) {
    const json::object* records = GetObject(*participants[i], kIngestedMember);
    if (!records) continue;
    for (const auto& [path, record] : *records) {
      auto it = chosen.find(MergeFieldOfPath(path));
      if (it != chosen.end() && it->second == i) ingested[path] = record;
    }
  }
  return ingested;
}

namespace {

bool NonEmptyString(const json::value* v) {
  return v && v->is_string() && !v->get_string().empty();
}
bool NonEmptyObject(const json::value* v) {
  return v && v->is_object() && !v->get_object().empty();
}

const json::value* Find(const json::object* o, std::string_view key) {
  if (!o) return nullptr;
  auto it = o->find(key);
  return it == o->end() ? nullptr : &it->value();
}

void SetOrErase(json::object& target, std::string_view member, json::object value) {
  if (value.empty()) {
    target.erase(member);
  } else {
    target[member] = std::move(value);
  }
}

// One merge in progress: the participants (main first, then the merged profiles in request
// order), the result being built and, for "_ingested", the participant each field came from.
class DocumentMerge {
 public:
  DocumentMerge(const json::object& main, const std::vector<json::object>& merged,
                const json::object* field_sources)
      : field_sources_(field_sources), out_(main) {
    participants_.push_back(&main);
    for (const auto& m : merged) participants_.push_back(&m);
  }

  // A field taken whole from one participant: a string member (present when not empty) or an
  // address or EngagementPreferences (present when it has members).
  Status MergeWholeField(std::string_view member, bool (*present)(const json::value*)) {
    std::optional<size_t> named;
    if (auto source_member = FieldSourceMemberFor(member)) {
      ASSIGN_OR_RETURN(named, NamedSource(field_sources_, *source_member));
    }
    std::vector<bool> has;
    for (const json::object* p : participants_) has.push_back(present(Find(p, member)));
    auto source = ChooseFieldSource(named, has);
    if (!source) {
      out_.erase(member);
      return OkStatus();
    }
    out_[member] = participants_[*source]->at(member);
    chosen_[std::string(member)] = *source;
    return OkStatus();
  }

  // A map member (Attributes), key by key: FieldSourceProfileIds.<member> maps key -> profile.
  Status MergeMapField(std::string_view member) {
    const json::object* sources = field_sources_ ? GetObject(*field_sources_, member) : nullptr;
    std::set<std::string> keys;
    for (const json::object* p : participants_) {
      if (const json::object* map = GetObject(*p, member)) {
        for (const auto& [k, v] : *map) keys.emplace(k);
      }
    }
    if (sources) {
      for (const auto& [k, v] : *sources) keys.emplace(k);
    }
    json::object map;
    for (const std::string& key : keys) {
      ASSIGN_OR_RETURN(auto named, NamedSource(sources, key));
      std::vector<bool> has;
      for (const json::object* p : participants_) {
        has.push_back(NonEmptyString(Find(GetObject(*p, member), key)));
      }
      auto source = ChooseFieldSource(named, has);
      if (!source) continue;
      map[key] = GetObject(*participants_[*source], member)->at(key);
      chosen_[std::string(member) + "." + key] = *source;
    }
    SetOrErase(out_, member, std::move(map));
    return OkStatus();
  }

  // "_ingested": each field keeps the ingestion record of the profile its value came from.
  void MergeProvenance() {
    SetOrErase(out_, kIngestedMember, MergedProvenance(participants_, chosen_));
  }

  // The merged profiles' search keys become the main profile's custom keys (not their
  // _profileId; the keys they hold move as rows: MoveHeldKeys).
  void MergeSearchKeys() {
    for (size_t i = 1; i < participants_.size(); ++i) {
      std::map<std::string, std::vector<std::string>> by_name;
      for (auto& [name, value] : DeriveSearchKeys(*participants_[i])) {
        if (name == kProfileIdKey) continue;
        by_name[name].push_back(std::move(value));
      }
      for (const auto& [name, values] : by_name) AddCustomKey(out_, name, values);
    }
  }

  json::object Take() { return std::move(out_); }

 private:
  // The participant `sources` names for `field` (nullopt: none), or BadRequest when it names a
  // profile that is neither the main profile nor one being merged.
  Result<std::optional<size_t>> NamedSource(const json::object* sources, std::string_view field) {
    if (!sources) return std::optional<size_t>();
    auto id = GetString(*sources, field);
    if (!id) return std::optional<size_t>();
    for (size_t i = 0; i < participants_.size(); ++i) {
      if (GetStringOr(*participants_[i], "ProfileId", "") == *id) return std::optional<size_t>(i);
    }
    return Error::BadRequest("FieldSourceProfileIds." + std::string(field) + " names profile " +
                             std::string(*id) +
                             ", which is neither the main profile nor a profile being merged");
  }

  const json::object* field_sources_;
  std::vector<const json::object*> participants_;
  json::object out_;
  std::map<std::string, size_t> chosen_;
};

}  // namespace

Result<json::object> MergeProfileDocuments(const json::object& main,
                                           const std::vector<json::object>& merged,
                                           const json::object* field_sources) {
  DocumentMerge merge(main, merged, field_sources);
  for (std::string_view member : ProfileStringMembers()) {
    RETURN_IF_ERROR(merge.MergeWholeField(member, NonEmptyString));
  }
  for (std::string_view member : ProfileAddressMembers()) {
    RETURN_IF_ERROR(merge.MergeWholeField(member, NonEmptyObject));
  }
  RETURN_IF_ERROR(merge.MergeWholeField(model::kProfileEngagementPreferences, NonEmptyObject));
  for (std::string_view member : ProfileMapMembers()) {
    RETURN_IF_ERROR(merge.MergeMapField(member));
  }
  merge.MergeProvenance();
  merge.MergeSearchKeys();
  return merge.Take();
}

Status MergeProfilesInTxn(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                          DomainMatching& matching, const std::string& main_id,
                          const std::vector<std::string>& merged_ids,
                          const json::object* field_sources, double now) {
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
    return Error::NotFound("Profiles " + JoinIds(missing) + " do not exist in domain " +
                           std::string(domain));
  }

  const json::object& main_before = loaded.at(main_id);
  std::vector<json::object> merged;
  for (const std::string& id : merged_ids) merged.push_back(loaded.at(id));
  ASSIGN_OR_RETURN(json::object after, MergeProfileDocuments(main_before, merged, field_sources));

  for (const json::object& gone : merged) {
    std::string id = GetStringOr(gone, "ProfileId", "");
    json::object last = gone;
    RETURN_IF_ERROR(AppendHistory(txn, scope, ctx, last, "DELETED_BY_MERGE",
                                  Serialize(PublicProfile(gone)), now));
    RETURN_IF_ERROR(MoveObjectsToProfile(txn, ctx, domain, id, after));
    RETURN_IF_ERROR(MoveHeldKeys(txn, scope, id, main_id));
    RETURN_IF_ERROR(EraseProfile(txn, scope, gone, &matching));
  }
  RETURN_IF_ERROR(
      AppendHistory(txn, scope, ctx, after, "MERGED", Serialize(PublicProfile(after)), now));
  return SaveProfile(txn, scope, &main_before, after, &matching);
}

namespace {

Result<json::object> MergeProfiles(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string main_id = GetStringOr(in, "MainProfileId", "");
  std::vector<std::string> merged_ids = GetStringList(in, "ProfileIdsToBeMerged");
  if (merged_ids.empty()) {
    return Error::BadRequest("ProfileIdsToBeMerged must name at least one profile");
  }
  RETURN_IF_ERROR(CheckMergeIds(main_id, merged_ids));
  const json::object* field_sources = GetObject(in, "FieldSourceProfileIds");
  DomainMatching matching;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(matching, LoadDomainMatching(txn, ctx, domain));
    return MergeProfilesInTxn(txn, ctx, domain, matching, main_id, merged_ids, field_sources,
                              env.clock->NowEpochSeconds());
  }));
  RunAutoMerges(env, ctx, domain, matching);
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
