// File: ids.h
#pragma once

#include <string>

namespace profiled {

// 32 lowercase hex characters: a random (version 4) UUID without dashes, as AWS forms ProfileIds.
std::string NewProfileId();
// A random UUID with dashes, for request ids.
std::string NewUuid();

}  // namespace profiled
