// File: registry.h
// Operations as functions from a validated input document to an output document. The api layer
// has already bound path/query/header/body members into `input` and checked every constraint of
// the model, so a handler may rely on required members being present and well-typed.
// Documents use the model's member names; timestamps are epoch seconds (numbers).
//
// Why Boost.JSON values rather than generated structs: the validator has already enforced the
// shape, the profile store keeps documents as JSON, and the UpdateProfile patch rules need to
// tell "absent" from "empty" for every member; a JSON object says exactly that with no
// generated code to compile on every change.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace profiled::store {
class Store;
}

namespace profiled::service {

class Background;
class DomainCache;
struct Destinations;

// Who is calling, and where: every resource is scoped by the caller's account.
struct RequestContext {
  std::string account_id;
  std::string region;
  std::string request_id;
  // The Host header the client used (api layer), for URLs that point back at this listener
  // (GetUploadJobPath); empty outside a request.
  std::string host = {};
};

// What the services need from the process; owned by main, outlives the registry.
struct ServiceEnv {
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  // Where a service starts a task that works beside the requests (service/background.h); null in
  // tests that start none.
  Background* background = nullptr;
  // S3 and Kinesis (service/destinations.h); null in tests that send nothing.
  const Destinations* destinations = nullptr;
  // Domain documents kept in memory (service/domain_cache.h); null where another process may
  // write the store (PostgreSQL, SQLite).
  DomainCache* domains = nullptr;
};

using Handler =
    std::function<Result<boost::json::object>(const RequestContext&, boost::json::object input)>;

// One way to serve an operation: Register. A name is served by at most one handler, and only a
// name the model has can be served, so a typo or a copy-pasted registration stops the server at
// startup instead of leaving an operation unserved or served by the wrong function.
class Registry {
 public:
  // Accepts any name: for tests of the service layer alone, which have no model (service/ does
  // not depend on api/).
  Registry() = default;
  // Accepts only these names; main passes the model's operations (api::Model::OperationNames).
  explicit Registry(std::vector<std::string> known_operations);

  // Registers `handler`, or refuses with kInternal, registering nothing, when `operation` is
  // already registered or is not one of the known operations.
  Status TryRegister(std::string operation, Handler handler);
  // TryRegister, or, when it refuses, prints why to stderr and aborts: registrations run once at
  // startup and a refused one is a bug in the code, not a condition to handle.
  void Register(std::string operation, Handler handler);

  // Returns nullptr when the operation is not served.
  const Handler* Find(std::string_view operation) const {
    auto it = handlers_.find(operation);
    return it == handlers_.end() ? nullptr : &it->second;
  }
  size_t size() const { return handlers_.size(); }

 private:
  std::optional<std::set<std::string, std::less<>>> known_;  // nullopt: any name
  std::map<std::string, Handler, std::less<>> handlers_;
};

// Registers every operation Profiled serves. Defined in register_all.cc.
void RegisterAll(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
