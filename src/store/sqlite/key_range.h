// File: key_range.h
// The key bounds of store/key_range.h, by the names the SQLite store (and code written against
// it) uses.
#pragma once

#include "store/key_range.h"

namespace profiled::store::sqlite {

using store::LowerBound;
using store::PrefixUpperBound;

}  // namespace profiled::store::sqlite
