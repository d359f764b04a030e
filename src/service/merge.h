// File: merge.h
// MergeProfiles: the rules as plain functions (no store), and the handler's registration.
//
// AWS's rules (MergeProfiles documentation), and how Profiled reads them:
//   - the profiles to be merged lose: their objects move to the main profile, their profile keys
//     move to the main profile, and they are deleted; all in one transaction here;
//   - standard fields are "union"-ed: a field the main profile lacks is taken from a merged
//     profile that has it (the first in ProfileIdsToBeMerged order, a choice AWS leaves open);
//   - on a conflict the main profile's value is kept, unless FieldSourceProfileIds names a
//     profile for the field: then that profile's value is taken "even if it is a NULL value"
//     (the field is removed when the named profile lacks it).
// Granularity follows FieldSourceProfileIds: every string member is one field; each address
// (Address, ShippingAddress, MailingAddress, BillingAddress) and EngagementPreferences is one
// field taken whole (mixing two customers' address lines would make an address nobody has);
// Attributes are chosen per key (FieldSourceProfileIds.Attributes maps key -> profile).
// PartyTypeString and GenderString have no entry of their own: they follow PartyType and Gender,
// the members they stand beside (FieldSourceMemberFor).
// The members come from the model (service/generated/model_members.h), so a string, address or
// map member the model adds to Profile is merged by these rules without edits.
// Keys: every search key of a merged profile's document except _profileId (its emails, phones,
// full name, account number and AddProfileKey keys) is added to the main profile's custom keys
// ("_keys"), so a search by a merged customer's old email finds the main profile; the keys it
// holds as rows (its objects' keys, held_keys.h) are held by the main profile instead; the main
// profile's own derived keys follow the merged document.
// Provenance: "_ingested" (see profile_object.h) keeps, for each field, the record of the
// profile the field's value came from, so object ingestion keeps treating a value it wrote as
// its own after the merge, and a value set by hand as set by hand.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

// BadRequest when a profile id to be merged is the main profile or is given twice.
Status CheckMergeIds(std::string_view main_id, const std::vector<std::string>& merged_ids);

// Which participant a field's value comes from: 0 is the main profile, i is merged[i-1].
// `named` is the participant FieldSourceProfileIds names for the field (nullopt: none), `has`
// tells for each participant whether it holds the field. nullopt: the field is absent from the
// result (nobody has it, or the named profile lacks it).
std::optional<size_t> ChooseFieldSource(std::optional<size_t> named, const std::vector<bool>& has);

// The FieldSourceProfileIds member that decides Profile member `member`: the member itself when
// FieldSourceProfileIds has it; for a "<X>String" member it lacks, X when it has that
// (PartyTypeString follows PartyType, GenderString follows Gender); otherwise nullopt (no client
// choice: the field is only unioned).
std::optional<std::string_view> FieldSourceMemberFor(std::string_view member);

// The merge field an "_ingested" path belongs to: a map entry ("Attributes.k") is its own field,
// an address line ("Address.City") belongs to its address ("Address"), "FirstName" to itself.
std::string MergeFieldOfPath(std::string_view path);

// The merged "_ingested" records: of each participant's records (participants[0] is the main
// profile), those of the fields `chosen` (field -> participant index) took from it.
boost::json::object MergedProvenance(const std::vector<const boost::json::object*>& participants,
                                     const std::map<std::string, size_t>& chosen);

// The main profile after merging `merged` into it (see the rules above). `field_sources` is the
// request's FieldSourceProfileIds (nullptr when absent); a profile id in it that is neither the
// main profile nor one being merged is BadRequest naming it. The main profile's ProfileId and
// internal members other than "_keys" and "_ingested" are kept as they are. The steps, in order:
// whole fields (strings, addresses, EngagementPreferences), maps key by key, provenance, keys.
Result<boost::json::object> MergeProfileDocuments(const boost::json::object& main,
                                                  const std::vector<boost::json::object>& merged,
                                                  const boost::json::object* field_sources);

struct DomainMatching;

// The whole merge inside the caller's Write transaction (MergeProfiles, and automatic merging in
// rule_match_index.cc): locks every profile in id order, NotFound naming the missing ones,
// merges the documents, moves objects, appends history, deletes the merged profiles and keeps
// their match rows current.
Status MergeProfilesInTxn(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                          DomainMatching& matching, const std::string& main_id,
                          const std::vector<std::string>& merged_ids,
                          const boost::json::object* field_sources, double now);

void RegisterMergeOperations(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
