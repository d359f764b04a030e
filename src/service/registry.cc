#include "service/registry.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace profiled::service {

Registry::Registry(std::vector<std::string> known_operations)
    : known_(std::in_place, std::make_move_iterator(known_operations.begin()),
             std::make_move_iterator(known_operations.end())) {}

Status Registry::TryRegister(std::string operation, Handler handler) {
  if (known_ && !known_->contains(operation)) {
    return Error::Internal("cannot register operation '" + operation +
                           "': the service model has no operation of that name");
  }
  if (handlers_.contains(operation)) {
    return Error::Internal("cannot register operation '" + operation +
                           "': it is already registered");
  }
  if (!handler) {
    return Error::Internal("cannot register operation '" + operation + "': no handler");
  }
  handlers_.emplace(std::move(operation), std::move(handler));
  return OkStatus();
}

void Registry::Register(std::string operation, Handler handler) {
  Status status = TryRegister(std::move(operation), std::move(handler));
  if (!status.ok()) {
    std::fprintf(stderr, "profiled: %s\n", status.error().message().c_str());
    std::abort();
  }
}

}  // namespace profiled::service
