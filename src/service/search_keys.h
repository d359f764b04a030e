// File: search_keys.h
// How a profile is found: the search keys derived from its document, as plain functions.
//
// Predefined keys (derived from the profile's members on every write, in the same transaction):
//   _profileId  ProfileId
//   _account    AccountNumber
//   _email      EmailAddress, PersonalEmailAddress, BusinessEmailAddress
//   _phone      PhoneNumber, MobilePhoneNumber, HomePhoneNumber, BusinessPhoneNumber
//   _fullName   "FirstName MiddleName LastName", the parts present joined by one space
// plus the keys added by AddProfileKey (and by objects, for the predefined names), kept in the
// stored profile under the internal member "_keys" ({"KeyName": ["v1", ...]}) so that
// re-deriving the predefined keys on UpdateProfile never drops them. The keys objects give under
// other names are rows the profile holds, not part of its document (held_keys.h).
//
// DeleteProfileKey removes values added by AddProfileKey; a value derived from a member stays
// while the member holds it.
//
// _profileId has no index rows: its value is the profile's document id, so a lookup reads the
// document (ProfilesWithKey, profile_store.h) instead of a row that every profile would carry.
//
// Matching is exact and case-sensitive (values are stored as given): AWS documents no
// normalisation of key values, and an exact match is what its examples show.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace profiled::service {

// (key name, value) rows; the index rows of a profile are (kKeyIndexPrefix + name, value, id).
using KeyRow = std::pair<std::string, std::string>;

inline constexpr std::string_view kCustomKeysMember = "_keys";
inline constexpr std::string_view kProfileIdKey = "_profileId";

// Whether the profile's members derive keys of this name (the predefined ones listed above, not
// the custom ones, which only "_keys" and held rows give: held_keys.h).
bool IsMemberDerivedKey(std::string_view key_name);

// Whether DeriveSearchKeys reads the profile member `member`: two profiles equal in every such
// member derive the same keys.
bool DerivesSearchKeys(std::string_view member);

// Every search key of the profile, sorted and without duplicates.
std::vector<KeyRow> DeriveSearchKeys(const boost::json::object& profile);

// "FirstName MiddleName LastName" without doubled spaces; "" when no part is present.
std::string FullName(const boost::json::object& profile);

// Adds `values` to the profile's custom key `key_name` (values already there are kept once).
void AddCustomKey(boost::json::object& profile, std::string_view key_name,
                  const std::vector<std::string>& values);
// Removes `values` from the profile's custom key; returns how many were present.
size_t RemoveCustomKey(boost::json::object& profile, std::string_view key_name,
                       const std::vector<std::string>& values);

// What changed between two sorted, duplicate-free row sets.
struct RowDiff {
  std::vector<KeyRow> removed;  // in `before`, not in `after`
  std::vector<KeyRow> added;    // in `after`, not in `before`
};
RowDiff DiffRows(const std::vector<KeyRow>& before, const std::vector<KeyRow>& after);

}  // namespace profiled::service
