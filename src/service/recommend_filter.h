// File: recommend_filter.h
// Recommender filter expressions (CreateRecommenderFilter's RecommenderFilterExpression), the
// Amazon Personalize syntax Customer Profiles passes on, in the part Profiled evaluates
// (docs/recommendations.md, "Filters"):
//
//   expression := clause ( "|" clause )*
//   clause     := ( INCLUDE | EXCLUDE ) ItemID WHERE condition ( ( AND | OR ) condition )*
//   condition  := Items.<field> ( IN | NOT IN ) ( value, ... )
//               | Items.<field> ( = | < | > | <= | >= ) value
//               | Interactions.EVENT_TYPE ( IN | NOT IN ) ( value, ... )
//   value      := "text" | number | $PARAMETER
//
// AND binds tighter than OR; keywords and Interactions.EVENT_TYPE's values ignore case, item
// fields are matched without case against the item's catalog members and then its Attributes.
// Every clause must keep an item for it to be recommended. A $PARAMETER takes its value from
// the request's Values (several values separated by commas, each optionally in double quotes).
#pragma once

#include <boost/json/object.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace profiled::service::recommend {

struct FilterValue {
  std::string text;
  bool parameter = false;  // text is the parameter's name (without '$')
};

struct FilterCondition {
  bool interactions = false;  // Interactions.EVENT_TYPE; otherwise Items.<field>
  std::string field;
  enum class Op { kIn, kNotIn, kEq, kLt, kGt, kLe, kGe } op = Op::kIn;
  std::vector<FilterValue> values;
};

struct FilterClause {
  bool include = true;
  std::vector<std::vector<FilterCondition>> any_of;  // OR of ANDs
};

struct Filter {
  std::vector<FilterClause> clauses;
  std::set<std::string> parameters;
};

// BadRequest naming RecommenderFilterExpression and what is wrong.
Result<Filter> ParseFilter(std::string_view expression);

// The filter with every parameter replaced by its values. BadRequest naming `member` when a
// parameter has no value, or a comparison's value is not a number.
Result<Filter> BindFilter(const Filter& filter, const boost::json::object* values,
                          std::string_view member);

// Whether a bound filter keeps an item: its catalog metadata (recommend_model.h) and the event
// types of the requesting profile's interactions with it.
bool FilterKeeps(const Filter& filter, const boost::json::object& catalog,
                 const std::set<std::string>& interaction_types);

}  // namespace profiled::service::recommend
