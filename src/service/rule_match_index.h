// File: rule_match_index.h
// Rule-based matching in the store: the match rows a profile write keeps current, and the match
// groups derived from them (see rule_matching.h for the rules, docs/matching.md for the whole).
//
// Rows (domain scope), written in the profile write's own transaction:
//   index MatchKeyIndex(level)  value key digest  ref ProfileId   the profile's keys per level
//   index MatchValueIndex(attr) value normalised  ref ProfileId   counted by the 500-profile rule
//   index kSharedKeyIndex       value key digest  ref level       keys held by two profiles or more
//   document kPendingMergeKind  id ProfileId                      a profile to auto-merge
// A domain without RuleBasedMatching enabled pays one substring search of its (already read)
// domain document per write, nothing else.
//
// Groups: level by level, a key shared by two profiles or more that are not already in a group
// of a lower level is a match group (a key whose every attribute value is held by more than 500
// profiles is not used). A profile's group is the first such key of its lowest level. The
// MatchId is the key's digest, so it stays while the members share the key. Members are checked
// against their documents, so a row left behind by a configuration change is never counted.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/registry.h"
#include "service/rule_matching.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kSharedKeyIndex = "rbmm";
inline constexpr std::string_view kPendingMergeKind = "rbm_pending";

// The domain's rule-based matching as a profile write sees it, and the other setting of its
// domain document that every profile write obeys: whether it keeps the attribute-value rows
// (attribute_index.h).
struct DomainMatching {
  std::optional<RuleMatchingConfig> config;  // nullopt: not enabled
  bool merge_pending = false;                // a write made an automatic merge due
  bool attribute_rows = true;
  bool enabled() const { return config.has_value(); }
};

// What RequireDomain does (NotFound naming the domain), plus the domain's matching settings.
Result<DomainMatching> LoadDomainMatching(store::Txn& txn, const RequestContext& ctx,
                                          std::string_view domain);
// The matching settings of the domain of `scope` (not enabled when the domain does not exist).
Result<DomainMatching> LoadScopeMatching(store::Txn& txn, store::Scope scope);

// Moves the profile's match rows from what `before` derives to what `after` derives (nullptr: no
// profile), keeps kSharedKeyIndex current for the keys that moved, and marks the profile for an
// automatic merge when one of its keys at a merging level is now shared. REQUIRES: a Write
// transaction holding the profile's lock. profile_store.h's writes call it: nothing else needs
// to (and nothing else may, or the rows would move twice).
Status UpdateMatchRowsSlow(store::Txn& txn, store::Scope scope, DomainMatching& matching,
                           const boost::json::object* before, const boost::json::object* after);
inline Status UpdateMatchRows(store::Txn& txn, store::Scope scope, DomainMatching& matching,
                              const boost::json::object* before, const boost::json::object* after) {
  if (!matching.enabled()) return OkStatus();
  return UpdateMatchRowsSlow(txn, scope, matching, before, after);
}

struct MatchGroup {
  std::string match_id;
  int level = 0;
  std::vector<std::string> profile_ids;  // sorted
};

// The profile's group (nullopt: none, or no such profile).
Result<std::optional<MatchGroup>> GroupOfProfile(store::Txn& txn, store::Scope scope,
                                                 const RuleMatchingConfig& config,
                                                 std::string_view profile_id);
// The group of a MatchId (nullopt: no such group now).
Result<std::optional<MatchGroup>> GroupByMatchId(store::Txn& txn, store::Scope scope,
                                                 const RuleMatchingConfig& config,
                                                 std::string_view match_id);

// Runs the automatic merges the writes made due (each in a transaction of its own), after the
// write that made them due has committed. Failures are logged: the write stands, and what is
// still pending runs after the domain's next write.
void RunAutoMergesSlow(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain);
inline void RunAutoMerges(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain,
                          const DomainMatching& matching) {
  if (matching.merge_pending) RunAutoMergesSlow(env, ctx, domain);
}

// Re-derives every profile's match rows after RuleBasedMatching changed from `old_rbm` (nullptr:
// none) to the domain's current setting, in batches of their own transactions, then sets the
// setting's Status to ACTIVE (when enabled) and runs the automatic merges that became due.
// Returns the domain's RuleBasedMatching as stored at the end.
Result<boost::json::object> RebuildRuleMatches(const ServiceEnv& env, const RequestContext& ctx,
                                               std::string_view domain,
                                               const boost::json::object* old_rbm);

}  // namespace profiled::service
