// File: type_scrub.h
// What DeleteProfileObjectType does to profiles. AWS (DeleteProfileObjectType): "it scrubs all
// of the fields of the standard profile that were populated from this ProfileObjectType."
// Profiled knows which: ingestion records each field it writes, with its value and type, in the
// profile's "_ingested" (profile_object.h, ApplyIngestedFields), and merges keep those records
// with the values they chose (merge.h). The rule (docs/objects.md):
//   - a field whose record names the type and whose value is still the recorded one is removed
//     (an address or Attributes left empty goes with it);
//   - a field whose record names the type but whose value changed since (an UpdateProfile set it
//     by hand) is kept; only its record goes;
//   - fields recorded for other types, and fields set by hand, are kept.
// The profiles to visit: those holding objects of the type (its "objprof/{type}" index) and
// those with a field recorded for it (index "ingtype", value the type name, ref the ProfileId,
// a row the profile store derives from "_ingested"), so a profile whose objects of the type were
// deleted or expired before is scrubbed too.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kIngestedTypeIndex = "ingtype";

// ("ingtype", type name) for each type "_ingested" records a field of (profile_store.cc).
std::vector<std::pair<std::string, std::string>> IngestedTypeRows(
    const boost::json::object& profile);

// Applies the rule above to `profile`; the paths of the fields removed. False in `changed` when
// nothing named the type.
std::vector<std::string> ScrubIngestedFields(boost::json::object& profile,
                                             std::string_view type_name, bool* changed);

// Scrubs every profile of the domain that holds objects of `type_name` or a field recorded for
// it, saving each in the caller's transaction. REQUIRES: a Write transaction; call before the
// type's objects are deleted (their index finds the profiles).
Status ScrubObjectTypeFromProfiles(store::Txn& txn, const RequestContext& ctx,
                                   std::string_view domain, std::string_view type_name);

}  // namespace profiled::service
