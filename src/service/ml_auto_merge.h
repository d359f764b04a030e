// File: ml_auto_merge.h
// Matching.AutoMerging (and GetAutoMergingPreview's dry run of it) on one ML match group, as
// plain functions; the merges themselves are MergeProfilesInTxn's (merge.h), the main profile
// and field sources auto_merge.h's rules.
//
//   - MinAllowedConfidenceScoreForMerging: a group scoring below it is not merged at all;
//   - Consolidation.MatchingAttributesList: two profiles of the group are merged when they meet
//     at least one of the lists (AWS: "If two profiles meet at least one of the requirements in
//     the matching attributes list, they will be merged"): every attribute of the list present
//     and equal in both after normalisation (emails and phones as the matcher normalises them,
//     other values folded: case, accents, punctuation). Attribute names are Profile members
//     ("FirstName", "EmailAddress") or paths ("Address.PostalCode", "Attributes.tier"). Profiles
//     joined through a chain of such pairs form one merge; without Consolidation the whole group
//     is one merge;
//   - ConflictResolution: RECENCY or SOURCE (SourceName), as auto_merge.h applies them.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "service/rule_matching.h"

namespace profiled::service {

// BadRequest naming the member: SOURCE without SourceName.
Status CheckConflictResolution(const boost::json::object& conflict_resolution);
// The conflict settings as auto_merge.h reads them (levels unused).
RuleMatchingConfig ConflictConfig(const boost::json::object* conflict_resolution);

struct MlMergePlan {
  std::vector<size_t> members;  // indices into the group's profiles, two or more
};
// The merges AutoMerging (`auto_merging`: Consolidation, MinAllowedConfidenceScoreForMerging)
// makes of a group of stored profile documents scoring `confidence`.
std::vector<MlMergePlan> PlanMlMerges(const std::vector<boost::json::object>& profiles,
                                      const boost::json::object& auto_merging, double confidence);

// The normalised value of attribute `name` of a profile ("" when absent).
std::string ConsolidationValue(const boost::json::object& profile, const std::string& name);

}  // namespace profiled::service
