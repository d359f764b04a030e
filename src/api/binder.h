// File: binder.h
// Builds an operation's one input document from the request: URI labels, query-string members,
// header members and the JSON body (every member without a location), keyed by the model's
// member names. Values are converted to their model types (query and header text to numbers
// and booleans; every timestamp to epoch seconds), JSON nulls are dropped (AWS reads them as
// absent) and unknown body members are dropped (AWS ignores them; api/conform.h). Constraints are
// the validator's job; the binder fails only on input it cannot read.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string_view>

#include "api/model.h"
#include "api/router.h"
#include "common/http_types.h"
#include "common/result.h"

namespace profiled::api {

// Errors: kBadRequest for a body that is not a JSON object, or query/header text that is not
// of its member's type.
Result<boost::json::object> Bind(const Operation& op, const RouteMatch& route,
                                 std::string_view query, const HttpRequest& request);

// Parses a timestamp in any AWS wire form: epoch seconds ("1700000000.5"), ISO 8601
// ("2023-11-14T22:13:20Z", "...20.5+01:00") or RFC 822 / HTTP date ("Tue, 14 Nov 2023 22:13:20
// GMT"). Returns epoch seconds.
std::optional<double> ParseTimestamp(std::string_view text);

}  // namespace profiled::api
