#include "service/search.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "service/common.h"
#include "service/domain_cache.h"
#include "service/expiry.h"
#include "service/profile_ops.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
#include "service/search_keys.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kSearchPurpose = "SearchProfiles";

// One candidate stream: the profiles of one (KeyName, value) (ProfilesWithKey).
using Stream = std::pair<std::string, std::string>;  // key name, value

std::vector<Stream> StreamsOf(const SearchPair& pair) {
  std::vector<Stream> out;
  for (const auto& v : pair.values) out.emplace_back(pair.key_name, v);
  return out;
}

// The streams that propose candidates: every pair for OR. For AND one pair suffices, since a
// match must have it: the one with the fewest rows after the cursor (counted up to one batch),
// so that a rare key drives and a common one is only checked.
Result<std::vector<Stream>> CandidateStreams(store::Txn& txn, store::Scope scope,
                                             const SearchRequest& request, std::string_view cursor,
                                             size_t batch) {
  std::vector<Stream> streams;
  if (!request.all) {
    for (const auto& pair : request.pairs) {
      auto s = StreamsOf(pair);
      streams.insert(streams.end(), s.begin(), s.end());
    }
    return streams;
  }
  size_t best_rows = SIZE_MAX;
  for (const auto& pair : request.pairs) {
    size_t rows = 0;
    for (const auto& [name, value] : StreamsOf(pair)) {
      ASSIGN_OR_RETURN(auto refs, ProfilesWithKey(txn, scope, name, value, cursor, batch));
      rows += refs.size();
    }
    if (rows < best_rows) {
      best_rows = rows;
      streams = StreamsOf(pair);
    }
  }
  return streams;
}

// The request's keys that the profile has as rows but its document does not derive: those it
// holds (held_keys.h), whose row is the only place they are. One point read per such value.
Result<std::vector<KeyRow>> RowKeysOf(store::Txn& txn, store::Scope scope,
                                      std::string_view profile_id, const SearchRequest& request) {
  std::vector<KeyRow> rows;
  for (const SearchPair& pair : request.pairs) {
    if (IsMemberDerivedKey(pair.key_name)) continue;
    const std::string index = KeyIndexName(pair.key_name);
    for (const std::string& value : pair.values) {
      ASSIGN_OR_RETURN(bool has, txn.IndexHas(scope, index, value, profile_id));
      if (has) rows.emplace_back(pair.key_name, value);
    }
  }
  return rows;
}

// One page of results.
struct SearchPage {
  boost::json::array items;
  bool more = false;          // another page exists
  std::string last_returned;  // the cursor of the next page
};

// Merges the streams in ref order a batch at a time after `cursor` and keeps the candidates
// that match, until the page is full (and one more match shows there is another page) or the
// streams end.
// `expiry_of` is asked once, after the first lookup (on PostgreSQL the domain's document travels
// with it).
Result<SearchPage> CollectPage(store::Txn& txn, store::Scope scope, const SearchRequest& request,
                               const std::vector<Stream>& streams, std::string_view cursor,
                               size_t batch, const std::function<Result<ExpiryView>()>& expiry_of) {
  SearchPage page;
  std::optional<ExpiryView> expiry;
  std::string after(cursor);
  // One OR stream: every ref of a batch is read unless the page fills first, so its profiles come
  // with the refs (one round trip on PostgreSQL). Several streams, or AND's larger batches, take
  // only some of the refs they find: those profiles are read one by one as they are taken.
  const bool prefetch = streams.size() == 1 && !request.all;
  while (!page.more) {
    std::map<std::string, std::optional<std::string>> merged;  // ref -> prefetched profile
    bool streams_exhausted = true;
    for (const auto& [name, value] : streams) {
      if (prefetch) {
        ASSIGN_OR_RETURN(auto docs, ProfileDocumentsWithKey(txn, scope, name, value, after, batch));
        if (docs.size() == batch) streams_exhausted = false;
        for (auto& doc : docs) merged.emplace(std::move(doc.ref), std::move(doc.body));
        continue;
      }
      ASSIGN_OR_RETURN(auto refs, ProfilesWithKey(txn, scope, name, value, after, batch));
      if (refs.size() == batch) streams_exhausted = false;
      for (auto& ref : refs) merged.emplace(std::move(ref), std::nullopt);
    }
    if (!expiry) {
      ASSIGN_OR_RETURN(expiry, expiry_of());
    }
    // Only the smallest `batch` refs of the union are surely complete: a larger one may be
    // preceded by refs a stream did not return yet.
    size_t taken = 0;
    for (auto& [id, prefetched] : merged) {
      if (taken == batch) {
        streams_exhausted = false;
        break;
      }
      ++taken;
      after = id;
      std::optional<std::string> body = std::move(prefetched);
      if (!prefetch) {
        ASSIGN_OR_RETURN(body, txn.Get(scope, kProfileKind, id));
      }
      if (!body) continue;
      ASSIGN_OR_RETURN(json::object profile, ParseStored(*body));
      if (expiry->ProfileExpired(profile)) continue;  // past its time, not swept yet
      ASSIGN_OR_RETURN(std::vector<KeyRow> rows, RowKeysOf(txn, scope, id, request));
      std::optional<json::object> view = SearchResultView(profile, request, rows);
      if (!view) continue;
      if (page.items.size() == request.page_size) {
        page.more = true;
        break;
      }
      page.items.emplace_back(std::move(*view));
      page.last_returned = id;
    }
    if (streams_exhausted) break;
  }
  return page;
}

// Finds the profiles through the key index (search.h says how), in one snapshot.
Result<json::object> SearchProfiles(const ServiceEnv& env, const RequestContext& ctx,
                                    const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  ASSIGN_OR_RETURN(SearchRequest request, ParseSearchRequest(in));
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kSearchPurpose));
  json::object out;
  // The domain's document: its existence, and DefaultExpirationDays for the expiry check.
  ASSIGN_OR_RETURN(DomainCache::Doc kept, KeptDomain(env, ctx, domain));
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    out.clear();
    // Read with the first lookup (one round trip on PostgreSQL, not two), and read before any
    // answer: a domain that does not exist is DomainNotFound, not an empty page.
    PrefetchDomain(kept, txn, ctx, domain);
    json::object read;
    const json::object* domain_doc = nullptr;
    auto expiry_of = [&]() -> Result<ExpiryView> {
      if (domain_doc == nullptr) {
        ASSIGN_OR_RETURN(domain_doc, DomainForRead(kept, txn, ctx, domain, &read));
      }
      return ExpiryViewOf(*domain_doc, *env.clock);
    };
    store::Scope scope = DomainScope(ctx, domain);
    const size_t batch = SearchBatchSize(request);
    ASSIGN_OR_RETURN(std::vector<Stream> streams,
                     CandidateStreams(txn, scope, request, cursor, batch));
    ASSIGN_OR_RETURN(SearchPage page,
                     CollectPage(txn, scope, request, streams, cursor, batch, expiry_of));
    if (domain_doc == nullptr) {
      ASSIGN_OR_RETURN(domain_doc, DomainForRead(kept, txn, ctx, domain, &read));
    }
    out["Items"] = std::move(page.items);
    if (page.more) out["NextToken"] = EncodeToken(kSearchPurpose, page.last_returned);
    return OkStatus();
  }));
  return out;
}

}  // namespace

SearchPair SearchPairFrom(const json::object& o) {
  SearchPair p;
  p.key_name = GetStringOr(o, "KeyName", "");
  if (const json::array* values = GetArray(o, "Values")) {
    for (const json::value& v : *values) {
      if (!v.is_string()) continue;
      std::string s(v.get_string());
      if (std::find(p.values.begin(), p.values.end(), s) == p.values.end()) {
        p.values.push_back(std::move(s));
      }
    }
  }
  return p;
}

Result<SearchRequest> ParseSearchRequest(const json::object& in) {
  SearchRequest request;
  request.pairs.push_back(SearchPairFrom(in));
  if (const json::array* more = GetArray(in, "AdditionalSearchKeys")) {
    for (const json::value& v : *more) {
      if (v.is_object()) request.pairs.push_back(SearchPairFrom(v.get_object()));
    }
  }
  if (request.pairs.size() > kMaxSearchPairs) {
    return Error::BadRequest("SearchProfiles accepts at most 5 search keys, " +
                             std::to_string(request.pairs.size()) + " were given");
  }
  request.all = GetStringOr(in, "LogicalOperator", "OR") == "AND";
  request.page_size = PageSize(in, 20, 100);
  return request;
}

size_t SearchBatchSize(const SearchRequest& request) {
  return request.all ? std::max<size_t>(request.page_size + 1, 100) : request.page_size + 1;
}

std::optional<json::object> SearchResultView(const json::object& profile,
                                             const SearchRequest& request,
                                             const std::vector<KeyRow>& row_keys) {
  std::vector<KeyRow> keys = DeriveSearchKeys(profile);
  if (!row_keys.empty()) {
    keys.insert(keys.end(), row_keys.begin(), row_keys.end());
    std::sort(keys.begin(), keys.end());
  }
  json::array found = FoundByItems(keys, request.pairs);
  if (found.empty() || (request.all && found.size() != request.pairs.size())) return std::nullopt;
  json::object view = PublicProfile(profile);
  view["FoundByItems"] = std::move(found);
  return view;
}

json::array FoundByItems(const std::vector<KeyRow>& keys, const std::vector<SearchPair>& pairs) {
  json::array found;
  for (const SearchPair& pair : pairs) {
    json::array matched;
    for (const std::string& v : pair.values) {
      if (std::binary_search(keys.begin(), keys.end(), KeyRow(pair.key_name, v))) {
        matched.emplace_back(v);
      }
    }
    if (matched.empty()) continue;
    json::object item;
    item["KeyName"] = pair.key_name;
    item["Values"] = std::move(matched);
    found.emplace_back(std::move(item));
  }
  return found;
}

void RegisterSearchOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("SearchProfiles", WithEnv(env, SearchProfiles));
}

}  // namespace profiled::service
