// CreateCalculatedAttributeDefinition, GetCalculatedAttributeDefinition,
// UpdateCalculatedAttributeDefinition, ListCalculatedAttributeDefinitions,
// DeleteCalculatedAttributeDefinition.
//
// A definition is a named resource (resource_crud.h). Its rules are calculated_attribute_rules.h;
// its values are kept per profile as objects change (calculated_attribute_upkeep.h), filled from
// the stored objects when it is created with UseHistoricalData and whenever it is updated.
#include "service/calculated_attribute.h"

#include <string>
#include <utility>

#include "service/calculated_attribute_rules.h"
#include "service/calculated_attribute_upkeep.h"
#include "service/common.h"
#include "service/config_rules.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;

Result<std::vector<ExpressionTerm>> ParseAttributeDetails(const json::object& details) {
  ASSIGN_OR_RETURN(CalcExpression expression, ParseCalcExpression(details));
  return std::move(expression.terms);
}

namespace {

// Every rule of calculated_attribute_rules.h on the whole document (an update patches Conditions,
// which must hold with the stored AttributeDetails), the object type's existence on creation, and
// the states brought in line: CalcOnDefinitionPut (calculated_attribute_upkeep.h), in the same
// transaction.
Status PrepareDefinition(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                         json::object& doc, const json::object* previous) {
  if (!previous && !doc.contains("UseHistoricalData")) doc["UseHistoricalData"] = false;
  return CalcOnDefinitionPut(txn, DomainScope(ctx, domain),
                             GetStringOr(doc, "CalculatedAttributeName", ""), doc, !previous);
}

Status RetireCalculatedAttribute(store::Txn& txn, const RequestContext& ctx,
                                 std::string_view domain, std::string_view name) {
  RETURN_IF_ERROR(RefuseDeleteCalculatedAttributeInUse(txn, ctx, domain, name));
  return CalcOnDefinitionDeleted(txn, DomainScope(ctx, domain), name);
}

// Historical data is included before the definition is stored (synchronously), so a stored
// definition is always complete: AWS's PREPARING and IN_PROGRESS are over before anyone can look.
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
  spec.after_delete = RetireCalculatedAttribute;
  RegisterResource(registry, env, spec,
                   {.create = "CreateCalculatedAttributeDefinition",
                    .get = "GetCalculatedAttributeDefinition",
                    .update = "UpdateCalculatedAttributeDefinition",
                    .list = "ListCalculatedAttributeDefinitions",
                    .del = "DeleteCalculatedAttributeDefinition"});
  RegisterCalculatedAttributeValueOperations(registry, env);
}

}  // namespace profiled::service
