// File: key_range.h
// Prefix queries as half-open bytewise ranges [prefix, upper), so that PostgreSQL answers them
// from the primary key with COLLATE "C" comparisons instead of LIKE.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace profiled::store::postgres {

// The smallest string greater than every string that starts with `prefix`, or std::nullopt when
// there is none (an empty prefix, or one made only of the largest characters): then the range has
// no upper end. A valid UTF-8 prefix yields valid UTF-8 (its last code point is incremented,
// skipping surrogates), because a UTF8 database rejects anything else; UTF-8's bytewise order is
// its code point order, so the range is still exact. Other bytes are incremented bytewise.
std::optional<std::string> PrefixUpperBound(std::string_view prefix);

}  // namespace profiled::store::postgres
