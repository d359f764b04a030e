// Calculated attribute states kept in the store (calculated_attribute_upkeep.h).
#include "service/calculated_attribute_upkeep.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <string>
#include <vector>

#include "service/common.h"
#include "service/object_type.h"
#include "service/profile_object.h"
#include "service/resource_crud.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

struct NamedDefinition {
  std::string name;
  CalcDefinition def;
};

// The definition stored under `name`, when it exists, parses and is maintained.
Result<std::optional<NamedDefinition>> LoadMaintained(store::Txn& txn, store::Scope scope,
                                                      std::string_view name) {
  ASSIGN_OR_RETURN(auto body, txn.Get(scope, kCalculatedAttributeKind, name));
  if (!body) return std::optional<NamedDefinition>();
  ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
  if (!GetBool(doc, kCalcMaintainedMember).value_or(false)) {
    return std::optional<NamedDefinition>();
  }
  auto def = ParseCalcDefinition(doc);
  if (!def.ok()) return std::optional<NamedDefinition>();
  return std::optional<NamedDefinition>(NamedDefinition{std::string(name), std::move(*def)});
}

// Every maintained definition of the domain (over `type_name` only, unless it is "").
Result<std::vector<NamedDefinition>> MaintainedDefinitions(store::Txn& txn, store::Scope scope,
                                                           std::string_view type_name) {
  std::vector<NamedDefinition> out;
  RETURN_IF_ERROR(ForEachDocument(txn, scope, kCalculatedAttributeKind, "", "",
                                  [&](const store::Document& d) -> Status {
                                    ASSIGN_OR_RETURN(json::object doc, ParseStored(d.body));
                                    if (!GetBool(doc, kCalcMaintainedMember).value_or(false)) {
                                      return OkStatus();
                                    }
                                    auto def = ParseCalcDefinition(doc);
                                    if (!def.ok()) return OkStatus();
                                    if (!type_name.empty() && def->object_type != type_name) {
                                      return OkStatus();
                                    }
                                    out.push_back({d.id, std::move(*def)});
                                    return OkStatus();
                                  }));
  return out;
}

Result<std::optional<CalcState>> LoadState(store::Txn& txn, store::Scope scope,
                                           std::string_view id) {
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kCalcStateKind, id));
  if (!body) return std::optional<CalcState>();
  ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
  ASSIGN_OR_RETURN(CalcState state, CalcState::FromJson(doc));
  return std::optional<CalcState>(std::move(state));
}

// Writes the state (an empty one is no document).
Status SaveState(store::Txn& txn, store::Scope scope, std::string_view id, const CalcState& state,
                 bool existed) {
  if (state.Empty()) {
    if (!existed) return OkStatus();
    ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kCalcStateKind, id));
    (void)deleted;
    return OkStatus();
  }
  return txn.Put(scope, kCalcStateKind, id, Serialize(state.ToJson()));
}

// The profile's state computed from its stored objects of the definition's type.
Result<CalcState> Fold(store::Txn& txn, store::Scope scope, const CalcDefinition& def,
                       const json::object& type, std::string_view profile_id) {
  CalcState state;
  StateShape shape = ShapeOf(def);
  RETURN_IF_ERROR(
      ForEachObjectOfProfile(txn, scope, def.object_type, profile_id, "",
                             [&](const std::string&, json::object record) -> Result<WalkStep> {
                               if (auto c = ContributionOf(def, type, record)) state.Add(*c, shape);
                               return WalkStep::kNext;
                             }));
  return state;
}

// Removes `remove` from and adds `add` to the profile's state; when the removal cannot be done
// exactly, the state is rebuilt from the objects as they now are (which already hold `add`).
Status Apply(store::Txn& txn, store::Scope scope, const NamedDefinition& nd,
             const json::object& type, std::string_view profile_id, const Contribution* remove,
             const Contribution* add) {
  std::string id = CalcStateId(nd.name, profile_id);
  StateShape shape = ShapeOf(nd.def);
  ASSIGN_OR_RETURN(std::optional<CalcState> loaded, LoadState(txn, scope, id));
  bool existed = loaded.has_value();
  CalcState state = existed ? std::move(*loaded) : CalcState();
  if (remove && existed && !state.Remove(*remove, shape)) {
    ASSIGN_OR_RETURN(state, Fold(txn, scope, nd.def, type, profile_id));
    return SaveState(txn, scope, id, state, existed);
  }
  if (add) state.Add(*add, shape);
  return SaveState(txn, scope, id, state, existed);
}

// Every state of the definition recomputed from the stored objects.
Status Rebuild(store::Txn& txn, store::Scope scope, const NamedDefinition& nd,
               const json::object& type) {
  ASSIGN_OR_RETURN(int64_t removed, txn.DeleteKind(scope, kCalcStateKind, nd.name + "/"));
  (void)removed;
  return ForEachIndexValue(
      txn, scope, ObjectProfileIndex(nd.def.object_type), "",
      [&](const std::string& profile_id) -> Status {
        ASSIGN_OR_RETURN(CalcState state, Fold(txn, scope, nd.def, type, profile_id));
        return SaveState(txn, scope, CalcStateId(nd.name, profile_id), state, false);
      });
}

// The names listed on a type document.
std::vector<std::string> ListedNames(const json::object& type) {
  std::vector<std::string> names;
  if (const json::array* list = GetArray(type, kTypeCalcMember)) {
    for (const json::value& v : *list) {
      if (v.is_string()) names.emplace_back(v.get_string());
    }
  }
  return names;
}

void SetListedNames(json::object& type, const std::vector<std::string>& names) {
  if (names.empty()) {
    type.erase(kTypeCalcMember);
    return;
  }
  json::array list;
  for (const std::string& n : names) list.emplace_back(n);
  type[kTypeCalcMember] = std::move(list);
}

}  // namespace

std::string CalcStateId(std::string_view name, std::string_view profile_id) {
  return std::string(name) + "/" + std::string(profile_id);
}

Status CalcOnObjectStored(store::Txn& txn, store::Scope scope, const json::object& type,
                          const json::object* before, const json::object& after) {
  std::vector<std::string> names = ListedNames(type);
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::optional<NamedDefinition> nd, LoadMaintained(txn, scope, name));
    if (!nd) continue;
    std::optional<Contribution> old_c, new_c;
    if (before) old_c = ContributionOf(nd->def, type, *before);
    new_c = ContributionOf(nd->def, type, after);
    if (!old_c && !new_c) continue;
    std::string old_profile = before ? GetStringOr(*before, "ProfileId", "") : "";
    std::string new_profile = GetStringOr(after, "ProfileId", "");
    if (old_c && old_profile != new_profile) {
      RETURN_IF_ERROR(Apply(txn, scope, *nd, type, old_profile, &*old_c, nullptr));
      old_c.reset();
    }
    RETURN_IF_ERROR(Apply(txn, scope, *nd, type, new_profile, old_c ? &*old_c : nullptr,
                          new_c ? &*new_c : nullptr));
  }
  return OkStatus();
}

Status CalcOnObjectErased(store::Txn& txn, store::Scope scope, const json::object& record) {
  ASSIGN_OR_RETURN(auto body,
                   txn.Get(scope, kObjectTypeKind, GetStringOr(record, "ObjectTypeName", "")));
  if (!body) return OkStatus();
  ASSIGN_OR_RETURN(json::object type, ParseStored(*body));
  for (const std::string& name : ListedNames(type)) {
    ASSIGN_OR_RETURN(std::optional<NamedDefinition> nd, LoadMaintained(txn, scope, name));
    if (!nd) continue;
    auto c = ContributionOf(nd->def, type, record);
    if (!c) continue;
    RETURN_IF_ERROR(
        Apply(txn, scope, *nd, type, GetStringOr(record, "ProfileId", ""), &*c, nullptr));
  }
  return OkStatus();
}

Status CalcOnProfileDeleted(store::Txn& txn, store::Scope scope, std::string_view profile_id) {
  return ForEachDocument(
      txn, scope, kCalculatedAttributeKind, "", "", [&](const store::Document& d) -> Status {
        ASSIGN_OR_RETURN(bool deleted,
                         txn.Delete(scope, kCalcStateKind, CalcStateId(d.id, profile_id)));
        (void)deleted;
        return OkStatus();
      });
}

Status CalcOnObjectsMoved(store::Txn& txn, store::Scope scope, std::string_view from,
                          std::string_view to) {
  ASSIGN_OR_RETURN(std::vector<NamedDefinition> defs, MaintainedDefinitions(txn, scope, ""));
  for (const NamedDefinition& nd : defs) {
    std::string from_id = CalcStateId(nd.name, from), to_id = CalcStateId(nd.name, to);
    ASSIGN_OR_RETURN(std::optional<CalcState> moving, LoadState(txn, scope, from_id));
    if (!moving) continue;
    ASSIGN_OR_RETURN(std::optional<CalcState> target, LoadState(txn, scope, to_id));
    bool existed = target.has_value();
    CalcState merged = existed ? std::move(*target) : CalcState();
    merged.Merge(*moving, ShapeOf(nd.def));
    RETURN_IF_ERROR(SaveState(txn, scope, to_id, merged, existed));
    ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kCalcStateKind, from_id));
    (void)deleted;
  }
  return OkStatus();
}

Status CalcOnTypeObjectsDeleted(store::Txn& txn, store::Scope scope, std::string_view type_name) {
  ASSIGN_OR_RETURN(std::vector<NamedDefinition> defs, MaintainedDefinitions(txn, scope, type_name));
  for (const NamedDefinition& nd : defs) {
    ASSIGN_OR_RETURN(int64_t removed, txn.DeleteKind(scope, kCalcStateKind, nd.name + "/"));
    (void)removed;
  }
  return OkStatus();
}

Status CalcOnObjectTypePut(store::Txn& txn, store::Scope scope, std::string_view name,
                           const json::object* existing, json::object& type) {
  ASSIGN_OR_RETURN(std::vector<NamedDefinition> defs, MaintainedDefinitions(txn, scope, name));
  std::vector<std::string> names;
  for (const NamedDefinition& nd : defs) names.push_back(nd.name);
  SetListedNames(type, names);
  if (!existing) return OkStatus();
  const json::object* old_fields = GetObject(*existing, "Fields");
  const json::object* new_fields = GetObject(type, "Fields");
  bool same =
      (!old_fields && !new_fields) || (old_fields && new_fields && *old_fields == *new_fields);
  if (same) return OkStatus();
  for (const NamedDefinition& nd : defs) RETURN_IF_ERROR(Rebuild(txn, scope, nd, type));
  return OkStatus();
}

Status CalcOnDefinitionPut(store::Txn& txn, store::Scope scope, std::string_view name,
                           json::object& doc, bool created) {
  ASSIGN_OR_RETURN(CalcDefinition def, ParseCalcDefinition(doc));
  doc[kCalcMaintainedMember] = true;
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kObjectTypeKind, def.object_type));
  NamedDefinition nd{std::string(name), std::move(def)};
  if (!body && created) {
    return Error::NotFound("Object type " + nd.def.object_type + " does not exist in domain " +
                           std::string(scope.domain));
  }
  if (!body) {
    // The type was deleted after the definition was created: no objects, nothing to list on.
    ASSIGN_OR_RETURN(int64_t removed, txn.DeleteKind(scope, kCalcStateKind, nd.name + "/"));
    (void)removed;
    return OkStatus();
  }
  ASSIGN_OR_RETURN(json::object type, ParseStored(*body));
  std::vector<std::string> names = ListedNames(type);
  if (std::find(names.begin(), names.end(), nd.name) == names.end()) {
    names.push_back(nd.name);
    SetListedNames(type, names);
    RETURN_IF_ERROR(txn.Put(scope, kObjectTypeKind, nd.def.object_type, Serialize(type)));
  }
  if (created && !nd.def.use_historical_data) {
    // Only objects ingested from now on count; states left by a deleted namesake go.
    ASSIGN_OR_RETURN(int64_t removed, txn.DeleteKind(scope, kCalcStateKind, nd.name + "/"));
    (void)removed;
    return OkStatus();
  }
  return Rebuild(txn, scope, nd, type);
}

Status CalcOnDefinitionDeleted(store::Txn& txn, store::Scope scope, std::string_view name) {
  ASSIGN_OR_RETURN(int64_t removed, txn.DeleteKind(scope, kCalcStateKind, std::string(name) + "/"));
  (void)removed;
  // The definition is gone, so its type is found by the lists that name it.
  return ForEachDocument(txn, scope, kObjectTypeKind, "", "",
                         [&](const store::Document& d) -> Status {
                           ASSIGN_OR_RETURN(json::object type, ParseStored(d.body));
                           std::vector<std::string> names = ListedNames(type);
                           auto it = std::find(names.begin(), names.end(), name);
                           if (it == names.end()) return OkStatus();
                           names.erase(it);
                           SetListedNames(type, names);
                           return txn.Put(scope, kObjectTypeKind, d.id, Serialize(type));
                         });
}

Result<Computed> CalcValueOf(store::Txn& txn, store::Scope scope, std::string_view name,
                             const json::object& doc, std::string_view profile_id, double now,
                             const std::optional<DayWindow>& override_window) {
  ASSIGN_OR_RETURN(CalcDefinition def, ParseCalcDefinition(doc));
  if (GetBool(doc, kCalcMaintainedMember).value_or(false)) {
    ASSIGN_OR_RETURN(auto body, txn.Get(scope, kCalcStateKind, CalcStateId(name, profile_id)));
    CalcState state;
    if (body) {
      ASSIGN_OR_RETURN(json::object stored, ParseStored(*body));
      ASSIGN_OR_RETURN(state, CalcState::FromJson(stored));
    }
    return AnswerFromState(def, state, now, override_window);
  }
  // A definition stored before states were kept: computed from every object, as it was then.
  def.use_historical_data = true;
  json::object type;
  ASSIGN_OR_RETURN(auto type_body, txn.Get(scope, kObjectTypeKind, def.object_type));
  if (type_body) {
    ASSIGN_OR_RETURN(type, ParseStored(*type_body));
  }
  ASSIGN_OR_RETURN(CalcState state, Fold(txn, scope, def, type, profile_id));
  return AnswerFromState(def, state, now, override_window);
}

}  // namespace profiled::service
