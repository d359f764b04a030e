// File: auto_merge.h
// Automatic merging of a rule-based match group (RuleBasedMatching.MaxAllowedRuleLevelForMerging),
// the choices as plain functions; the merge itself is MergeProfiles' (merge.h).
//
//   - the main profile is the group's oldest, so the id a customer has had longest survives:
//     the earliest creation time (a ProfileId starts with its creation millisecond), then the
//     earliest last update, then the smaller ProfileId;
//   - each field is taken from one profile, as a FieldSourceProfileIds names it:
//       1. a value set by hand (CreateProfile/UpdateProfile/MergeProfiles, i.e. not the value
//          ingestion last wrote there, see profile_object.h) beats an ingested one: AWS never
//          lets an automatic merge overwrite a manually populated field with an ingested one;
//       2. SOURCE: among ingested values, those ingested from the object type SourceName win;
//       3. then RECENCY: the value of the most recently updated profile (the profile's last
//          history time, "_hlast"; equal times: the larger ProfileId, the newer profile).
//     An address is one field (ingested when each of its lines is); Attributes key by key.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "service/rule_matching.h"

namespace profiled::service {

// The main profile of a group (stored documents) by the rule above.
std::string AutoMergeMainId(const std::vector<boost::json::object>& profiles);

// The FieldSourceProfileIds for merging `profiles` (stored documents, any order) by the rules
// above.
boost::json::object AutoMergeFieldSources(const std::vector<boost::json::object>& profiles,
                                          const RuleMatchingConfig& config);

}  // namespace profiled::service
