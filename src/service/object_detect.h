// File: object_detect.h
// DetectProfileObjectType: proposes an object type mapping (Fields, Keys,
// SourceLastUpdatedTimestampFormat) from up to five sample objects, as a plain function.
//   - every leaf value becomes a field named by its path ("address.city"), Source
//     "_source.<path>", ContentType from the values (EMAIL_ADDRESS, PHONE_NUMBER, NUMBER, NAME for
//     name-like fields, else STRING), and a `_profile.` Target when the name says which standard
//     member it is (email, phone, first/last name, city, ...);
//   - keys: an id-like field with distinct values is the UNIQUE key (also PROFILE when it names
//     the customer); email fields give `_email` and phone fields `_phone` PROFILE keys;
//   - an ISO-8601 updated/modified timestamp gives SourceLastUpdatedTimestampFormat.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace profiled::service {

// One DetectedProfileObjectType. BadRequest when a sample is not a JSON object.
Result<boost::json::object> DetectObjectType(const std::vector<std::string>& samples);

}  // namespace profiled::service
