// File: calculated_attribute.h
// Calculated attribute definitions: the rules of a definition as plain functions.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "service/registry.h"

namespace profiled::service {

// One "{ObjectTypeName.AttributeName}" element of a definition's Expression.
struct ExpressionTerm {
  std::string object_type;
  std::string attribute;
};

// The elements of AttributeDetails.Expression (ParseCalcExpression in
// calculated_attribute_rules.h: one element, or two joined by + - * /). BadRequest when an
// element is not "{ObjectTypeName.AttributeName}", when they name more than one object type, or
// when an attribute is not listed in AttributeDetails.Attributes (by "AttributeName" or the full
// "ObjectTypeName.AttributeName").
Result<std::vector<ExpressionTerm>> ParseAttributeDetails(const boost::json::object& details);

// GetCalculatedAttributeForProfile, ListCalculatedAttributesForProfile and
// BatchGetCalculatedAttributeForProfile (calculated_attribute_value.cc); called by
// RegisterCalculatedAttributeOperations.
void RegisterCalculatedAttributeValueOperations(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
