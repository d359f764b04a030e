// File: serializer.h
// An operation's output document -> the rest-json response: members bound to headers become
// headers, a statusCode member becomes the status, the rest is the JSON body; timestamps are
// epoch seconds. The status is the operation's http.responseCode, else 200.
//
// The output shape is the authority on what a response holds: a member that the shape does not
// declare (at the top or in any nested structure, list element or map value) is dropped
// silently (api/conform.h), so a service may hand over its whole stored document and get the
// response shape. JSON nulls are dropped too.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "api/model.h"
#include "common/http_types.h"

namespace profiled::api {

HttpResponse Serialize(const Operation& op, boost::json::object output,
                       std::string_view request_id);

}  // namespace profiled::api
