// Matching's shared checks, and the registration of every matching operation (see matching.h).
#include "service/matching.h"

#include <boost/json/array.hpp>

#include "service/common.h"
#include "service/ml_jobs.h"
#include "service/profile_store.h"
#include "service/search_keys.h"

namespace profiled::service {
namespace json = boost::json;

bool MatchingEnabled(const json::object& domain) {
  const json::object* matching = GetObject(domain, "Matching");
  return matching && GetBool(*matching, "Enabled").value_or(false);
}

Status RequireMatchingEnabled(store::Txn& txn, const RequestContext& ctx, std::string_view domain) {
  ASSIGN_OR_RETURN(json::object stored, LoadDomain(txn, ctx, domain));
  if (!MatchingEnabled(stored)) {
    return Error::BadRequest("Matching is not enabled for domain " + std::string(domain) +
                             "; enable it with UpdateDomain (Matching.Enabled = true)");
  }
  return OkStatus();
}

void RegisterMatchingOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("GetMatches", WithEnv(env, MlGetMatches));  // ml_match_ops.cc
  RegisterRuleMatchOperations(registry, env);
  RegisterIdentityResolutionOperations(registry, env);
}

Result<std::vector<std::string>> ProfilesOfSimilarSearch(store::Txn& txn, store::Scope scope,
                                                         const std::string& key,
                                                         const std::string& value, size_t limit) {
  std::string_view key_name = key == "ProfileId" ? kProfileIdKey : std::string_view(key);
  ASSIGN_OR_RETURN(auto ids, ProfilesWithKey(txn, scope, key_name, value, "", limit));
  if (ids.empty()) {
    return Error::NotFound("No profile has " + key + " " + value + " in domain " +
                           std::string(scope.domain));
  }
  return ids;
}

}  // namespace profiled::service
