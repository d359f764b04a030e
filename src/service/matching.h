// File: matching.h
// GetMatches, served honestly. AWS's GetMatches returns the groups of likely-duplicate profiles
// found by the weekly machine-learning Identity Resolution Job of a domain with Matching enabled.
// Profiled runs no such job, so it answers what AWS answers before the first job has completed:
// no MatchGenerationDate, PotentialMatches 0 and no Matches. A domain without Matching enabled is
// BadRequest naming the domain (AWS documents that Matching must be enabled "before calling this
// API"; the exact message of its refusal is not documented).
// ListRuleBasedMatches stays unserved (501): rule-based matching runs on AWS as profiles are
// written, so an always-empty MatchIds list would claim that no profiles match the domain's rules
// when Profiled has simply not evaluated them.
#pragma once

#include <boost/json/object.hpp>

#include "service/registry.h"

namespace profiled::service {

// Whether the stored domain document has Matching.Enabled set.
bool MatchingEnabled(const boost::json::object& domain);

void RegisterMatchingOperations(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
