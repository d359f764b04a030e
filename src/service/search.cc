#include "service/search.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cstdint>
#include <set>

#include "service/common.h"
#include "service/profile_ops.h"
#include "service/profile_patch.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kSearchPurpose = "SearchProfiles";

SearchPair PairFrom(const json::object& o) {
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

Result<json::object> SearchProfiles(const ServiceEnv& env, const RequestContext& ctx,
                                    const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::vector<SearchPair> pairs{PairFrom(in)};
  if (const json::array* more = GetArray(in, "AdditionalSearchKeys")) {
    for (const json::value& v : *more) {
      if (v.is_object()) pairs.push_back(PairFrom(v.get_object()));
    }
  }
  if (pairs.size() > 5) {
    return Error::BadRequest("SearchProfiles accepts at most 5 search keys, " +
                             std::to_string(pairs.size()) + " were given");
  }
  bool all = GetStringOr(in, "LogicalOperator", "OR") == "AND";
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kSearchPurpose));
  size_t page = PageSize(in, 20, 100);

  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    out.clear();
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    const size_t batch = all ? std::max<size_t>(page + 1, 100) : page + 1;
    auto streams_of = [&](const SearchPair& pair) {
      std::vector<std::pair<std::string, std::string>> out;
      for (const auto& v : pair.values) {
        out.emplace_back(std::string(kKeyIndexPrefix) + pair.key_name, v);
      }
      return out;
    };
    // The streams that propose candidates: every pair for OR. For AND one pair suffices, since
    // a match must have it: the one with the fewest rows after the cursor (counted up to one
    // batch), so that a rare key drives and a common one is only checked.
    std::vector<std::pair<std::string, std::string>> streams;
    if (!all) {
      for (const auto& pair : pairs) {
        auto s = streams_of(pair);
        streams.insert(streams.end(), s.begin(), s.end());
      }
    } else {
      size_t best_rows = SIZE_MAX;
      for (const auto& pair : pairs) {
        size_t rows = 0;
        for (const auto& [name, value] : streams_of(pair)) {
          ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(scope, name, value, cursor, batch));
          rows += refs.size();
        }
        if (rows < best_rows) {
          best_rows = rows;
          streams = streams_of(pair);
        }
      }
    }
    json::array items;
    std::string after = cursor, last_returned;
    bool more = false;
    while (!more) {
      std::set<std::string> merged;
      bool streams_exhausted = true;
      for (const auto& [name, value] : streams) {
        ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(scope, name, value, after, batch));
        if (refs.size() == batch) streams_exhausted = false;
        merged.insert(refs.begin(), refs.end());
      }
      // Only the smallest `batch` refs of the union are surely complete: a larger one may be
      // preceded by refs a stream did not return yet.
      size_t taken = 0;
      for (const std::string& id : merged) {
        if (taken == batch) {
          streams_exhausted = false;
          break;
        }
        ++taken;
        after = id;
        ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, id));
        if (!body) continue;
        ASSIGN_OR_RETURN(json::object profile, ParseStored(*body));
        json::array found = FoundByItems(DeriveSearchKeys(profile), pairs);
        if (found.empty() || (all && found.size() != pairs.size())) continue;
        if (items.size() == page) {
          more = true;
          break;
        }
        json::object view = PublicProfile(profile);
        view["FoundByItems"] = std::move(found);
        items.emplace_back(std::move(view));
        last_returned = id;
      }
      if (streams_exhausted) break;
    }
    out["Items"] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(kSearchPurpose, last_returned);
    return OkStatus();
  }));
  return out;
}

}  // namespace

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
  registry.Register("SearchProfiles", [env](const RequestContext& ctx, json::object in) {
    return SearchProfiles(env, ctx, in);
  });
}

}  // namespace profiled::service
