// File: conform.h
// The one walk of a JSON document against a model shape, used both ways: the binder conforms a
// request body to the input shape, the serializer conforms a service's output document to the
// output shape. At every depth it drops what the shape does not declare, so a service sees only
// the model's members and a client only the response shape's.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "api/model.h"

namespace profiled::api {

// Which way a document goes, which says how its object keys are named.
enum class Direction {
  kRequest,   // keys are JSON wire names; they become the model's member names
  kResponse,  // keys are the model's member names; they become JSON wire names
};

// Makes `value` a document of `shape`, in place: in every structure, drops JSON nulls (AWS reads
// them as absent), members the shape does not declare and, at the top, members bound outside the
// body (headers, URI, query, status code), and renames keys per `direction`; turns timestamps
// given as strings into epoch seconds. Keeps the order of the members it keeps. A value of the
// wrong JSON kind for its shape is left for the validator; documents and map keys are not looked
// into. Allocates nothing when there is nothing to drop or rename.
void ConformToShape(const Shape& shape, boost::json::value& value, Direction direction);
void ConformStructure(const Shape& shape, boost::json::object& object, Direction direction);

}  // namespace profiled::api
