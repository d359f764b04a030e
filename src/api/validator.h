// File: validator.h
// Checks a bound input document against every constraint of its shape in the model: required,
// type, length (strings in code points, lists, maps), range, pattern, enum, union, nested
// structures. Unknown members are ignored, as AWS ignores them.
//
// Failures come back as one kBadRequest whose message is phrased as AWS (Coral) phrases it:
//   1 validation error detected: Value 'x' at 'Address.City' failed to satisfy constraint:
//   Member must have length less than or equal to 255
// Several failures are joined with "; " after "N validation errors detected: ". Paths use the
// model's member names; list elements are "Items.1.member" (1-based), map values "Map.key".
// A value of a sensitive shape (or inside one) is never echoed: "Value at 'Address.City' ...".
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "api/model.h"
#include "common/result.h"

namespace profiled::api {

Status Validate(const Shape& shape, const boost::json::object& input);

// Validates one value of `shape` at `path` (for tests and nested use).
Status ValidateValue(const Shape& shape, const boost::json::value& value, std::string_view path);

}  // namespace profiled::api
