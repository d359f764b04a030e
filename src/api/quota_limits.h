// File: quota_limits.h
// AWS's documented resource quotas for Customer Profiles (domains per account, object types,
// calculated attributes, event streams, event triggers and integrations per domain, keys per
// object type, the size of a profile), checked under `serve --emulate-quotas` before the
// operation that would go past one runs. Counting goes through the registry's own List
// operations for the caller's account, so the check sees exactly what a client would list and
// service/ knows nothing of it. A limit that is reached answers BadRequestException (400): the
// model gives Customer Profiles no quota-exceeded exception, and "You reached the limit of ..." is
// how its other limits are worded. The check and the create are not one transaction: two creates
// racing for the last place may both pass (docs/quotas.md).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/registry.h"

namespace profiled::api {

class ResourceLimits {
 public:
  // The limit names a quota table may set (quota_table.h).
  static std::vector<std::string_view> KnownNames();

  // `limits`: by name; a limit the table leaves out is not checked.
  explicit ResourceLimits(std::map<std::string, int64_t, std::less<>> limits)
      : limits_(std::move(limits)) {}

  // OK, or the BadRequest a client would get from AWS for going past a limit. A count that cannot
  // be taken (the domain does not exist, say) checks nothing: the operation answers for itself.
  Status Check(const service::Registry& registry, const service::RequestContext& context,
               std::string_view operation, const boost::json::object& input,
               size_t body_bytes) const;

 private:
  const int64_t* Find(std::string_view name) const;

  std::map<std::string, int64_t, std::less<>> limits_;
};

}  // namespace profiled::api
