// File: tags.h
// Tags of any resource, kept account-level under its ARN (kTagsKind), so that TagResource works
// on every ARN form without each resource storing its own.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

// The resource's tags ({} when none).
Result<boost::json::object> LoadTags(store::Txn& txn, const RequestContext& ctx,
                                     std::string_view arn);
// Adds or overwrites the given tags; at most 50 remain (BadRequest beyond).
Status MergeTags(store::Txn& txn, const RequestContext& ctx, std::string_view arn,
                 const boost::json::object& tags);
// Removes the tags of `arn` and of every resource below it ("arn/...").
Status DeleteTagsUnder(store::Txn& txn, const RequestContext& ctx, std::string_view arn);

}  // namespace profiled::service
