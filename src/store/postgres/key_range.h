// File: key_range.h
// Prefix queries as half-open bytewise ranges [prefix, upper), so that PostgreSQL answers them
// from the primary key (bytea compares like memcmp) instead of LIKE.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace profiled::store::postgres {

// The smallest key greater than every key that starts with `prefix`, or std::nullopt when there
// is none (an empty prefix, or one made only of 0xFF bytes): then the range has no upper end.
std::optional<std::string> PrefixUpperBound(std::string_view prefix);

}  // namespace profiled::store::postgres
