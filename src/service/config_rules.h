// File: config_rules.h
// Rules between a domain's configuration resources that the resource files share, each the
// check a write runs in its own transaction (docs/resources.md, "Rules between resources").
#pragma once

#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

// BadRequest naming the segment definition when one of the domain's SegmentGroups definitions
// segments on calculated attribute `name` (a CalculatedAttributes dimension): creating the
// segment required the definition to exist, and deleting it would silently turn the dimension
// into "no value". Run by DeleteCalculatedAttributeDefinition in the deleting transaction.
Status RefuseDeleteCalculatedAttributeInUse(store::Txn& txn, const RequestContext& ctx,
                                            std::string_view domain, std::string_view name);

}  // namespace profiled::service
