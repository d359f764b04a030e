// File: profile_patch.h
// The profile document and its rules, as plain functions (no store, no server):
//   - which members the model's Profile shape has (the stored document is that shape, plus
//     internal members whose names start with '_', never shown to clients);
//   - building a profile from CreateProfile's input;
//   - UpdateProfile's patch rules.
//
// UpdateProfile rules (AWS's, as documented for UpdateProfile):
//   - a member left out is kept; a member given a new value replaces the old one;
//   - a string member given as "" is removed;
//   - the same rules apply inside each address (each Address-typed member: Address,
//     ShippingAddress, MailingAddress, BillingAddress): updating City keeps Country, "City": ""
//     removes only the city;
//   - and inside Attributes (each string map member): a new key is added beside the others, a
//     key given as "" is removed;
//   - EngagementPreferences: each list (Phone, Email) that is given replaces the stored list
//     whole; an empty list removes it; a list left out is kept.
//   An address, Attributes or EngagementPreferences left with no members is removed.
#pragma once

#include <boost/json/object.hpp>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace profiled::service {

// The member lists below come from the model (service/generated/model_members.h, written by
// tools/codegen/gen_members.py), so a member the model adds is patched, merged, indexed for
// ListProfileAttributeValues and accepted as a `_profile.` mapping target without edits.
// Top-level string members of the Profile shape a client writes (enums included), in model order.
std::span<const std::string_view> ProfileStringMembers();
// The Address-typed members of the Profile shape (Address, ShippingAddress, ...).
std::span<const std::string_view> ProfileAddressMembers();
// The string-to-string map members of the Profile shape (Attributes).
std::span<const std::string_view> ProfileMapMembers();
// The string members of the Address shape.
std::span<const std::string_view> AddressFields();

// Whether `path` names a string a profile can hold: a string member ("FirstName"), a member of an
// Address-typed member ("Address.City") or a key of a map member ("Attributes.<key>", the key
// not empty). ProfileId and other read-only members are not such paths.
bool IsProfileStringPath(std::string_view path);

// Sets the string at `path` (as IsProfileStringPath names it: split at the first dot, so an
// Attributes key may hold dots) of `profile`, making the address or map when it is absent.
void SetProfileString(boost::json::object& profile, std::string_view path, std::string_view value);

// Internal (never returned) members of the stored profile start with this character.
inline constexpr char kInternalMemberPrefix = '_';
inline bool IsInternalMember(std::string_view member) {
  return !member.empty() && member.front() == kInternalMemberPrefix;
}

// Builds the stored profile from CreateProfile's validated input. Returns BadRequest naming the
// member if a string is empty (the model requires min length 1 for every CreateProfile string;
// this repeats the validator's check so the rule holds without the api layer too).
Result<boost::json::object> NewProfileFromCreate(const boost::json::object& input,
                                                 std::string_view profile_id);

// Applies UpdateProfile's input to the stored profile (see the rules above). Members of the
// input that are not Profile members (DomainName, ProfileId) are ignored; internal members of
// `current` are kept unchanged.
boost::json::object ApplyProfileUpdate(const boost::json::object& current,
                                       const boost::json::object& update);

// The profile as clients see it: the stored document without internal members.
boost::json::object PublicProfile(const boost::json::object& stored);

}  // namespace profiled::service
