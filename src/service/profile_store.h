// File: profile_store.h
// Reading and writing one profile inside a store transaction. A profile is one document
// (kProfileKind, id = ProfileId) plus its index rows: search keys (kKeyIndexPrefix + KeyName)
// and attribute values (kAttributeIndexPrefix + AttributeName; only while the domain keeps them,
// attribute_index.h, which the DomainMatching a write loads tells). Every write goes through
// SaveProfile/StoreNewProfile/EraseProfile, which keep the rows equal to what the document
// derives, in the caller's transaction, so search and ListProfileAttributeValues see a write at
// once.
//
// The same writes keep the domain's rule-based match rows (rule_match_index.h), as history.cc's
// StorePreparedRecord keeps the event outbox: no write path can forget them. Each write takes an
// optional DomainMatching: given (loaded once per transaction, LoadDomainMatching), it saves a
// read per profile and tells the caller whether an automatic merge became due (RunAutoMerges
// after the commit); omitted, the write reads the domain's settings itself and a merge it makes
// due runs after the domain's next write that runs them.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace profiled::service {

struct DomainMatching;

std::string ProfileNotFoundMessage(std::string_view profile_id, std::string_view domain);

// The stored profile (internal members included), or NotFound naming it and the domain.
// With `for_update`, the document is locked until commit (GetForUpdate): use it for every
// read-modify-write so that concurrent updates cannot be lost.
Result<boost::json::object> LoadProfile(store::Txn& txn, store::Scope scope,
                                        std::string_view profile_id, bool for_update);

// Stores `after` and moves the index rows from what `before` derives (nullptr: a new profile) to
// what `after` derives. REQUIRES: a Write transaction; `before` is the stored document.
Status SaveProfile(store::Txn& txn, store::Scope scope, const boost::json::object* before,
                   const boost::json::object& after, DomainMatching* matching = nullptr);

// A new profile's document and index rows, computed without a transaction, so that a bulk load
// spends its transaction on the writes alone (and prepares the next batch meanwhile).
struct PreparedProfile {
  std::string id;
  std::string document;
  std::vector<std::pair<std::string, std::string>> index_rows;  // (index name, value)
  bool with_attribute_rows = true;  // index_rows hold the attribute-value rows
};
// `attribute_rows`: whether to derive the attribute-value rows, as the domain was last seen
// keeping them (AttributeRowsLikelyKept): a hint read before the transaction. If the domain
// keeps them when the profile is stored, StoreNewProfile derives them then.
Result<PreparedProfile> PrepareNewProfile(const boost::json::object& profile,
                                          bool attribute_rows = true);

// Stores a prepared profile that does not exist yet, without counting it in the domain's stats
// (the caller does, e.g. with a DomainStatsBatch). REQUIRES: a Write transaction.
Status StoreNewProfile(store::Txn& txn, store::Scope scope, const PreparedProfile& profile,
                       DomainMatching* matching = nullptr);

// The writes that turn the stored document `before` into `after` (the index rows that move and
// the new document), computed without a transaction: what SaveProfile writes for a change.
struct PreparedChange {
  std::string id;
  std::string document;
  std::vector<std::pair<std::string, std::string>> removed_rows, added_rows;  // (index, value)
};
// `attribute_rows`: whether the domain keeps its attribute-value rows (DomainMatching): when it
// does not, none is derived.
Result<PreparedChange> PrepareProfileChange(const boost::json::object& before,
                                            const boost::json::object& after,
                                            bool attribute_rows = true);

// The ids of the profiles whose search key `key_name` holds `value` (search_keys.h), in id order
// after `after`, at most `limit`: the key index's rows, or for _profileId, which has none, the
// profile of that id if it is stored. `for_update`: in a Write transaction whose caller loads the
// profile found for update next, its _profileId lookup locks it so (not shared, to be upgraded).
Result<std::vector<std::string>> ProfilesWithKey(store::Txn& txn, store::Scope scope,
                                                 std::string_view key_name, std::string_view value,
                                                 std::string_view after, size_t limit,
                                                 bool for_update = false);
// The same, each with its document (Txn::IndexLookupDocuments).
Result<std::vector<store::IndexedDocument>> ProfileDocumentsWithKey(
    store::Txn& txn, store::Scope scope, std::string_view key_name, std::string_view value,
    std::string_view after, size_t limit);

// Deletes the profile's document and every index row it derives.
Status EraseProfile(store::Txn& txn, store::Scope scope, const boost::json::object& before,
                    DomainMatching* matching = nullptr);

}  // namespace profiled::service
