// File: search.h
// SearchProfiles: an index lookup on the search keys (search_keys.h), never a scan of the domain.
//
// The request names 1 to 5 (KeyName, Values) pairs; a profile matches a pair when it has the key
// with any of the values; LogicalOperator OR (the default) returns profiles matching any pair,
// AND those matching all. Results are in ProfileId order and paged by a keyset cursor (the last
// ProfileId returned), so paging under concurrent writes neither repeats a profile nor skips one
// that matched throughout. Each returned profile carries FoundByItems: the pairs it matched, each
// with the values that matched.
//
// How: the candidate streams are the index rows (kKeyIndexPrefix + KeyName, value) after the
// cursor; for OR, all pairs' streams; for AND, only those of the pair with the fewest rows.
// The streams are merged in ref order a batch at a time (each lookup bounded by the batch size),
// and each candidate's document, read in the same snapshot, decides FoundByItems and (for AND)
// whether it matches every pair, with a point read of the key row for a key name the members do
// not derive (a key the profile holds has no copy in the document: held_keys.h). The cost depends
// on the page size and on how many candidates AND rejects, not on the size of the domain.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "service/search_keys.h"

namespace profiled::service {

struct SearchPair {
  std::string key_name;
  std::vector<std::string> values;
};

// The (KeyName, Values) pair of a request object (the request itself or one of its
// AdditionalSearchKeys): non-string values are dropped, repeated ones kept once, in order.
SearchPair SearchPairFrom(const boost::json::object& o);

inline constexpr size_t kMaxSearchPairs = 5;

// What a SearchProfiles request asks, NextToken aside.
struct SearchRequest {
  std::vector<SearchPair> pairs;  // KeyName/Values first, then AdditionalSearchKeys
  bool all = false;               // LogicalOperator AND
  size_t page_size = 20;          // MaxResults clamped to [1, 100]
};
// BadRequest when more than kMaxSearchPairs pairs are given.
Result<SearchRequest> ParseSearchRequest(const boost::json::object& in);

// How many refs each index lookup asks for: one more than a page, so a page and the knowledge
// that another exists come from one batch; at least 100 for AND, whose candidates are often
// rejected.
size_t SearchBatchSize(const SearchRequest& request);

// The item SearchProfiles returns for `profile` (its public view with FoundByItems), or nullopt
// when the profile does not match the request (no pair; for AND, not every pair). Its keys are
// those its document derives and `row_keys`, the request's keys it holds as rows (held_keys.h).
std::optional<boost::json::object> SearchResultView(const boost::json::object& profile,
                                                    const SearchRequest& request,
                                                    const std::vector<KeyRow>& row_keys = {});

// FoundByItems for a profile whose derived keys are `keys` (sorted): one entry per pair it
// matches, with the matching values in request order. Empty when it matches none.
boost::json::array FoundByItems(const std::vector<KeyRow>& keys,
                                const std::vector<SearchPair>& pairs);

}  // namespace profiled::service
