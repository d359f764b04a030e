#include "service/profile_store.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "service/attribute_values.h"
#include "service/common.h"
#include "service/domain_stats.h"
#include "service/expiry.h"
#include "service/held_keys.h"
#include "service/history.h"
#include "service/profile_patch.h"
#include "service/rule_match_index.h"
#include "service/search_keys.h"
#include "service/type_scrub.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// (index name, value) rows, the same pair type as search_keys.h's KeyRow.
using IndexRows = std::vector<KeyRow>;

// The families of index rows a profile derives, each from some of its members.
enum RowFamily : unsigned {
  kSearchKeyRows = 1,  // search keys (but _profileId, search_keys.h): DerivesSearchKeys members
  kAttributeRows = 2,  // attribute values: public members (attribute_values.h)
  kOtherRows = 4,      // expiry rows (expiry.h), the types ingested fields came from (type_scrub.h)
  kAllRows = 7,
};

// (prefix + key name, value) rows of the families a profile derives: search keys, then attribute
// values, then the expiry rows, then the ingested types. The prefixes differ, so sorting the
// result leaves no duplicate.
IndexRows DerivedRows(const json::object& profile, unsigned families = kAllRows) {
  IndexRows rows;
  auto add = [&](std::string_view prefix, std::vector<KeyRow> derived) {
    for (auto& [key, value] : derived) {
      if (prefix == kKeyIndexPrefix && key == kProfileIdKey) continue;
      rows.emplace_back(std::string(prefix).append(key), std::move(value));
    }
  };
  if (families & kSearchKeyRows) add(kKeyIndexPrefix, DeriveSearchKeys(profile));
  if (families & kAttributeRows) add(kAttributeIndexPrefix, DeriveAttributeValues(profile));
  if (families & kOtherRows) {
    for (auto& row : ProfileExpiryRows(profile)) rows.push_back(std::move(row));
    for (auto& row : IngestedTypeRows(profile)) rows.push_back(std::move(row));
  }
  return rows;
}

bool IsPublicMember(std::string_view member) { return !IsInternalMember(member); }

// Whether a member `reads` selects differs between the two documents.
template <typename Reads>
bool MembersDiffer(const json::object& a, const json::object& b, Reads reads) {
  for (const auto& [key, value] : a) {
    if (!reads(key)) continue;
    const json::value* other = b.if_contains(key);
    if (other == nullptr || *other != value) return true;
  }
  for (const auto& [key, value] : b) {
    if (reads(key) && !a.contains(key)) return true;
  }
  return false;
}

// The families whose rows may differ between the two documents: a family whose members are equal
// in both derives the same rows from both, so neither derivation is needed (an object put changes
// only internal members of its profile, most of the time).
unsigned FamiliesThatMayDiffer(const json::object& before, const json::object& after) {
  unsigned families = kOtherRows;
  if (MembersDiffer(before, after, DerivesSearchKeys)) families |= kSearchKeyRows;
  if (MembersDiffer(before, after, IsPublicMember)) families |= kAttributeRows;
  return families;
}

// The families a write in this domain keeps: all but the attribute-value rows while the domain
// keeps none (attribute_index.h).
unsigned FamiliesKept(bool attribute_rows) {
  return attribute_rows ? kAllRows : kAllRows & ~unsigned{kAttributeRows};
}

// `attribute_rows`: whether the domain keeps its attribute-value rows now (attribute_index.h);
// a new profile's rows, prepared before its transaction read that, may hold them: left out here.
Status EditRows(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                const IndexRows& removed, const IndexRows& added, bool attribute_rows) {
  auto kept = [&](const std::string& name) {
    return attribute_rows || !name.starts_with(kAttributeIndexPrefix);
  };
  for (const auto& [name, value] : removed) {
    if (kept(name)) RETURN_IF_ERROR(txn.IndexRemove(scope, name, value, profile_id));
  }
  for (const auto& [name, value] : added) {
    if (kept(name)) RETURN_IF_ERROR(txn.IndexAdd(scope, name, value, profile_id));
  }
  return OkStatus();
}

Status StoreNewRows(store::Txn& txn, store::Scope scope, const PreparedProfile& profile,
                    const DomainMatching& domain) {
  const IndexRows* rows = &profile.index_rows;
  IndexRows with_attribute_rows;
  if (domain.attribute_rows && !profile.with_attribute_rows) {
    // Prepared while the domain kept none, and it has started keeping them since.
    ASSIGN_OR_RETURN(json::object document, ParseStored(profile.document));
    with_attribute_rows = profile.index_rows;
    for (auto& row : DerivedRows(document, kAttributeRows)) {
      with_attribute_rows.push_back(std::move(row));
    }
    rows = &with_attribute_rows;
  }
  RETURN_IF_ERROR(EditRows(txn, scope, profile.id, {}, *rows, domain.attribute_rows));
  return txn.Put(scope, kProfileKind, profile.id, profile.document);
}

Status StoreChangeRows(store::Txn& txn, store::Scope scope, const PreparedChange& change,
                       const DomainMatching& domain) {
  RETURN_IF_ERROR(EditRows(txn, scope, change.id, change.removed_rows, change.added_rows,
                           domain.attribute_rows));
  return txn.Put(scope, kProfileKind, change.id, change.document);
}

// The caller's matching settings, or else the domain's, read into *loaded.
Result<DomainMatching*> MatchingOf(store::Txn& txn, store::Scope scope, DomainMatching* given,
                                   DomainMatching* loaded) {
  if (given != nullptr) return given;
  ASSIGN_OR_RETURN(*loaded, LoadScopeMatching(txn, scope));
  return loaded;
}

// UpdateMatchRows for a new profile held as its serialized document: parsed only when matching is
// enabled.
Status KeepMatchRowsOfNewBody(store::Txn& txn, store::Scope scope, DomainMatching& matching,
                              const std::string& document) {
  if (!matching.enabled()) return OkStatus();
  ASSIGN_OR_RETURN(json::object after, ParseStored(document));
  return UpdateMatchRows(txn, scope, matching, nullptr, &after);
}

}  // namespace

std::string ProfileNotFoundMessage(std::string_view profile_id, std::string_view domain) {
  return "Profile " + std::string(profile_id) + " does not exist in domain " + std::string(domain);
}

Result<json::object> LoadProfile(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                                 bool for_update) {
  std::optional<std::string> body;
  if (for_update) {
    ASSIGN_OR_RETURN(body, txn.GetForUpdate(scope, kProfileKind, profile_id));
  } else {
    ASSIGN_OR_RETURN(body, txn.Get(scope, kProfileKind, profile_id));
  }
  if (!body) return Error::NotFound(ProfileNotFoundMessage(profile_id, scope.domain));
  return ParseStored(*body);
}

Result<PreparedProfile> PrepareNewProfile(const json::object& profile, bool attribute_rows) {
  PreparedProfile prepared;
  prepared.id = GetStringOr(profile, "ProfileId", "");
  if (prepared.id.empty()) return Error::Internal("profile document without ProfileId");
  // Deriving the attribute-value rows was a quarter of an upload row's preparation, and a new
  // domain keeps none until its first reader (attribute_index.h).
  prepared.with_attribute_rows = attribute_rows;
  prepared.index_rows = DerivedRows(profile, FamiliesKept(attribute_rows));
  prepared.document = Serialize(profile);
  return prepared;
}

Status StoreNewProfile(store::Txn& txn, store::Scope scope, const PreparedProfile& profile,
                       DomainMatching* given) {
  DomainMatching loaded;
  ASSIGN_OR_RETURN(DomainMatching * matching, MatchingOf(txn, scope, given, &loaded));
  RETURN_IF_ERROR(KeepMatchRowsOfNewBody(txn, scope, *matching, profile.document));
  return StoreNewRows(txn, scope, profile, *matching);
}

Result<PreparedChange> PrepareProfileChange(const json::object& before, const json::object& after,
                                            bool attribute_rows) {
  PreparedChange change;
  change.id = GetStringOr(after, "ProfileId", "");
  if (change.id.empty()) return Error::Internal("profile document without ProfileId");
  const unsigned families = FamiliesThatMayDiffer(before, after) & FamiliesKept(attribute_rows);
  IndexRows old_rows = DerivedRows(before, families), new_rows = DerivedRows(after, families);
  std::sort(old_rows.begin(), old_rows.end());
  std::sort(new_rows.begin(), new_rows.end());
  RowDiff diff = DiffRows(old_rows, new_rows);
  change.removed_rows = std::move(diff.removed);
  change.added_rows = std::move(diff.added);
  change.document = Serialize(after);
  return change;
}

namespace {

// SaveProfile once the CREATED record's Content is kept (history.h).
Status StoreProfile(store::Txn& txn, store::Scope scope, const json::object* before,
                    const json::object& after, DomainMatching* given) {
  DomainMatching loaded;
  ASSIGN_OR_RETURN(DomainMatching * matching, MatchingOf(txn, scope, given, &loaded));
  RETURN_IF_ERROR(UpdateMatchRows(txn, scope, *matching, before, &after));
  if (before == nullptr) {
    ASSIGN_OR_RETURN(PreparedProfile prepared, PrepareNewProfile(after, matching->attribute_rows));
    RETURN_IF_ERROR(AddToDomainStats(txn, scope, prepared.id, {.profiles = 1}));
    return StoreNewRows(txn, scope, prepared, *matching);
  }
  ASSIGN_OR_RETURN(PreparedChange change,
                   PrepareProfileChange(*before, after, matching->attribute_rows));
  return StoreChangeRows(txn, scope, change, *matching);
}

// What a _profileId lookup (which has no index rows) finds: the document of profile `id`, if
// it is stored and the page after `after` of `limit` has room for it.
Result<std::optional<std::string>> ProfileById(store::Txn& txn, store::Scope scope,
                                               std::string_view id, std::string_view after,
                                               size_t limit, bool for_update) {
  if (limit == 0 || id <= after) return std::optional<std::string>();
  if (for_update) return txn.GetForUpdate(scope, kProfileKind, id);
  return txn.Get(scope, kProfileKind, id);
}

}  // namespace

Status SaveProfile(store::Txn& txn, store::Scope scope, const json::object* before,
                   const json::object& after, DomainMatching* given) {
  if (before != nullptr && before->contains(kCreatedContentPendingMember)) {
    RETURN_IF_ERROR(KeepCreatedContent(txn, scope, *before));
    if (after.contains(kCreatedContentPendingMember)) {
      json::object kept = after;
      kept.erase(kCreatedContentPendingMember);
      return StoreProfile(txn, scope, before, kept, given);
    }
  }
  return StoreProfile(txn, scope, before, after, given);
}

Result<std::vector<std::string>> ProfilesWithKey(store::Txn& txn, store::Scope scope,
                                                 std::string_view key_name, std::string_view value,
                                                 std::string_view after, size_t limit,
                                                 bool for_update) {
  if (key_name != kProfileIdKey) {
    return txn.IndexLookup(scope, KeyIndexName(key_name), value, after, limit);
  }
  ASSIGN_OR_RETURN(auto body, ProfileById(txn, scope, value, after, limit, for_update));
  std::vector<std::string> ids;
  if (body) ids.emplace_back(value);
  return ids;
}

Result<std::vector<store::IndexedDocument>> ProfileDocumentsWithKey(
    store::Txn& txn, store::Scope scope, std::string_view key_name, std::string_view value,
    std::string_view after, size_t limit) {
  if (key_name != kProfileIdKey) {
    return txn.IndexLookupDocuments(scope, KeyIndexName(key_name), value, after, limit,
                                    kProfileKind);
  }
  ASSIGN_OR_RETURN(auto body, ProfileById(txn, scope, value, after, limit, /*for_update=*/false));
  std::vector<store::IndexedDocument> docs;
  if (body) docs.push_back({std::string(value), std::move(body)});
  return docs;
}

Status EraseProfile(store::Txn& txn, store::Scope scope, const json::object& before,
                    DomainMatching* given) {
  RETURN_IF_ERROR(KeepCreatedContent(txn, scope, before));
  DomainMatching loaded;
  ASSIGN_OR_RETURN(DomainMatching * matching, MatchingOf(txn, scope, given, &loaded));
  RETURN_IF_ERROR(UpdateMatchRows(txn, scope, *matching, &before, nullptr));
  std::string id = GetStringOr(before, "ProfileId", "");
  RETURN_IF_ERROR(EditRows(txn, scope, id,
                           DerivedRows(before, FamiliesKept(matching->attribute_rows)), {},
                           matching->attribute_rows));
  RETURN_IF_ERROR(ReleaseAllKeys(txn, scope, id));
  // A profile stored before _profileId lost its row (search_keys.h) still has it.
  RETURN_IF_ERROR(txn.IndexRemove(scope, KeyIndexName(kProfileIdKey), id, id));
  ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kProfileKind, id));
  if (deleted) RETURN_IF_ERROR(AddToDomainStats(txn, scope, id, {.profiles = -1}));
  return OkStatus();
}

}  // namespace profiled::service
