// File: segment_ops.h
// What segment.cc (the definitions) uses of the segment evaluation operations (segment_ops.cc).
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

// Checks a segment definition about to be stored: its SegmentGroups parse, name existing
// SourceSegments and calculated attributes, and keep the documented limits (segment_eval.h).
Status CheckSegmentDefinition(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                              const boost::json::object& doc, double now);

// CreateSegmentEstimate, GetSegmentEstimate, GetSegmentMembership, CreateSegmentSnapshot,
// GetSegmentSnapshot.
void RegisterSegmentEvaluationOperations(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
