// File: serializer.h
// An operation's output document -> the rest-json response: members bound to headers become
// headers, a statusCode member becomes the status, the rest is the JSON body; timestamps are
// epoch seconds. The status is the operation's http.responseCode, else 200.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "api/model.h"
#include "common/http_types.h"

namespace profiled::api {

HttpResponse Serialize(const Operation& op, boost::json::object output,
                       std::string_view request_id);

}  // namespace profiled::api
