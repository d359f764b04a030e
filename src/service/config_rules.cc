#include "service/config_rules.h"

#include <boost/json/object.hpp>
#include <string>

#include "service/common.h"
#include "service/resource_crud.h"
#include "service/segment_query.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;

Status RefuseDeleteCalculatedAttributeInUse(store::Txn& txn, const RequestContext& ctx,
                                            std::string_view domain, std::string_view name) {
  return ForEachDocument(txn, DomainScope(ctx, domain), kSegmentDefinitionKind, "", "",
                         [&](const store::Document& d) -> Status {
                           ASSIGN_OR_RETURN(json::object def, ParseStored(d.body));
                           const json::object* groups = GetObject(def, "SegmentGroups");
                           if (groups == nullptr)
                             return OkStatus();  // SQL segments name no definitions
                           auto query = segment::ParseSegmentGroups(*groups);
                           if (!query.ok())
                             return OkStatus();  // stored by an older rule set: names nothing known
                           if (segment::CalculatedNames(*query).count(std::string(name)) == 0)
                             return OkStatus();
                           return Error::BadRequest("Calculated attribute " + std::string(name) +
                                                    " is used by segment definition " + d.id +
                                                    "; delete or change that first");
                         });
}

}  // namespace profiled::service
