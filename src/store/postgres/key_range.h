// File: key_range.h
// The key bounds of store/key_range.h, by the names the PostgreSQL store uses: prefix queries
// become half-open bytewise ranges [prefix, upper) that PostgreSQL answers from the primary key
// (bytea compares like memcmp) instead of LIKE.
#pragma once

#include "store/key_range.h"

namespace profiled::store::postgres {

using store::PrefixUpperBound;

}  // namespace profiled::store::postgres
