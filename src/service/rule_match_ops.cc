// ListRuleBasedMatches and GetSimilarProfiles (rule-based; the ML branch answers as AWS does
// before an identity-resolution job has run). See docs/matching.md.
//
// GetSimilarProfiles' SearchKey: "MatchId" (SearchValue a MatchId), "ProfileId" or "_profileId"
// (SearchValue a ProfileId), or any other search key (SearchValue one of its values, as
// SearchProfiles' KeyName): the group of the first profile found under it that is in one.
// An unknown MatchId, ProfileId or key value is ResourceNotFound; a profile in no group answers
// no ProfileIds.
#include <boost/json/array.hpp>

#include "service/common.h"
#include "service/matching.h"
#include "service/ml_jobs.h"
#include "service/rule_match_index.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kListMatchesPurpose = "ListRuleBasedMatches";

Result<RuleMatchingConfig> RequireRuleMatching(store::Txn& txn, const RequestContext& ctx,
                                               std::string_view domain) {
  ASSIGN_OR_RETURN(DomainMatching matching, LoadDomainMatching(txn, ctx, domain));
  if (!matching.enabled()) {
    return Error::BadRequest("Rule-based matching is not enabled for domain " +
                             std::string(domain) +
                             "; enable it with UpdateDomain (RuleBasedMatching.Enabled = true)");
  }
  return *matching.config;
}

Result<json::object> ListRuleBasedMatches(const ServiceEnv& env, const RequestContext& ctx,
                                          const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kListMatchesPurpose));
  size_t page = PageSize(in, kMatchingMaxPage, kMatchingMaxPage);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(RuleMatchingConfig config, RequireRuleMatching(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    std::vector<std::string> ids;
    bool more = false;
    RETURN_IF_ERROR(ForEachIndexValue(
        txn, scope, kSharedKeyIndex, cursor, [&](const std::string& digest) -> Result<WalkStep> {
          ASSIGN_OR_RETURN(auto group, GroupByMatchId(txn, scope, config, digest));
          if (!group) return WalkStep::kNext;
          if (ids.size() == page) {
            more = true;
            return WalkStep::kStop;
          }
          ids.push_back(digest);
          return WalkStep::kNext;
        }));
    json::array list;
    for (const std::string& id : ids) list.emplace_back(id);
    out["MatchIds"] = std::move(list);
    if (more) out["NextToken"] = EncodeToken(kListMatchesPurpose, ids.back());
    return OkStatus();
  }));
  return out;
}

// The group GetSimilarProfiles' search names (nullopt: the profile found is in no group).
Result<std::optional<MatchGroup>> FindGroup(store::Txn& txn, store::Scope scope,
                                            const RuleMatchingConfig& config,
                                            const std::string& key, const std::string& value) {
  if (key == "MatchId") {
    ASSIGN_OR_RETURN(auto group, GroupByMatchId(txn, scope, config, value));
    if (!group) return Error::NotFound("No rule-based match group has MatchId " + value);
    return group;
  }
  constexpr size_t kProfilesTried = 20;
  ASSIGN_OR_RETURN(auto ids, ProfilesOfSimilarSearch(txn, scope, key, value, kProfilesTried));
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(auto group, GroupOfProfile(txn, scope, config, id));
    if (group) return group;
  }
  return std::optional<MatchGroup>();
}

Result<json::object> SimilarProfilesByRules(const ServiceEnv& env, const RequestContext& ctx,
                                            const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string key = GetStringOr(in, "SearchKey", "");
  std::string value = GetStringOr(in, "SearchValue", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kSimilarProfilesPurpose));
  size_t page = PageSize(in, kMatchingMaxPage, kMatchingMaxPage);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(RuleMatchingConfig config, RequireRuleMatching(txn, ctx, domain));
    ASSIGN_OR_RETURN(auto group, FindGroup(txn, DomainScope(ctx, domain), config, key, value));
    out["MatchType"] = "RULE_BASED_MATCHING";
    json::array ids;
    if (!group) {
      out["ProfileIds"] = std::move(ids);
      return OkStatus();
    }
    // The cursor is "{MatchId}/{last ProfileId}": a token from another group starts over.
    std::string after;
    if (cursor.starts_with(group->match_id + "/"))
      after = cursor.substr(group->match_id.size() + 1);
    std::string last;
    for (const std::string& id : group->profile_ids) {
      if (id <= after) continue;
      if (ids.size() == page) {
        out["NextToken"] = EncodeToken(kSimilarProfilesPurpose, group->match_id + "/" + last);
        break;
      }
      ids.emplace_back(id);
      last = id;
    }
    out["ProfileIds"] = std::move(ids);
    out["MatchId"] = group->match_id;
    out["RuleLevel"] = group->level;
    return OkStatus();
  }));
  return out;
}

// One handler per MatchType: a new matcher adds its row.
Result<json::object> GetSimilarProfiles(const ServiceEnv& env, const RequestContext& ctx,
                                        const json::object& in) {
  using Handler =
      Result<json::object> (*)(const ServiceEnv&, const RequestContext&, const json::object&);
  constexpr std::pair<std::string_view, Handler> kByMatchType[] = {
      {"RULE_BASED_MATCHING", SimilarProfilesByRules},
      {"ML_BASED_MATCHING", MlSimilarProfiles},  // ml_match_ops.cc
  };
  std::string type = GetStringOr(in, "MatchType", "");
  for (const auto& [name, handler] : kByMatchType) {
    if (name == type) return handler(env, ctx, in);
  }
  return Error::BadRequest("MatchType " + type +
                           " is not one of RULE_BASED_MATCHING, ML_BASED_MATCHING");
}

}  // namespace

void RegisterRuleMatchOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("ListRuleBasedMatches", WithEnv(env, ListRuleBasedMatches));
  registry.Register("GetSimilarProfiles", WithEnv(env, GetSimilarProfiles));
}

}  // namespace profiled::service
