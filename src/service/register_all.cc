#include "service/operations.h"

namespace profiled::service {

void RegisterAll(Registry& registry, const ServiceEnv& env) {
  RegisterDomainOperations(registry, env);
  RegisterTagOperations(registry, env);
  RegisterProfileOperations(registry, env);
  RegisterObjectOperations(registry, env);
  RegisterMergeOperations(registry, env);
  RegisterMatchingOperations(registry, env);
}

}  // namespace profiled::service
