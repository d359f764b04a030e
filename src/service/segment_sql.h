// File: segment_sql.h
// The SegmentSqlQuery subset Profiled evaluates, turned into the same Query a SegmentGroups
// definition is (segment_query.h), so both are counted by one evaluator:
//
//   SELECT * FROM profiles [WHERE <term> [AND|OR <term>]...] [;]
//   <term> := <column> = | <> | != '<text>'          (case-sensitive, like every segment value)
//           | <column> IN ('<text>', ...)
//           | <column> LIKE '<text>%' | '%<text>' | '%<text>%' | '<text>'
//           | <column> = | < | <= | > | >= <number>  (the column read as a number)
//           | <column> IS NOT NULL
//   <column> := a profile attribute: FirstName, Address.City, Attributes.<key> (backticks allowed)
//
// AND binds tighter than OR (each AND-chain is a group, the groups are OR'ed). As in SQL, a
// comparison with an absent column is not true (so `<>` needs the column present). Keywords are
// case-insensitive. Anything else (joins, functions, parentheses, NOT, other tables or columns)
// is BadRequest naming the first unsupported token: Profiled never guesses a count.
#pragma once

#include <string_view>

#include "common/result.h"
#include "service/segment_query.h"

namespace profiled::service::segment {

Result<Query> ParseSegmentSql(std::string_view sql);

}  // namespace profiled::service::segment
