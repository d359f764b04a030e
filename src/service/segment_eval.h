// File: segment_eval.h
// Evaluating segment queries (segment_query.h) over a domain's stored profiles, inside one store
// transaction: loading the definitions a query names (SourceSegments, calculated attributes),
// checking the documented per-segment limits, testing one profile, and walking the members.
//
// Walking the members reads as few profiles as the query allows: when every profile the query
// can match must hold one of a few values of an indexed attribute (an INCLUSIVE or BEGINS_WITH
// dimension on a profile attribute, attribute_values.h's "attr/" index), only the profiles of
// those index entries are read, each with a point read; otherwise every profile of the domain
// is, in order, a batch at a time. A point read costs more than a profile of the walk (about
// kPointReadCost times, measured by bench/segment_bench), so the index is used only when its
// entries hold at most 1/kPointReadCost of the domain's profiles (DomainStats' count): counting
// them stops at that budget, so a value most profiles hold costs little more than the walk.
// Either way each profile read is tested against the whole query, so the index only narrows.
//
// The limits (AWS's admin guide, "Troubleshooting customer segments" and "Build customer
// segments"): a group names at most 5 starting audiences (SourceSegments), starting audiences
// nest at most 5 deep, and a segment uses at most 60 unique attributes and 10 unique calculated
// attributes, both counted through its starting audiences recursively.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "service/segment_query.h"
#include "service/store_walk.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr size_t kMaxSourceSegmentsPerGroup = 5;
inline constexpr int kMaxSourceSegmentDepth = 5;
inline constexpr size_t kMaxSegmentAttributes = 60;
inline constexpr size_t kMaxSegmentCalculatedAttributes = 10;
// See above: the index serves at most max(kMinIndexBudget, profiles / kPointReadCost) profiles.
inline constexpr int64_t kPointReadCost = 4;
inline constexpr int64_t kMinIndexBudget = 32;

// The query of a stored segment definition: its SegmentGroups, or its SegmentSqlQuery when that
// is in the evaluated subset (segment_sql.h; BadRequest naming what is not).
Result<segment::Query> QueryOfDefinition(const boost::json::object& definition);

class SegmentEvaluator {
 public:
  SegmentEvaluator(store::Txn& txn, const RequestContext& ctx, std::string domain, double now);

  // The query of the stored definition `name` (loaded once); NotFound naming it.
  Result<const segment::Query*> Definition(std::string_view name);

  // NotFound for a SourceSegments or calculated attribute name that does not exist; BadRequest
  // for a query over the limits above.
  Status Check(const segment::Query& query);

  // Whether the stored profile document `profile` matches.
  Result<bool> Matches(const segment::Query& query, const boost::json::object& profile);

  // Calls `visit` with each member profile's stored document, in ProfileId order.
  Status ForEachMember(const segment::Query& query,
                       const std::function<Result<WalkStep>(const boost::json::object&)>& visit);

  // What the last ForEachMember did: how many profiles it read, and whether an index chose them.
  struct WalkStats {
    int64_t profiles_read = 0;
    bool used_index = false;
    bool index_declined = false;  // an index could narrow, but its entries hold too many
  };
  const WalkStats& stats() const { return stats_; }

  // A set of index entries whose profiles include every member (attr index name -> values, and
  // prefixes whose values are all taken).
  struct Probe {
    std::map<std::string, std::set<std::string>> values, prefixes;
  };

 private:
  class Facts;
  friend class Facts;

  Result<std::optional<Probe>> Plan(const segment::Query& query, int depth);
  Result<std::optional<Probe>> PlanGroup(const segment::Group& group, int depth);
  // The profiles of the probe's entries; nullopt when they are more than `budget`.
  Result<std::optional<std::set<std::string>>> Candidates(const Probe& probe, size_t budget);

  Result<bool> MatchesAt(const segment::Query& query, const boost::json::object& profile,
                         int depth);
  Result<const boost::json::object*> CalculatedDefinition(std::string_view name);
  Result<int> Depth(const segment::Query& query, int guard);
  Status Collect(const segment::Query& query, std::set<std::string>& attributes,
                 std::set<std::string>& calculated, int guard);

  store::Txn& txn_;
  RequestContext ctx_;
  std::string domain_;
  double now_;
  std::map<std::string, std::unique_ptr<segment::Query>, std::less<>> definitions_;
  std::map<std::string, std::optional<boost::json::object>, std::less<>> calculated_;
  WalkStats stats_;
};

}  // namespace profiled::service
