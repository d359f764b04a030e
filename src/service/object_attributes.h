// File: object_attributes.h
// ListObjectTypeAttributes, ListObjectTypeAttributeValues, GetObjectTypeAttributeStatistics over
// the stored objects of a type. An attribute is a field of the type (a name in its Fields); its
// value in an object is the field's Source evaluated on the object.
#pragma once

#include <optional>
#include <vector>

namespace profiled::service {

struct AttributeStatistics {
  double maximum = 0, minimum = 0, average = 0, standard_deviation = 0;
  double p5 = 0, p25 = 0, p50 = 0, p75 = 0, p95 = 0;
};

// Statistics of `values` (population standard deviation; percentiles by linear interpolation
// between closest ranks). nullopt when `values` is empty.
std::optional<AttributeStatistics> ComputeStatistics(std::vector<double> values);

}  // namespace profiled::service
