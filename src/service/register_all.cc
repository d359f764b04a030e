#include "service/expiry.h"
#include "service/operations.h"
#include "service/workflow.h"

namespace profiled::service {

void RegisterAll(Registry& registry, const ServiceEnv& env) {
  RegisterDomainOperations(registry, env);
  RegisterTagOperations(registry, env);
  RegisterProfileOperations(registry, env);
  RegisterObjectOperations(registry, env);
  RegisterMergeOperations(registry, env);
  RegisterMatchingOperations(registry, env);
  RegisterIntegrationOperations(registry, env);
  RegisterEventStreamOperations(registry, env);
  RegisterDomainLayoutOperations(registry, env);
  RegisterEventTriggerOperations(registry, env);
  RegisterCalculatedAttributeOperations(registry, env);
  RegisterSegmentOperations(registry, env);
  RegisterDomainObjectTypeOperations(registry, env);
  RegisterRecommenderOperations(registry, env);
  RegisterUploadJobOperations(registry, env);
  // Last: its runner ingests through PutProfileObject's and PutIntegration's handlers.
  RegisterWorkflowOperations(registry, env);
  StartExpiry(env);  // the background sweep of expired profiles and objects (expiry.h)
}

}  // namespace profiled::service
