#include "service/type_scrub.h"

#include <set>

#include "service/common.h"
#include "service/profile_object.h"
#include "service/profile_store.h"
#include "service/rule_match_index.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;

std::vector<std::pair<std::string, std::string>> IngestedTypeRows(const json::object& profile) {
  std::set<std::string> types;
  if (const json::object* records = GetObject(profile, kIngestedMember)) {
    for (const auto& [path, record] : *records) {
      if (!record.is_object()) continue;
      if (auto type = GetString(record.get_object(), "ObjectTypeName")) types.emplace(*type);
    }
  }
  std::vector<std::pair<std::string, std::string>> rows;
  for (const std::string& type : types) rows.emplace_back(kIngestedTypeIndex, type);
  return rows;
}

namespace {

// Removes the string at `path` ("FirstName", "Address.City", "Attributes.k"), and the address or
// map holding it when nothing else is left in it, if the value there is `value`.
bool EraseIfValue(json::object& profile, std::string_view path, std::string_view value) {
  size_t dot = path.find('.');
  auto it = profile.find(path.substr(0, dot));
  if (it == profile.end()) return false;
  if (dot == std::string_view::npos) {
    if (!it->value().is_string() || it->value().get_string() != value) return false;
    profile.erase(it);
    return true;
  }
  json::object* inner = it->value().if_object();
  if (!inner) return false;
  auto in = inner->find(path.substr(dot + 1));
  if (in == inner->end() || !in->value().is_string() || in->value().get_string() != value) {
    return false;
  }
  inner->erase(in);
  if (inner->empty()) profile.erase(it);
  return true;
}

}  // namespace

std::vector<std::string> ScrubIngestedFields(json::object& profile, std::string_view type_name,
                                             bool* changed) {
  *changed = false;
  std::vector<std::string> removed;
  auto it = profile.find(kIngestedMember);
  if (it == profile.end() || !it->value().is_object()) return removed;
  // Worked on apart from `profile`: erasing from `profile` may move its members.
  json::object records = std::move(it->value().get_object());
  profile.erase(kIngestedMember);
  json::object kept;
  for (auto& [path, record] : records) {
    const json::object* rec = record.if_object();
    if (!rec || GetString(*rec, "ObjectTypeName") != type_name) {
      kept[path] = std::move(record);
      continue;
    }
    *changed = true;
    auto value = GetString(*rec, "Value");
    if (value && EraseIfValue(profile, path, *value)) removed.emplace_back(path);
  }
  if (!kept.empty()) profile[kIngestedMember] = std::move(kept);
  return removed;
}

Status ScrubObjectTypeFromProfiles(store::Txn& txn, const RequestContext& ctx,
                                   std::string_view domain, std::string_view type_name) {
  store::Scope scope = DomainScope(ctx, domain);
  std::set<std::string> profile_ids;
  RETURN_IF_ERROR(ForEachIndexValue(txn, scope, ObjectProfileIndex(type_name), "",
                                    [&](const std::string& id) -> Status {
                                      profile_ids.insert(id);
                                      return OkStatus();
                                    }));
  RETURN_IF_ERROR(ForEachIndexRef(txn, scope, kIngestedTypeIndex, type_name, "",
                                  [&](const std::string& id) -> Status {
                                    profile_ids.insert(id);
                                    return OkStatus();
                                  }));
  if (profile_ids.empty()) return OkStatus();
  ASSIGN_OR_RETURN(DomainMatching matching, LoadDomainMatching(txn, ctx, domain));
  for (const std::string& id : profile_ids) {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kProfileKind, id));
    if (!body) {
      // A row left by a profile that is gone: nothing to scrub, the row goes.
      RETURN_IF_ERROR(txn.IndexRemove(scope, kIngestedTypeIndex, type_name, id));
      continue;
    }
    ASSIGN_OR_RETURN(json::object before, ParseStored(*body));
    json::object after = before;
    bool changed = false;
    ScrubIngestedFields(after, type_name, &changed);
    if (!changed) continue;
    RETURN_IF_ERROR(SaveProfile(txn, scope, &before, after, &matching));
  }
  return OkStatus();
}

}  // namespace profiled::service
