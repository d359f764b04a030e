// CreateCalculatedAttributeDefinition, GetCalculatedAttributeDefinition,
// UpdateCalculatedAttributeDefinition, ListCalculatedAttributeDefinitions,
// DeleteCalculatedAttributeDefinition.
//
// A definition is a named resource (resource_crud.h). Its Expression names attributes of one
// object type, which must exist in the domain. Definitions take effect at once (nothing is
// precomputed), so Status is COMPLETED with Readiness 100%.
#include "service/calculated_attribute.h"

#include <boost/json/array.hpp>
#include <set>
#include <string>

#include "service/common.h"
#include "service/object_type.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;

Result<std::vector<ExpressionTerm>> ParseAttributeDetails(const json::object& details) {
  std::string expression = GetStringOr(details, "Expression", "");
  std::set<std::string> listed;
  if (const json::array* attributes = GetArray(details, "Attributes")) {
    for (const auto& a : *attributes) {
      if (const json::object* item = a.if_object()) listed.insert(GetStringOr(*item, "Name", ""));
    }
  }
  std::vector<ExpressionTerm> terms;
  size_t pos = 0;
  while ((pos = expression.find('{', pos)) != std::string::npos) {
    size_t end = expression.find('}', pos);
    if (end == std::string::npos) {
      return Error::BadRequest("Expression has an unclosed '{': " + expression);
    }
    std::string element = expression.substr(pos + 1, end - pos - 1);
    size_t dot = element.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == element.size()) {
      return Error::BadRequest("Expression element {" + element +
                               "} must be {ObjectTypeName.AttributeName}");
    }
    ExpressionTerm term{element.substr(0, dot), element.substr(dot + 1)};
    if (!listed.count(term.attribute) && !listed.count(element)) {
      return Error::BadRequest("Expression names " + element +
                               ", which is not listed in AttributeDetails.Attributes");
    }
    if (!terms.empty() && terms.front().object_type != term.object_type) {
      return Error::BadRequest("Expression must name attributes of one object type, not " +
                               terms.front().object_type + " and " + term.object_type);
    }
    terms.push_back(std::move(term));
    pos = end + 1;
  }
  if (terms.empty()) {
    return Error::BadRequest(
        "Expression must contain at least one {ObjectTypeName.AttributeName} element");
  }
  return terms;
}

namespace {

Status PrepareDefinition(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                         json::object& doc, const json::object* previous) {
  if (previous) return OkStatus();  // Update changes neither AttributeDetails nor Statistic.
  const json::object* details = GetObject(doc, "AttributeDetails");
  if (!details) return Error::BadRequest("AttributeDetails is required");
  ASSIGN_OR_RETURN(auto terms, ParseAttributeDetails(*details));
  RETURN_IF_ERROR(LoadObjectType(txn, ctx, domain, terms.front().object_type));
  if (!doc.contains("UseHistoricalData")) doc["UseHistoricalData"] = false;
  return OkStatus();
}

// Computed, not stored: a definition is complete the moment it is stored (nothing precomputes).
void DeriveDefinition(json::object& view) {
  view["Status"] = "COMPLETED";
  json::object readiness;
  readiness["ProgressPercentage"] = 100;
  view["Readiness"] = std::move(readiness);
}

}  // namespace

void RegisterCalculatedAttributeOperations(Registry& registry, const ServiceEnv& env) {
  ResourceSpec spec;
  spec.kind = kCalculatedAttributeKind;
  spec.collection = "calculated-attributes";
  spec.label = "Calculated attribute";
  spec.name_member = "CalculatedAttributeName";
  spec.create_members = {"DisplayName", "Description", "AttributeDetails", "Conditions",
                         "Filter",      "Statistic",   "UseHistoricalData"};
  spec.update_members = {"DisplayName", "Description", "Conditions"};
  spec.prepare = PrepareDefinition;
  spec.derive = DeriveDefinition;
  RegisterResource(registry, env, spec,
                   {.create = "CreateCalculatedAttributeDefinition",
                    .get = "GetCalculatedAttributeDefinition",
                    .update = "UpdateCalculatedAttributeDefinition",
                    .list = "ListCalculatedAttributeDefinitions",
                    .del = "DeleteCalculatedAttributeDefinition"});
  RegisterCalculatedAttributeValueOperations(registry, env);
}

}  // namespace profiled::service
