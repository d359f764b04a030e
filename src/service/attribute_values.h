// File: attribute_values.h
// ListProfileAttributeValues is served from an index of the values each profile holds, kept on
// every profile write in the same transaction: name = kAttributeIndexPrefix + AttributeName,
// value = the value, ref = ProfileId. IndexValues then lists the distinct values of a name
// without reading a single profile.
//
// Attribute names (the forms AWS's segment and attribute APIs use for the standard profile):
//   a top-level string member          "FirstName", "EmailAddress", "PartyType", "GenderString"...
//   a field of one of the addresses    "Address.City", "ShippingAddress.PostalCode", ...
//   a custom attribute                 "Attributes.<key>"
#pragma once

#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "service/search_keys.h"

namespace profiled::service {

inline constexpr std::string_view kAttributeIndexPrefix = "attr/";
// The index of one attribute's values (as common.h's KeyIndexName is a search key's).
inline std::string AttributeIndexName(std::string_view attribute) {
  return std::string(kAttributeIndexPrefix).append(attribute);
}

// Every (attribute name, value) of the profile, sorted and without duplicates.
std::vector<KeyRow> DeriveAttributeValues(const boost::json::object& profile);

// Whether `name` is one of the forms above.
bool IsProfileAttributeName(std::string_view name);

}  // namespace profiled::service
