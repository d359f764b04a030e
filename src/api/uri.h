// File: uri.h
// Query-string and request-target splitting for the router and the binder.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/hex.h"

namespace profiled::api {

// PercentDecode (common/hex.h) is lenient like the AWS front ends: a '%' not followed by two hex
// digits is kept as it is.

// Splits "a=1&b=x%20y&c" into decoded pairs ({"c", ""} for a key without '=').
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);

// Splits a request-target into its path and query (without '?'). An absolute-form target
// ("http://host/path?q") is reduced to its path.
void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query);

}  // namespace profiled::api
