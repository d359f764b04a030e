// File: matching.h
// GetMatches, served honestly. AWS's GetMatches returns the groups of likely-duplicate profiles
// found by the weekly machine-learning Identity Resolution Job of a domain with Matching enabled.
// Profiled runs no such job, so it answers what AWS answers before the first job has completed:
// no MatchGenerationDate, PotentialMatches 0 and no Matches. A domain without Matching enabled is
// BadRequest naming the domain (AWS documents that Matching must be enabled "before calling this
// API"; the exact message of its refusal is not documented).
// Rule-based matching (ListRuleBasedMatches, GetSimilarProfiles) is rule_match_ops.cc's;
// RegisterMatchingOperations registers it too.
#pragma once

#include <boost/json/object.hpp>

#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

// Whether the stored domain document has Matching.Enabled set.
bool MatchingEnabled(const boost::json::object& domain);
// NotFound for an unknown domain, BadRequest naming it when Matching is not enabled.
Status RequireMatchingEnabled(store::Txn& txn, const RequestContext& ctx, std::string_view domain);

void RegisterMatchingOperations(Registry& registry, const ServiceEnv& env);
// ListRuleBasedMatches and GetSimilarProfiles (rule_match_ops.cc).
void RegisterRuleMatchOperations(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
