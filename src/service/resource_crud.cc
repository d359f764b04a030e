// The generic create / get / update / list / delete of a named document resource (see
// resource_crud.h).
#include "service/resource_crud.h"

#include <boost/json/array.hpp>
#include <memory>
#include <optional>
#include <string>

#include "service/common.h"
#include "service/object_type.h"
#include "service/tags.h"

namespace profiled::service {
namespace json = boost::json;

std::string ResourceArn(const RequestContext& ctx, std::string_view domain,
                        std::string_view collection, std::string_view name) {
  std::string resource = "domains/";
  resource.append(domain).append("/").append(collection).append("/").append(name);
  return Arn(ctx, resource);
}

json::object PickMembers(const json::object& from, const std::vector<std::string_view>& members) {
  json::object out;
  for (std::string_view m : members) {
    auto it = from.find(m);
    if (it != from.end() && !it->value().is_null()) out[m] = it->value();
  }
  return out;
}

namespace {

std::string NotFoundMessage(std::string_view label, std::string_view name,
                            std::string_view domain) {
  return std::string(label) + " " + std::string(name) + " does not exist in domain " +
         std::string(domain);
}

}  // namespace

Status RequireResourceOfKind(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                             std::string_view kind, std::string_view label, std::string_view name) {
  ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kind, name));
  if (!body) return Error::NotFound(NotFoundMessage(label, name, domain));
  return OkStatus();
}

Result<json::object> LoadResource(store::Txn& txn, const RequestContext& ctx,
                                  std::string_view domain, const ResourceSpec& spec,
                                  std::string_view name) {
  ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), spec.kind, name));
  if (!body) return Error::NotFound(NotFoundMessage(spec.label, name, domain));
  return ParseStored(*body);
}

Result<bool> SubResourceExists(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                               std::string_view rest) {
  // ARN collection -> store kind. Integration names (Uris) may themselves contain '/', so the
  // name is everything after the collection.
  static constexpr std::pair<std::string_view, std::string_view> kCollections[] = {
      {"object-types", kObjectTypeKind},
      {"integrations", kIntegrationKind},
      {"event-streams", kEventStreamKind},
      {"layouts", kDomainLayoutKind},
      {"event-triggers", kEventTriggerKind},
      {"calculated-attributes", kCalculatedAttributeKind},
      {"segment-definitions", kSegmentDefinitionKind},
      {"domain-object-types", kDomainObjectTypeKind},
      {"recommenders", kRecommenderKind},
      {"recommender-filters", kRecommenderFilterKind},
      {"recommender-schemas", kRecommenderSchemaKind},
  };
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view collection = rest.substr(0, slash), name = rest.substr(slash + 1);
  if (name.empty()) return false;
  for (const auto& [c, kind] : kCollections) {
    if (c != collection) continue;
    ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kind, name));
    return body.has_value();
  }
  return false;
}

namespace {

using SpecPtr = std::shared_ptr<const ResourceSpec>;

struct Call {
  const ServiceEnv& env;
  const RequestContext& ctx;
  const ResourceSpec& spec;
  const json::object& in;
  std::string domain;
  std::string name;

  Call(const ServiceEnv& e, const RequestContext& c, const ResourceSpec& s, const json::object& i)
      : env(e), ctx(c), spec(s), in(i) {
    domain = GetStringOr(in, "DomainName", "");
    name = GetStringOr(in, spec.name_member, "");
  }

  store::Scope scope() const { return DomainScope(ctx, domain); }
  std::string arn(std::string_view n) const { return ResourceArn(ctx, domain, spec.collection, n); }

  // The stored document as the response shapes see it (the serializer keeps each shape's part).
  Result<json::object> View(store::Txn& txn, std::string_view n, json::object doc) const {
    doc["DomainName"] = domain;
    std::string resource_arn = arn(n);
    if (!spec.arn_member.empty()) doc[spec.arn_member] = resource_arn;
    ASSIGN_OR_RETURN(json::object tags, LoadTags(txn, ctx, resource_arn));
    if (!tags.empty()) doc["Tags"] = std::move(tags);
    if (spec.derive) spec.derive(doc);
    return doc;
  }

  Status Write(store::Txn& txn, json::object& doc, const json::object* previous) const {
    if (spec.prepare) RETURN_IF_ERROR(spec.prepare(txn, ctx, domain, doc, previous));
    RETURN_IF_ERROR(txn.Put(scope(), spec.kind, name, Serialize(doc)));
    if (spec.after_put) RETURN_IF_ERROR(spec.after_put(txn, ctx, domain, name));
    return OkStatus();
  }
};

Result<json::object> Create(const ServiceEnv& env, const RequestContext& ctx,
                            const ResourceSpec& spec, const json::object& in) {
  Call call(env, ctx, spec, in);
  json::object out;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, call.domain));
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(call.scope(), spec.kind, call.name));
    std::optional<json::object> previous;
    if (body) {
      if (!spec.upsert) {
        return Error::BadRequest(std::string(spec.label) + " " + call.name +
                                 " already exists in domain " + call.domain);
      }
      ASSIGN_OR_RETURN(previous, ParseStored(*body));
    }
    json::object doc = PickMembers(in, spec.create_members);
    doc[spec.name_member] = call.name;
    double now = env.clock->NowEpochSeconds();
    doc["CreatedAt"] =
        previous && previous->contains("CreatedAt") ? previous->at("CreatedAt") : json::value(now);
    doc["LastUpdatedAt"] = now;
    RETURN_IF_ERROR(call.Write(txn, doc, previous ? &*previous : nullptr));
    if (const json::object* tags = GetObject(in, "Tags")) {
      RETURN_IF_ERROR(MergeTags(txn, ctx, call.arn(call.name), *tags));
    }
    ASSIGN_OR_RETURN(out, call.View(txn, call.name, std::move(doc)));
    return OkStatus();
  }));
  return out;
}

Result<json::object> Get(const ServiceEnv& env, const RequestContext& ctx, const ResourceSpec& spec,
                         const json::object& in) {
  Call call(env, ctx, spec, in);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, call.domain));
    ASSIGN_OR_RETURN(json::object doc, LoadResource(txn, ctx, call.domain, spec, call.name));
    ASSIGN_OR_RETURN(out, call.View(txn, call.name, std::move(doc)));
    return OkStatus();
  }));
  return out;
}

Result<json::object> Update(const ServiceEnv& env, const RequestContext& ctx,
                            const ResourceSpec& spec, const json::object& in) {
  Call call(env, ctx, spec, in);
  json::object out;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, call.domain));
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(call.scope(), spec.kind, call.name));
    if (!body) return Error::NotFound(NotFoundMessage(spec.label, call.name, call.domain));
    ASSIGN_OR_RETURN(json::object previous, ParseStored(*body));
    json::object doc = previous;
    for (const auto& [k, v] : PickMembers(in, spec.update_members)) doc[k] = v;
    doc["LastUpdatedAt"] = env.clock->NowEpochSeconds();
    RETURN_IF_ERROR(call.Write(txn, doc, &previous));
    ASSIGN_OR_RETURN(out, call.View(txn, call.name, std::move(doc)));
    return OkStatus();
  }));
  return out;
}

Result<json::object> List(const ServiceEnv& env, const RequestContext& ctx,
                          const ResourceSpec& spec, std::string_view purpose,
                          const json::object& in) {
  Call call(env, ctx, spec, in);
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, purpose));
  size_t page = PageSize(in, spec.max_page, spec.max_page);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, call.domain));
    // One extra row tells whether another page exists, so the last page carries no token.
    ASSIGN_OR_RETURN(auto docs, txn.Scan(call.scope(), spec.kind, "", cursor, page + 1));
    bool more = docs.size() > page;
    if (more) docs.resize(page);
    json::array items;
    for (const auto& d : docs) {
      ASSIGN_OR_RETURN(json::object doc, ParseStored(d.body));
      ASSIGN_OR_RETURN(json::object view, call.View(txn, d.id, std::move(doc)));
      items.push_back(std::move(view));
    }
    out[spec.list_member] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(purpose, docs.back().id);
    return OkStatus();
  }));
  return out;
}

Result<json::object> Delete(const ServiceEnv& env, const RequestContext& ctx,
                            const ResourceSpec& spec, const json::object& in) {
  Call call(env, ctx, spec, in);
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, call.domain));
    ASSIGN_OR_RETURN(bool deleted, txn.Delete(call.scope(), spec.kind, call.name));
    if (!deleted) return Error::NotFound(NotFoundMessage(spec.label, call.name, call.domain));
    if (spec.after_delete) RETURN_IF_ERROR(spec.after_delete(txn, ctx, call.domain, call.name));
    // Only this resource's tags: a name may be a prefix of another's (Uris contain '/').
    RETURN_IF_ERROR(txn.Delete(AccountScope(ctx), kTagsKind, call.arn(call.name)));
    return OkStatus();
  }));
  // Dropped by the serializer where the output shape has no Message (e.g. DeleteEventStream).
  json::object out;
  out["Message"] = std::string(spec.label) + " " + call.name + " was deleted.";
  return out;
}

}  // namespace

void RegisterResource(Registry& registry, const ServiceEnv& env, const ResourceSpec& spec,
                      const ResourceOps& ops) {
  auto shared = std::make_shared<const ResourceSpec>(spec);
  auto bind = [&](auto fn) {
    return [env, shared, fn](const RequestContext& ctx, json::object in) {
      return fn(env, ctx, *shared, in);
    };
  };
  if (!ops.create.empty()) registry.Register(std::string(ops.create), bind(Create));
  if (!ops.get.empty()) registry.Register(std::string(ops.get), bind(Get));
  if (!ops.update.empty()) registry.Register(std::string(ops.update), bind(Update));
  if (!ops.del.empty()) registry.Register(std::string(ops.del), bind(Delete));
  if (!ops.list.empty()) {
    std::string purpose(ops.list);
    registry.Register(purpose, [env, shared, purpose](const RequestContext& ctx, json::object in) {
      return List(env, ctx, *shared, purpose, in);
    });
  }
}

}  // namespace profiled::service
