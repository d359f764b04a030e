// File: response_shape.h
// A handler's output as a client receives it: services answer with whole documents and the
// serializer keeps the members of the operation's output shape (api/conform.h), so a test of
// what an operation answers looks through the same filter.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "api/conform.h"
#include "api/model.h"

namespace profiled::service::fixture {

inline boost::json::object AsResponse(std::string_view op, boost::json::object output) {
  const api::Operation* operation = api::Model::Get().FindOperation(op);
  if (operation && operation->output) {
    api::ConformStructure(*operation->output, output, api::Direction::kResponse);
  }
  return output;
}

}  // namespace profiled::service::fixture
