#include "service/profile_store.h"

#include "service/attribute_values.h"
#include "service/common.h"
#include "service/domain_stats.h"
#include "service/search_keys.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status ApplyRows(store::Txn& txn, store::Scope scope, std::string_view prefix,
                 std::string_view profile_id, const std::vector<KeyRow>& before,
                 const std::vector<KeyRow>& after) {
  RowDiff diff = DiffRows(before, after);
  std::string name;
  for (const auto& [key, value] : diff.removed) {
    name.assign(prefix).append(key);
    RETURN_IF_ERROR(txn.IndexRemove(scope, name, value, profile_id));
  }
  for (const auto& [key, value] : diff.added) {
    name.assign(prefix).append(key);
    RETURN_IF_ERROR(txn.IndexAdd(scope, name, value, profile_id));
  }
  return OkStatus();
}

Status MoveRows(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                const json::object* before, const json::object* after) {
  auto keys = [](const json::object* p) {
    return p ? DeriveSearchKeys(*p) : std::vector<KeyRow>{};
  };
  auto attributes = [](const json::object* p) {
    return p ? DeriveAttributeValues(*p) : std::vector<KeyRow>{};
  };
  RETURN_IF_ERROR(ApplyRows(txn, scope, kKeyIndexPrefix, profile_id, keys(before), keys(after)));
  return ApplyRows(txn, scope, kAttributeIndexPrefix, profile_id, attributes(before),
                   attributes(after));
}

}  // namespace

std::string ProfileNotFoundMessage(std::string_view profile_id, std::string_view domain) {
  return "Profile " + std::string(profile_id) + " does not exist in domain " + std::string(domain);
}

Result<json::object> LoadProfile(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                                 bool for_update) {
  std::optional<std::string> body;
  if (for_update) {
    ASSIGN_OR_RETURN(body, txn.GetForUpdate(scope, kProfileKind, profile_id));
  } else {
    ASSIGN_OR_RETURN(body, txn.Get(scope, kProfileKind, profile_id));
  }
  if (!body) return Error::NotFound(ProfileNotFoundMessage(profile_id, scope.domain));
  return ParseStored(*body);
}

Result<PreparedProfile> PrepareNewProfile(const json::object& profile) {
  PreparedProfile prepared;
  prepared.id = GetStringOr(profile, "ProfileId", "");
  if (prepared.id.empty()) return Error::Internal("profile document without ProfileId");
  auto add_rows = [&](std::string_view prefix, std::vector<KeyRow> rows) {
    for (auto& [key, value] : rows) {
      prepared.index_rows.emplace_back(std::string(prefix).append(key), std::move(value));
    }
  };
  add_rows(kKeyIndexPrefix, DeriveSearchKeys(profile));
  add_rows(kAttributeIndexPrefix, DeriveAttributeValues(profile));
  prepared.document = Serialize(profile);
  return prepared;
}

Status StoreNewProfile(store::Txn& txn, store::Scope scope, const PreparedProfile& profile) {
  for (const auto& [name, value] : profile.index_rows) {
    RETURN_IF_ERROR(txn.IndexAdd(scope, name, value, profile.id));
  }
  return txn.Put(scope, kProfileKind, profile.id, profile.document);
}

Status SaveProfile(store::Txn& txn, store::Scope scope, const json::object* before,
                   const json::object& after) {
  if (before == nullptr) {
    ASSIGN_OR_RETURN(PreparedProfile prepared, PrepareNewProfile(after));
    RETURN_IF_ERROR(AddToDomainStats(txn, scope, prepared.id, {.profiles = 1}));
    return StoreNewProfile(txn, scope, prepared);
  }
  std::string id = GetStringOr(after, "ProfileId", "");
  if (id.empty()) return Error::Internal("profile document without ProfileId");
  RETURN_IF_ERROR(MoveRows(txn, scope, id, before, &after));
  return txn.Put(scope, kProfileKind, id, Serialize(after));
}

Status EraseProfile(store::Txn& txn, store::Scope scope, const json::object& before) {
  std::string id = GetStringOr(before, "ProfileId", "");
  RETURN_IF_ERROR(MoveRows(txn, scope, id, &before, nullptr));
  ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kProfileKind, id));
  if (deleted) RETURN_IF_ERROR(AddToDomainStats(txn, scope, id, {.profiles = -1}));
  return OkStatus();
}

}  // namespace profiled::service
