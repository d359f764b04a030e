// File: matching.h
// Matching's operations. GetMatches and the identity-resolution jobs (Matching on the domain)
// are ml_jobs.h's; rule-based matching (ListRuleBasedMatches, GetSimilarProfiles) is
// rule_match_ops.cc's; RegisterMatchingOperations registers them all. A domain without Matching
// enabled is BadRequest naming the domain for the ML operations (AWS documents that Matching must
// be enabled "before calling this API"; the exact message of its refusal is not documented).
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

// The pagination token purpose of GetSimilarProfiles (rule-based and ML alike), and the largest
// page of the matching reads (GetMatches, ListIdentityResolutionJobs, ListRuleBasedMatches,
// GetSimilarProfiles).
inline constexpr std::string_view kSimilarProfilesPurpose = "GetSimilarProfiles";
inline constexpr size_t kMatchingMaxPage = 100;

// Whether the stored domain document has Matching.Enabled set.
bool MatchingEnabled(const boost::json::object& domain);
// NotFound for an unknown domain, BadRequest naming it when Matching is not enabled.
Status RequireMatchingEnabled(store::Txn& txn, const RequestContext& ctx, std::string_view domain);

// The profiles GetSimilarProfiles' SearchKey/SearchValue names (for any SearchKey but MatchId):
// a ProfileId ("ProfileId" or "_profileId"), or the first profiles holding the value of a search
// key, up to `limit`. NotFound naming the key and the domain when there is none.
Result<std::vector<std::string>> ProfilesOfSimilarSearch(store::Txn& txn, store::Scope scope,
                                                         const std::string& key,
                                                         const std::string& value, size_t limit);

void RegisterMatchingOperations(Registry& registry, const ServiceEnv& env);
// ListRuleBasedMatches and GetSimilarProfiles (rule_match_ops.cc).
void RegisterRuleMatchOperations(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
