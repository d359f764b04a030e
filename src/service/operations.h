// File: operations.h
// One registration function per service file; register_all.cc calls each.
#pragma once

#include "service/registry.h"

namespace profiled::service {

void RegisterDomainOperations(Registry& registry, const ServiceEnv& env);        // domains.cc
void RegisterTagOperations(Registry& registry, const ServiceEnv& env);           // tags.cc
void RegisterProfileOperations(Registry& registry, const ServiceEnv& env);       // profiles.cc
void RegisterObjectOperations(Registry& registry, const ServiceEnv& env);        // object_type.cc
void RegisterMergeOperations(Registry& registry, const ServiceEnv& env);         // merge.cc
void RegisterMatchingOperations(Registry& registry, const ServiceEnv& env);      // matching.cc
void RegisterIntegrationOperations(Registry& registry, const ServiceEnv& env);   // integration.cc
void RegisterEventStreamOperations(Registry& registry, const ServiceEnv& env);   // event_stream.cc
void RegisterDomainLayoutOperations(Registry& registry, const ServiceEnv& env);  // domain_layout.cc
void RegisterEventTriggerOperations(Registry& registry, const ServiceEnv& env);  // event_trigger.cc
void RegisterCalculatedAttributeOperations(Registry& registry,
                                           const ServiceEnv& env);  // calculated_attribute*.cc
void RegisterSegmentOperations(Registry& registry, const ServiceEnv& env);  // segment.cc
void RegisterDomainObjectTypeOperations(Registry& registry,
                                        const ServiceEnv& env);  // domain_object_type.cc
void RegisterRecommenderOperations(Registry& registry, const ServiceEnv& env);  // recommender.cc
void RegisterUploadJobOperations(Registry& registry, const ServiceEnv& env);    // upload_job.cc

}  // namespace profiled::service
