// PutProfileObjectType, GetProfileObjectType, ListProfileObjectTypes, DeleteProfileObjectType,
// and the definition's rules as plain functions.
#include "service/object_type.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <string>

#include "service/calculated_attribute_upkeep.h"
#include "service/common.h"
#include "service/object_template.h"
#include "service/operations.h"
#include "service/profile_object.h"
#include "service/profile_patch.h"
#include "service/tags.h"
#include "service/type_scrub.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kListTypesPurpose = "ListProfileObjectTypes";
// Members a template defines; a request naming a TemplateId must leave them out.
constexpr std::string_view kTemplateMembers[] = {"Fields", "Keys", "AllowProfileCreation",
                                                 "SourceLastUpdatedTimestampFormat"};
// Members copied verbatim from the request into the stored definition.
constexpr std::string_view kPlainMembers[] = {"Description",
                                              "TemplateId",
                                              "ExpirationDays",
                                              "EncryptionKey",
                                              "AllowProfileCreation",
                                              "SourceLastUpdatedTimestampFormat",
                                              "MaxProfileObjectCount",
                                              "SourcePriority",
                                              "Fields",
                                              "Keys"};

Status ValidateField(std::string_view name, const json::object& field) {
  auto bad = [&](std::string why) {
    return Error::BadRequest("Field " + std::string(name) + ": " + why);
  };
  auto source = GetString(field, "Source");
  if (!source || source->empty()) return bad("Source is required");
  bool is_path = source->substr(0, 8) == "_source.";
  bool is_template = source->find("{{_source.") != std::string_view::npos;
  if (!is_path && !is_template) {
    return bad("Source must be _source.<path> or contain {{_source.<path>}}, not " +
               std::string(*source));
  }
  auto target = GetString(field, "Target");
  if (!target) return OkStatus();
  if (target->substr(0, 9) == "_profile.") {
    if (!IsProfileStringPath(target->substr(9))) {
      return bad("Target " + std::string(*target) + " is not a field of the standard profile");
    }
    return OkStatus();
  }
  for (std::string_view prefix : {"_asset.", "_case.", "_order."}) {
    if (target->substr(0, prefix.size()) == prefix && target->size() > prefix.size()) {
      return OkStatus();
    }
  }
  return bad("Target must start with _profile., _asset., _case. or _order., not " +
             std::string(*target));
}

}  // namespace

bool KeyDef::Has(std::string_view identifier) const {
  return std::find(identifiers.begin(), identifiers.end(), identifier) != identifiers.end();
}

std::vector<KeyDef> KeyDefs(const json::object& type) {
  std::vector<KeyDef> out;
  const json::object* keys = GetObject(type, "Keys");
  if (!keys) return out;
  for (const auto& [name, list] : *keys) {
    const json::array* entries = list.if_array();
    if (!entries) continue;
    for (const json::value& entry : *entries) {
      const json::object* e = entry.if_object();
      if (!e) continue;
      KeyDef def;
      def.name = std::string(name);
      if (const json::array* ids = GetArray(*e, "StandardIdentifiers")) {
        for (const auto& id : *ids) {
          if (id.is_string()) def.identifiers.emplace_back(id.get_string());
        }
      }
      if (const json::array* fields = GetArray(*e, "FieldNames")) {
        for (const auto& f : *fields) {
          if (f.is_string()) def.field_names.emplace_back(f.get_string());
        }
      }
      out.push_back(std::move(def));
    }
  }
  return out;
}

Status ValidateObjectTypeDefinition(const json::object& type) {
  const json::object* fields = GetObject(type, "Fields");
  const json::object* keys = GetObject(type, "Keys");
  if (!keys || keys->empty()) {
    return Error::BadRequest("An object type must define at least one key in Keys");
  }
  if (fields) {
    for (const auto& [name, field] : *fields) {
      if (!field.is_object())
        return Error::BadRequest("Field " + std::string(name) + " is invalid");
      RETURN_IF_ERROR(ValidateField(name, field.get_object()));
    }
  }
  for (const auto& [name, list] : *keys) {
    if (!list.is_array() || list.get_array().empty()) {
      return Error::BadRequest("Key " + std::string(name) + " must have at least one definition");
    }
  }
  std::vector<KeyDef> defs = KeyDefs(type);
  int unique = 0;
  for (const KeyDef& def : defs) {
    if (def.field_names.empty()) {
      return Error::BadRequest("Key " + def.name + " must name at least one field in FieldNames");
    }
    for (const std::string& f : def.field_names) {
      if (!fields || !fields->contains(f)) {
        return Error::BadRequest("Key " + def.name + " names field " + f +
                                 ", which is not defined in Fields");
      }
    }
    if (def.IsUnique()) ++unique;
  }
  if (unique != 1) {
    return Error::BadRequest(
        "An object type must have exactly one key with the UNIQUE standard "
        "identifier; this one has " +
        std::to_string(unique));
  }
  return OkStatus();
}

Status ValidatePutObjectTypeRequest(const json::object& input) {
  std::string name = GetStringOr(input, "ObjectTypeName", "");
  if (!name.empty() && name[0] == '_') {
    return Error::BadRequest("ObjectTypeName " + name +
                             " is reserved: names starting with '_' belong to standard objects");
  }
  if (GetString(input, "TemplateId")) {
    for (std::string_view m : kTemplateMembers) {
      if (input.contains(m)) {
        return Error::BadRequest(std::string(m) +
                                 " must not be given with TemplateId: the template defines it");
      }
    }
  }
  return OkStatus();
}

Result<json::object> BuildObjectType(const json::object& input, const json::object* existing,
                                     double now) {
  RETURN_IF_ERROR(ValidatePutObjectTypeRequest(input));
  json::object type;
  type["ObjectTypeName"] = GetStringOr(input, "ObjectTypeName", "");
  for (std::string_view m : kPlainMembers) {
    auto it = input.find(m);
    if (it != input.end()) type[m] = it->value();
  }
  if (auto template_id = GetString(input, "TemplateId")) {
    auto found = FindObjectTemplate(*template_id);
    if (!found.ok()) {
      return Error::BadRequest("TemplateId " + std::string(*template_id) + " does not exist");
    }
    for (std::string_view m : kTemplateMembers) {
      auto it = found->find(m);
      if (it != found->end()) type[m] = it->value();
    }
  }
  if (!type.contains("AllowProfileCreation")) type["AllowProfileCreation"] = false;
  if (auto max = GetInt(type, "MaxProfileObjectCount")) {
    type["MaxAvailableProfileObjectCount"] = *max;
  }
  RETURN_IF_ERROR(ValidateObjectTypeDefinition(type));
  type["CreatedAt"] =
      existing && existing->contains("CreatedAt") ? existing->at("CreatedAt") : json::value(now);
  type["LastUpdatedAt"] = now;
  return type;
}

Result<json::object> LoadObjectType(store::Txn& txn, const RequestContext& ctx,
                                    std::string_view domain, std::string_view name) {
  ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kObjectTypeKind, name));
  if (!body) {
    return Error::NotFound("Object type " + std::string(name) + " does not exist in domain " +
                           std::string(domain));
  }
  return ParseStored(*body);
}

std::string ObjectTypeArn(const RequestContext& ctx, std::string_view domain,
                          std::string_view name) {
  return Arn(ctx, "domains/" + std::string(domain) + "/object-types/" + std::string(name));
}

namespace {

Result<json::object> WithTags(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                              json::object type) {
  ASSIGN_OR_RETURN(
      json::object tags,
      LoadTags(txn, ctx, ObjectTypeArn(ctx, domain, GetStringOr(type, "ObjectTypeName", ""))));
  if (!tags.empty()) type["Tags"] = std::move(tags);
  return type;
}

Result<json::object> PutProfileObjectType(const ServiceEnv& env, const RequestContext& ctx,
                                          const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string name = GetStringOr(in, "ObjectTypeName", "");
  RETURN_IF_ERROR(ValidatePutObjectTypeRequest(in));
  json::object out;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kObjectTypeKind, name));
    std::optional<json::object> existing;
    if (body) {
      ASSIGN_OR_RETURN(existing, ParseStored(*body));
    }
    ASSIGN_OR_RETURN(json::object type, BuildObjectType(in, existing ? &*existing : nullptr,
                                                        env.clock->NowEpochSeconds()));
    RETURN_IF_ERROR(CalcOnObjectTypePut(txn, scope, name, existing ? &*existing : nullptr, type));
    RETURN_IF_ERROR(txn.Put(scope, kObjectTypeKind, name, Serialize(type)));
    if (const json::object* tags = GetObject(in, "Tags")) {
      RETURN_IF_ERROR(MergeTags(txn, ctx, ObjectTypeArn(ctx, domain, name), *tags));
    }
    ASSIGN_OR_RETURN(out, WithTags(txn, ctx, domain, std::move(type)));
    return OkStatus();
  }));
  return out;
}

Result<json::object> GetProfileObjectType(const ServiceEnv& env, const RequestContext& ctx,
                                          const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string name = GetStringOr(in, "ObjectTypeName", "");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(json::object type, LoadObjectType(txn, ctx, domain, name));
    ASSIGN_OR_RETURN(out, WithTags(txn, ctx, domain, std::move(type)));
    return OkStatus();
  }));
  return out;
}

Result<json::object> ListProfileObjectTypes(const ServiceEnv& env, const RequestContext& ctx,
                                            const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kListTypesPurpose));
  size_t page = PageSize(in, 100, 100);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(auto docs,
                     txn.Scan(DomainScope(ctx, domain), kObjectTypeKind, "", cursor, page + 1));
    bool more = docs.size() > page;
    if (more) docs.resize(page);
    json::array items;
    for (const auto& doc : docs) {
      ASSIGN_OR_RETURN(json::object type, ParseStored(doc.body));
      // The serializer keeps ListProfileObjectTypeItem's members of the stored type.
      ASSIGN_OR_RETURN(json::object item, WithTags(txn, ctx, domain, std::move(type)));
      items.push_back(std::move(item));
    }
    out["Items"] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(kListTypesPurpose, docs.back().id);
    return OkStatus();
  }));
  return out;
}

Result<json::object> DeleteProfileObjectType(const ServiceEnv& env, const RequestContext& ctx,
                                             const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string name = GetStringOr(in, "ObjectTypeName", "");
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(bool deleted, txn.Delete(DomainScope(ctx, domain), kObjectTypeKind, name));
    if (!deleted) {
      return Error::NotFound("Object type " + name + " does not exist in domain " + domain);
    }
    // Before the objects go: their index finds the profiles to scrub (type_scrub.h).
    RETURN_IF_ERROR(ScrubObjectTypeFromProfiles(txn, ctx, domain, name));
    RETURN_IF_ERROR(DeleteObjectsOfType(txn, ctx, domain, name));
    return DeleteTagsUnder(txn, ctx, ObjectTypeArn(ctx, domain, name));
  }));
  json::object out;
  out["Message"] = "Object type " + name + " was deleted.";
  return out;
}

}  // namespace

void RegisterObjectTypeOps(Registry& registry, const ServiceEnv& env) {
  registry.Register("PutProfileObjectType", WithEnv(env, PutProfileObjectType));
  registry.Register("GetProfileObjectType", WithEnv(env, GetProfileObjectType));
  registry.Register("ListProfileObjectTypes", WithEnv(env, ListProfileObjectTypes));
  registry.Register("DeleteProfileObjectType", WithEnv(env, DeleteProfileObjectType));
}

void RegisterObjectOperations(Registry& registry, const ServiceEnv& env) {
  RegisterObjectTypeOps(registry, env);
  RegisterObjectTemplateOps(registry, env);
  RegisterProfileObjectOps(registry, env);
  RegisterObjectDetectOps(registry, env);
  RegisterObjectAttributeOps(registry, env);
}

}  // namespace profiled::service
