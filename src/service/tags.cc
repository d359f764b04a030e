// TagResource, UntagResource, ListTagsForResource on any Customer Profiles ARN of the caller's
// account whose resource exists.
#include "service/tags.h"

#include <boost/json/array.hpp>
#include <string>

#include "service/common.h"
#include "service/operations.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr size_t kMaxTags = 50;

// Resolves an ARN to the domain it lives in, or NotFound when it is not one of ours: another
// account's ARN is answered exactly like a missing resource, so it reveals nothing.
Result<std::string> DomainOfArn(const RequestContext& ctx, std::string_view arn) {
  std::string prefix = Arn(ctx, "domains/");
  auto not_found = [&] {
    return Error::NotFound("Resource " + std::string(arn) + " does not exist");
  };
  if (arn.substr(0, prefix.size()) != prefix) return not_found();
  std::string_view rest = arn.substr(prefix.size());
  std::string_view domain = rest.substr(0, rest.find('/'));
  if (domain.empty()) return not_found();
  return std::string(domain);
}

// Checks that the tagged resource exists: the domain, or for sub-resources
// (domains/{d}/{collection}/{name}) the document the collection's service keeps.
Status RequireTaggable(store::Txn& txn, const RequestContext& ctx, std::string_view arn) {
  ASSIGN_OR_RETURN(std::string domain, DomainOfArn(ctx, arn));
  auto not_found = [&] {
    return Error::NotFound("Resource " + std::string(arn) + " does not exist");
  };
  if (!RequireDomain(txn, ctx, domain).ok()) return not_found();
  std::string domain_arn = DomainArn(ctx, domain);
  if (arn.size() > domain_arn.size()) {
    if (arn[domain_arn.size()] != '/') return not_found();
    ASSIGN_OR_RETURN(bool exists,
                     SubResourceExists(txn, ctx, domain, arn.substr(domain_arn.size() + 1)));
    if (!exists) return not_found();
  }
  return OkStatus();
}

}  // namespace

Result<json::object> LoadTags(store::Txn& txn, const RequestContext& ctx, std::string_view arn) {
  ASSIGN_OR_RETURN(auto body, txn.Get(AccountScope(ctx), kTagsKind, arn));
  if (!body) return json::object();
  return ParseStored(*body);
}

namespace {

// The tags of `arn`, locked until commit (even when there are none yet), for a read-modify-write:
// concurrent TagResource/UntagResource calls on one resource then each see the last one's result.
Result<json::object> LoadTagsForUpdate(store::Txn& txn, const RequestContext& ctx,
                                       std::string_view arn) {
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(AccountScope(ctx), kTagsKind, arn));
  if (!body) return json::object();
  return ParseStored(*body);
}

}  // namespace

Status MergeTags(store::Txn& txn, const RequestContext& ctx, std::string_view arn,
                 const json::object& tags) {
  ASSIGN_OR_RETURN(json::object current, LoadTagsForUpdate(txn, ctx, arn));
  for (const auto& [k, v] : tags) current[k] = v;
  if (current.size() > kMaxTags) {
    return Error::BadRequest("A resource can have at most 50 tags; this request would leave " +
                             std::to_string(current.size()));
  }
  return txn.Put(AccountScope(ctx), kTagsKind, arn, Serialize(current));
}

Status DeleteTagsUnder(store::Txn& txn, const RequestContext& ctx, std::string_view arn) {
  RETURN_IF_ERROR(txn.Delete(AccountScope(ctx), kTagsKind, arn));
  RETURN_IF_ERROR(txn.DeleteKind(AccountScope(ctx), kTagsKind, std::string(arn) + "/"));
  return OkStatus();
}

void RegisterTagOperations(Registry& registry, const ServiceEnv& env) {
  store::Store* store = env.store;

  registry.Register("TagResource",
                    [store](const RequestContext& ctx, json::object in) -> Result<json::object> {
                      std::string arn = GetStringOr(in, "resourceArn", "");
                      const json::object* tags = GetObject(in, "tags");
                      RETURN_IF_ERROR(store->Write([&](store::Txn& txn) -> Status {
                        RETURN_IF_ERROR(RequireTaggable(txn, ctx, arn));
                        return MergeTags(txn, ctx, arn, tags ? *tags : json::object());
                      }));
                      return json::object();
                    });

  registry.Register("UntagResource",
                    [store](const RequestContext& ctx, json::object in) -> Result<json::object> {
                      std::string arn = GetStringOr(in, "resourceArn", "");
                      const json::array* keys = GetArray(in, "tagKeys");
                      RETURN_IF_ERROR(store->Write([&](store::Txn& txn) -> Status {
                        RETURN_IF_ERROR(RequireTaggable(txn, ctx, arn));
                        ASSIGN_OR_RETURN(json::object current, LoadTagsForUpdate(txn, ctx, arn));
                        if (keys) {
                          for (const auto& k : *keys) {
                            if (k.is_string()) current.erase(k.get_string());
                          }
                        }
                        if (current.empty()) {
                          RETURN_IF_ERROR(txn.Delete(AccountScope(ctx), kTagsKind, arn));
                          return OkStatus();
                        }
                        return txn.Put(AccountScope(ctx), kTagsKind, arn, Serialize(current));
                      }));
                      return json::object();
                    });

  registry.Register("ListTagsForResource",
                    [store](const RequestContext& ctx, json::object in) -> Result<json::object> {
                      std::string arn = GetStringOr(in, "resourceArn", "");
                      json::object out;
                      RETURN_IF_ERROR(store->Read([&](store::Txn& txn) -> Status {
                        RETURN_IF_ERROR(RequireTaggable(txn, ctx, arn));
                        ASSIGN_OR_RETURN(json::object tags, LoadTags(txn, ctx, arn));
                        out["tags"] = std::move(tags);
                        return OkStatus();
                      }));
                      return out;
                    });
}

}  // namespace profiled::service
