#include "service/segment_eval.h"

#include <algorithm>
#include <utility>

#include "service/attribute_index.h"
#include "service/attribute_values.h"
#include "service/common.h"
#include "service/domain_stats.h"
#include "service/resource_crud.h"
#include "service/segment_calc.h"
#include "service/segment_sql.h"

namespace profiled::service {
namespace json = boost::json;
using segment::Quantifier;

Result<segment::Query> QueryOfDefinition(const json::object& definition) {
  if (const json::object* groups = GetObject(definition, "SegmentGroups")) {
    return segment::ParseSegmentGroups(*groups);
  }
  if (auto sql = GetString(definition, "SegmentSqlQuery")) return segment::ParseSegmentSql(*sql);
  return Error::Internal("stored segment definition has neither SegmentGroups nor SegmentSqlQuery");
}

// What one profile's test asks beyond its document, answered from the transaction.
class SegmentEvaluator::Facts final : public segment::SegmentFacts {
 public:
  Facts(SegmentEvaluator& ev, const json::object& profile, int depth)
      : ev_(ev), profile_(profile), depth_(depth) {}

  Result<std::optional<std::string>> Calculated(const segment::CalculatedTest& test) override {
    ASSIGN_OR_RETURN(const json::object* def, ev_.CalculatedDefinition(test.name));
    if (!def) return std::optional<std::string>();  // deleted since: no value
    return CalculatedValueForSegment(ev_.txn_, ev_.ctx_, ev_.domain_, test.name, *def,
                                     GetStringOr(profile_, "ProfileId", ""), ev_.now_, test.range);
  }

  Result<bool> InSegment(std::string_view name) override {
    ASSIGN_OR_RETURN(const segment::Query* q, ev_.Definition(name));
    return ev_.MatchesAt(*q, profile_, depth_ + 1);
  }

 private:
  SegmentEvaluator& ev_;
  const json::object& profile_;
  int depth_;
};

SegmentEvaluator::SegmentEvaluator(store::Txn& txn, const RequestContext& ctx, std::string domain,
                                   double now)
    : txn_(txn), ctx_(ctx), domain_(std::move(domain)), now_(now) {}

Result<const segment::Query*> SegmentEvaluator::Definition(std::string_view name) {
  if (auto it = definitions_.find(name); it != definitions_.end()) return it->second.get();
  ASSIGN_OR_RETURN(auto body, txn_.Get(DomainScope(ctx_, domain_), kSegmentDefinitionKind, name));
  if (!body) {
    RETURN_IF_ERROR(RequireResourceOfKind(txn_, ctx_, domain_, kSegmentDefinitionKind,
                                          "Segment definition", name));
    return Error::Internal("segment definition vanished");
  }
  ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
  auto query = QueryOfDefinition(doc);
  if (!query.ok()) {
    return Error(query.error().code(),
                 "Segment definition " + std::string(name) + ": " + query.error().message());
  }
  auto owned = std::make_unique<segment::Query>(std::move(*query));
  const segment::Query* out = owned.get();
  definitions_.emplace(std::string(name), std::move(owned));
  return out;
}

Result<const json::object*> SegmentEvaluator::CalculatedDefinition(std::string_view name) {
  auto it = calculated_.find(name);
  if (it == calculated_.end()) {
    ASSIGN_OR_RETURN(auto body,
                     txn_.Get(DomainScope(ctx_, domain_), kCalculatedAttributeKind, name));
    std::optional<json::object> def;
    if (body) {
      ASSIGN_OR_RETURN(json::object parsed, ParseStored(*body));
      def = std::move(parsed);
    }
    it = calculated_.emplace(std::string(name), std::move(def)).first;
  }
  return it->second ? &*it->second : nullptr;
}

Result<int> SegmentEvaluator::Depth(const segment::Query& query, int guard) {
  if (guard > kMaxSourceSegmentDepth) return guard;  // deep enough to be refused; stops cycles
  int depth = 0;
  for (const std::string& name : segment::SourceNames(query)) {
    ASSIGN_OR_RETURN(const segment::Query* q, Definition(name));
    ASSIGN_OR_RETURN(int below, Depth(*q, guard + 1));
    depth = std::max(depth, 1 + below);
  }
  return depth;
}

Status SegmentEvaluator::Collect(const segment::Query& query, std::set<std::string>& attributes,
                                 std::set<std::string>& calculated, int guard) {
  for (auto& a : segment::AttributePaths(query)) attributes.insert(a);
  for (auto& c : segment::CalculatedNames(query)) calculated.insert(c);
  if (guard > kMaxSourceSegmentDepth) return OkStatus();
  for (const std::string& name : segment::SourceNames(query)) {
    ASSIGN_OR_RETURN(const segment::Query* q, Definition(name));
    RETURN_IF_ERROR(Collect(*q, attributes, calculated, guard + 1));
  }
  return OkStatus();
}

Status SegmentEvaluator::Check(const segment::Query& query) {
  for (size_t i = 0; i < query.groups.size(); ++i) {
    if (query.groups[i].sources.size() > kMaxSourceSegmentsPerGroup) {
      return Error::BadRequest("Groups[" + std::to_string(i) +
                               "].SourceSegments: a group takes at most 5 starting audiences");
    }
  }
  for (const std::string& name : segment::SourceNames(query)) {
    ASSIGN_OR_RETURN(const segment::Query* q, Definition(name));
    (void)q;
  }
  ASSIGN_OR_RETURN(int depth, Depth(query, 0));
  if (depth > kMaxSourceSegmentDepth) {
    return Error::BadRequest(
        "You reached the limit of 5 depth of starting audiences (SourceSegments nested " +
        std::to_string(depth) + " deep)");
  }
  std::set<std::string> attributes, calculated;
  RETURN_IF_ERROR(Collect(query, attributes, calculated, 0));
  if (attributes.size() > kMaxSegmentAttributes) {
    return Error::BadRequest("You reached the limit of 60 unique attributes (the segment uses " +
                             std::to_string(attributes.size()) +
                             ", counting its starting audiences)");
  }
  if (calculated.size() > kMaxSegmentCalculatedAttributes) {
    return Error::BadRequest(
        "You reached the limit of 10 unique calculated attributes (the segment uses " +
        std::to_string(calculated.size()) + ", counting its starting audiences)");
  }
  for (const std::string& name : segment::CalculatedNames(query)) {
    RETURN_IF_ERROR(RequireResourceOfKind(txn_, ctx_, domain_, kCalculatedAttributeKind,
                                          "Calculated attribute", name));
  }
  return OkStatus();
}

Result<bool> SegmentEvaluator::MatchesAt(const segment::Query& query, const json::object& profile,
                                         int depth) {
  if (depth > kMaxSourceSegmentDepth) {
    return Error::BadRequest("SourceSegments nest deeper than the limit of 5");
  }
  Facts facts(*this, profile, depth);
  return segment::Matches(query, profile, facts);
}

Result<bool> SegmentEvaluator::Matches(const segment::Query& query, const json::object& profile) {
  return MatchesAt(query, profile, 0);
}

namespace {

void Merge(std::map<std::string, std::set<std::string>>& into,
           const std::map<std::string, std::set<std::string>>& from) {
  for (const auto& [k, v] : from) into[k].insert(v.begin(), v.end());
}

}  // namespace

namespace {

// The probe of items combined by `q`: for ALL, any one item's (the first that has one) narrows
// enough; for ANY, the union of every item's, if each has one; for NONE, none.
template <typename Item, typename PlanOf>
Result<std::optional<SegmentEvaluator::Probe>> Combine(Quantifier q, const std::vector<Item>& items,
                                                       PlanOf&& plan_of) {
  using Probe = SegmentEvaluator::Probe;
  if (items.empty() || q == Quantifier::kNone) return std::optional<Probe>();
  std::optional<Probe> plan;
  for (const Item& item : items) {
    ASSIGN_OR_RETURN(std::optional<Probe> p, plan_of(item));
    if (q == Quantifier::kAll && p) return p;
    if (q == Quantifier::kAny) {
      if (!p) return std::optional<Probe>();
      if (!plan) plan = Probe();
      Merge(plan->values, p->values);
      Merge(plan->prefixes, p->prefixes);
    }
  }
  return plan;
}

// A dimension's profiles all hold one of its values of an indexed attribute when one of its
// attribute tests (all of which must pass) is INCLUSIVE or BEGINS_WITH.
std::optional<SegmentEvaluator::Probe> DimensionProbe(const segment::Dimension& d) {
  for (const auto& a : d.attributes) {
    const auto& c = a.condition;
    bool usable = std::none_of(c.values.begin(), c.values.end(),
                               [](const std::string& v) { return v.empty(); });
    if (!usable) continue;
    std::string index = AttributeIndexName(a.path);
    SegmentEvaluator::Probe p;
    if (c.op == segment::Op::kInclusive) {
      p.values[index].insert(c.values.begin(), c.values.end());
      return p;
    }
    if (c.op == segment::Op::kBeginsWith) {
      p.prefixes[index].insert(c.values.begin(), c.values.end());
      return p;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<SegmentEvaluator::Probe>> SegmentEvaluator::PlanGroup(
    const segment::Group& group, int depth) {
  // A group is its sources AND its dimensions, so either one's probe narrows it.
  ASSIGN_OR_RETURN(std::optional<Probe> by_dimensions,
                   Combine(group.type, group.dimensions,
                           [](const segment::Dimension& d) -> Result<std::optional<Probe>> {
                             return DimensionProbe(d);
                           }));
  if (by_dimensions) return by_dimensions;
  return Combine(group.source_type, group.sources,
                 [&](const std::string& name) -> Result<std::optional<Probe>> {
                   ASSIGN_OR_RETURN(const segment::Query* q, Definition(name));
                   return Plan(*q, depth + 1);
                 });
}

Result<std::optional<SegmentEvaluator::Probe>> SegmentEvaluator::Plan(const segment::Query& query,
                                                                      int depth) {
  if (depth > kMaxSourceSegmentDepth) return std::optional<Probe>();
  return Combine(query.include, query.groups,
                 [&](const segment::Group& g) { return PlanGroup(g, depth); });
}

Result<std::optional<std::set<std::string>>> SegmentEvaluator::Candidates(const Probe& probe,
                                                                          size_t budget) {
  store::Scope scope = DomainScope(ctx_, domain_);
  std::set<std::string> ids;
  bool over = false;
  auto take = [&](const std::string& index, const std::string& value) {
    return ForEachIndexRef(txn_, scope, index, value, "",
                           [&](const std::string& ref) -> Result<WalkStep> {
                             ids.insert(ref);
                             over = ids.size() > budget;
                             return over ? WalkStep::kStop : WalkStep::kNext;
                           });
  };
  for (const auto& [index, values] : probe.values) {
    for (const auto& v : values) {
      RETURN_IF_ERROR(take(index, v));
      if (over) return std::optional<std::set<std::string>>();
    }
  }
  for (const auto& entry : probe.prefixes) {
    // Not a structured binding: clang (the fuzz build) cannot capture one in the lambda below.
    const auto& index = entry.first;
    for (const auto& prefix : entry.second) {
      RETURN_IF_ERROR(take(index, prefix));
      // Index values sort bytewise, so those starting with the prefix follow it, together.
      RETURN_IF_ERROR(ForEachIndexValue(txn_, scope, index, prefix,
                                        [&](const std::string& v) -> Result<WalkStep> {
                                          if (!v.starts_with(prefix)) return WalkStep::kStop;
                                          RETURN_IF_ERROR(take(index, v));
                                          return over ? WalkStep::kStop : WalkStep::kNext;
                                        }));
      if (over) return std::optional<std::set<std::string>>();
    }
  }
  return std::optional<std::set<std::string>>(std::move(ids));
}

Status SegmentEvaluator::ForEachMember(
    const segment::Query& query,
    const std::function<Result<WalkStep>(const json::object&)>& visit) {
  stats_ = WalkStats();
  store::Scope scope = DomainScope(ctx_, domain_);
  auto test = [&](std::string_view body) -> Result<WalkStep> {
    ++stats_.profiles_read;
    ASSIGN_OR_RETURN(json::object profile, ParseStored(body));
    ASSIGN_OR_RETURN(bool member, MatchesAt(query, profile, 0));
    if (!member) return WalkStep::kNext;
    return visit(profile);
  };
  ASSIGN_OR_RETURN(std::optional<Probe> probe, Plan(query, 0));
  if (probe) {
    // Only a complete index may narrow the walk (attribute_index.h: the callers fill it first).
    ASSIGN_OR_RETURN(bool complete, AttributeRowsComplete(txn_, ctx_, domain_));
    if (!complete) probe.reset();
  }
  std::optional<std::set<std::string>> ids;
  if (probe) {
    // The index is worth it while its entries hold few enough of the domain's profiles.
    ASSIGN_OR_RETURN(DomainTotals totals, ReadDomainStats(txn_, scope));
    size_t budget =
        static_cast<size_t>(std::max<int64_t>(kMinIndexBudget, totals.profiles / kPointReadCost));
    ASSIGN_OR_RETURN(ids, Candidates(*probe, budget));
    stats_.index_declined = !ids;
  }
  if (!ids) {
    return ForEachDocument(txn_, scope, kProfileKind, "", "",
                           [&](const store::Document& doc) { return test(doc.body); });
  }
  stats_.used_index = true;
  for (const std::string& id : *ids) {
    ASSIGN_OR_RETURN(auto body, txn_.Get(scope, kProfileKind, id));
    if (!body) continue;  // a row of a profile deleted in this snapshot's past cannot be; skip
    ASSIGN_OR_RETURN(WalkStep step, test(*body));
    if (step == WalkStep::kStop) break;
  }
  return OkStatus();
}

}  // namespace profiled::service
