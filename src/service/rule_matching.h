// File: rule_matching.h
// Rule-based matching (the domain's RuleBasedMatching), the rules as plain functions: reading and
// checking the configuration, normalising values, and deriving a profile's match keys. The store
// side is rule_match_index.h; the operations are in rule_match_ops.cc (see docs/matching.md).
//
// AWS's rules (admin guide, "How rule-based Identity Resolution works"), and how Profiled reads
// them:
//   - MatchingRules[i] is rule level i+1; levels are tried in order, up to
//     MaxAllowedRuleLevelForMatching (default: every level); all attributes of a level must
//     match (AND);
//   - EmailAddress, PhoneNumber and Address.<field> stand for the sub-types the
//     AttributeTypesSelector lists (default: EmailAddress, PhoneNumber, Address alone). ONE_TO_ONE
//     matches a sub-type only with the same sub-type; MANY_TO_MANY with any selected sub-type.
//     The Address.<field> attributes of one level are read from the same address (an address is
//     one place: the city of one and the postal code of another would be nobody's address);
//   - attribute names: AccountNumber, BirthDate, BusinessName, FirstName, LastName, MiddleName,
//     Gender, EmailAddress, PhoneNumber, Address.{Address,City,Country,County,PostalCode,State,
//     Province} and Attributes.<key>; Address.Address is the street lines Address1..4 joined;
//   - values are normalised before comparing: trimmed, inner white space collapsed to one space,
//     ASCII letters lower-cased; phone numbers keep their digits only ("+1 (555) 010-0000" and
//     "15550100000" match). A profile lacking a value for any attribute of a level has no key
//     at that level.
// A match key is a digest of (level, the level's attribute names, the normalised values, and for
// ONE_TO_ONE the sub-type of each value); a profile with several emails or phones has one key per
// combination.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace profiled::service {

// AWS: a level whose every attribute value is shared by more than this many profiles is not used
// to match ("All attributes at rule level x are associated with more than 500 records").
inline constexpr size_t kLowCardinalityProfiles = 500;

// Used when RuleBasedMatching gives no MatchingRules (AWS applies a default rule it does not
// publish; this is Profiled's, strongest first).
inline const std::vector<std::vector<std::string>>& DefaultMatchingRules() {
  static const std::vector<std::vector<std::string>> rules = {
      {"FirstName", "LastName", "EmailAddress"},
      {"FirstName", "LastName", "PhoneNumber"},
      {"FirstName", "LastName", "Address.Address", "Address.City", "Address.PostalCode"},
      {"AccountNumber"},
  };
  return rules;
}

enum class ConflictModel { kRecency, kSource };

struct RuleMatchingConfig {
  std::vector<std::vector<std::string>> levels;  // only the levels used for matching
  int max_merge_level = 0;                       // 0: no automatic merging
  bool many_to_many = false;
  std::vector<std::string> email_types, phone_types, address_types;  // Profile member names
  ConflictModel conflict = ConflictModel::kRecency;
  std::string source_name;  // kSource: the object type whose values win
};

// BadRequest naming the member when a RuleBasedMatching request is not one Profiled can run:
// an unknown attribute name, an unknown sub-type, SOURCE without SourceName.
Status CheckRuleBasedMatching(const boost::json::object& request);

// The configuration of a stored RuleBasedMatching member (already checked).
RuleMatchingConfig ParseRuleMatching(const boost::json::object& rbm);

// Lower-case, trimmed, inner white space collapsed; phone numbers: digits only.
std::string NormalizeMatchValue(std::string_view value);
std::string PhoneDigits(std::string_view value);

// One key of a profile at a level: the digest (32 hex) and the attribute values it was made of
// (attribute name, normalised value), for the low-cardinality rule.
struct LevelKey {
  std::string digest;
  std::vector<std::pair<std::string, std::string>> values;
};
// The profile's keys at `level` (1-based), sorted by digest, without duplicates.
std::vector<LevelKey> LevelKeys(const RuleMatchingConfig& config,
                                const boost::json::object& profile, int level);

// The index rows matching keeps for a profile, sorted and without duplicates:
//   (MatchKeyIndex(level), digest)      one per key of each level
//   (MatchValueIndex(attribute), value) one per normalised value of each attribute the levels
//                                       use (counted by the low-cardinality rule)
std::vector<std::pair<std::string, std::string>> MatchRows(const RuleMatchingConfig& config,
                                                           const boost::json::object& profile);
std::string MatchKeyIndex(int level);
std::string MatchValueIndex(std::string_view attribute);
// The level of a MatchKeyIndex name, or 0 when `index` is not one.
int LevelOfMatchKeyIndex(std::string_view index);

}  // namespace profiled::service
