// CreateProfile, UpdateProfile, DeleteProfile, BatchGetProfile, AddProfileKey, DeleteProfileKey,
// and RegisterProfileOperations for the whole profile store (search, history, attribute values).
// Every write is one store transaction that checks the domain, changes the profile document, its
// index rows (profile_store.h) and appends its history record (history.h) together.
#include <boost/json/array.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/ids.h"
#include "service/attribute_index.h"
#include "service/common.h"
#include "service/domain_cache.h"
#include "service/domain_stats.h"
#include "service/expiry.h"
#include "service/held_keys.h"
#include "service/history.h"
#include "service/operations.h"
#include "service/profile_batch.h"
#include "service/profile_object.h"
#include "service/profile_ops.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
#include "service/rule_match_index.h"
#include "service/search_keys.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

std::string KeyContent(std::string_view key_name, const std::vector<std::string>& values) {
  json::object content;
  content["KeyName"] = key_name;
  json::array list;
  for (const auto& v : values) list.emplace_back(v);
  content["Values"] = std::move(list);
  return Serialize(content);
}

// Everything but the writes is prepared before the transaction: the profile's id is new, so
// nothing read inside could change what is written.
Result<json::object> CreateProfile(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string id = NewProfileId();
  ASSIGN_OR_RETURN(json::object profile, NewProfileFromCreate(in, id));
  ASSIGN_OR_RETURN(PreparedCreate prepared,
                   PrepareCreate(ctx, std::move(profile), env.clock->NowEpochSeconds(), 0,
                                 AttributeRowsLikelyKept(env, ctx, domain)));
  DomainMatching matching;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(matching, LoadDomainMatching(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    RETURN_IF_ERROR(AddToDomainStats(txn, scope, id, {.profiles = 1}));
    return StorePreparedCreate(txn, scope, prepared, &matching);
  }));
  RunAutoMerges(env, ctx, domain, matching);
  json::object out;
  out["ProfileId"] = id;
  return out;
}

Result<json::object> UpdateProfile(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string id = GetStringOr(in, "ProfileId", "");
  DomainMatching matching;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(matching, LoadDomainMatching(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(json::object before, LoadProfile(txn, scope, id, /*for_update=*/true));
    json::object after = ApplyProfileUpdate(before, in);
    RETURN_IF_ERROR(AppendHistory(txn, scope, ctx, after, "UPDATED",
                                  Serialize(PublicProfile(after)), env.clock->NowEpochSeconds()));
    return SaveProfile(txn, scope, &before, after, &matching);
  }));
  RunAutoMerges(env, ctx, domain, matching);
  json::object out;
  out["ProfileId"] = id;
  return out;
}

Result<json::object> DeleteProfile(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string id = GetStringOr(in, "ProfileId", "");
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(DomainMatching matching, LoadDomainMatching(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(json::object before, LoadProfile(txn, scope, id, /*for_update=*/true));
    json::object last = before;
    RETURN_IF_ERROR(AppendHistory(txn, scope, ctx, last, "DELETED_BY_CUSTOMER",
                                  Serialize(PublicProfile(before)), env.clock->NowEpochSeconds()));
    RETURN_IF_ERROR(DeleteObjectsOfProfile(txn, ctx, domain, id));
    return EraseProfile(txn, scope, before, &matching);
  }));
  json::object out;
  out["Message"] = "Profile " + id + " was deleted.";
  return out;
}

Result<json::object> BatchGetProfile(const ServiceEnv& env, const RequestContext& ctx,
                                     const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::vector<std::string> ids = GetStringList(in, "ProfileIds");
  json::object out;
  ASSIGN_OR_RETURN(DomainCache::Doc kept, KeptDomain(env, ctx, domain));
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    json::object read;
    ASSIGN_OR_RETURN(const json::object* domain_doc, DomainForRead(kept, txn, ctx, domain, &read));
    ExpiryView expiry = ExpiryViewOf(*domain_doc, *env.clock);
    store::Scope scope = DomainScope(ctx, domain);
    json::array profiles, errors;
    std::set<std::string> seen;
    for (const std::string& id : ids) {
      if (!seen.insert(id).second) continue;
      ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, id));
      if (body) {
        ASSIGN_OR_RETURN(json::object stored, ParseStored(*body));
        if (expiry.ProfileExpired(stored)) body.reset();  // past its time, not swept yet
      }
      if (!body) {
        json::object error;
        error["Code"] = "404";
        error["Message"] = ProfileNotFoundMessage(id, domain);
        error["ProfileId"] = id;
        errors.emplace_back(std::move(error));
        continue;
      }
      ASSIGN_OR_RETURN(json::object profile, ParseStored(*body));
      profiles.emplace_back(PublicProfile(profile));
    }
    out.clear();
    out["Errors"] = std::move(errors);
    out["Profiles"] = std::move(profiles);
    return OkStatus();
  }));
  return out;
}

struct ProfileKeyInput {
  std::string domain;
  std::string id;
  std::string key_name;
  std::vector<std::string> values;
};

enum class KeyEdit { kAdd, kDelete };

// What AddProfileKey and DeleteProfileKey share: the input read, the profile's custom key edited
// in one write and the edit recorded in the profile's history.
Result<ProfileKeyInput> EditProfileKey(const ServiceEnv& env, const RequestContext& ctx,
                                       const json::object& in, KeyEdit edit) {
  ProfileKeyInput key{.domain = GetStringOr(in, "DomainName", ""),
                      .id = GetStringOr(in, "ProfileId", ""),
                      .key_name = GetStringOr(in, "KeyName", ""),
                      .values = GetStringList(in, "Values")};
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, key.domain));
    store::Scope scope = DomainScope(ctx, key.domain);
    ASSIGN_OR_RETURN(json::object before, LoadProfile(txn, scope, key.id, /*for_update=*/true));
    json::object after = before;
    if (edit == KeyEdit::kAdd) {
      AddCustomKey(after, key.key_name, key.values);
    } else {
      RemoveCustomKey(after, key.key_name, key.values);
      if (!IsMemberDerivedKey(key.key_name)) {
        RETURN_IF_ERROR(ReleaseKeys(txn, scope, key.id, key.key_name, key.values));
      }
    }
    RETURN_IF_ERROR(AppendHistory(
        txn, scope, ctx, after, edit == KeyEdit::kAdd ? "ADDED_PROFILE_KEY" : "DELETED_PROFILE_KEY",
        KeyContent(key.key_name, key.values), env.clock->NowEpochSeconds()));
    return SaveProfile(txn, scope, &before, after);
  }));
  return key;
}

Result<json::object> AddProfileKey(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  ASSIGN_OR_RETURN(ProfileKeyInput key, EditProfileKey(env, ctx, in, KeyEdit::kAdd));
  json::object out;
  out["KeyName"] = key.key_name;
  json::array list;
  for (const auto& v : key.values) list.emplace_back(v);
  out["Values"] = std::move(list);
  return out;
}

Result<json::object> DeleteProfileKey(const ServiceEnv& env, const RequestContext& ctx,
                                      const json::object& in) {
  ASSIGN_OR_RETURN(ProfileKeyInput key, EditProfileKey(env, ctx, in, KeyEdit::kDelete));
  json::object out;
  out["Message"] = "Key " + key.key_name + " was deleted from profile " + key.id + ".";
  return out;
}

}  // namespace

void RegisterProfileOperations(Registry& registry, const ServiceEnv& env) {
  using Op =
      Result<json::object> (*)(const ServiceEnv&, const RequestContext&, const json::object&);
  const std::pair<const char*, Op> ops[] = {
      {"CreateProfile", CreateProfile}, {"UpdateProfile", UpdateProfile},
      {"DeleteProfile", DeleteProfile}, {"BatchGetProfile", BatchGetProfile},
      {"AddProfileKey", AddProfileKey}, {"DeleteProfileKey", DeleteProfileKey},
  };
  for (const auto& [name, op] : ops) {
    registry.Register(name, [env, op = op](const RequestContext& ctx, json::object in) {
      return op(env, ctx, in);
    });
  }
  RegisterSearchOperations(registry, env);
  RegisterHistoryOperations(registry, env);
  RegisterAttributeValueOperations(registry, env);
}

}  // namespace profiled::service
