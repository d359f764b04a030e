// File: profile_ops.h
// The profile store's files register their operations through these; RegisterProfileOperations
// (profiles.cc) calls each, so operations.h keeps one entry for the whole profile store.
#pragma once

#include "service/registry.h"

namespace profiled::service {

void RegisterSearchOperations(Registry& registry, const ServiceEnv& env);   // search.cc
void RegisterHistoryOperations(Registry& registry, const ServiceEnv& env);  // history.cc
void RegisterAttributeValueOperations(Registry& registry,
                                      const ServiceEnv& env);  // attribute_values.cc

}  // namespace profiled::service
