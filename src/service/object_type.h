// File: object_type.h
// Profile object types: the definition's rules (pure functions) and its storage.
//
// A stored object type (kObjectTypeKind, id = ObjectTypeName) is the model's
// GetProfileObjectTypeResponse without Tags (tags live with the tags service under
// domains/{d}/object-types/{name}). A type created from a template stores the template's Fields,
// Keys, AllowProfileCreation and SourceLastUpdatedTimestampFormat, so ingestion reads one shape.
// See docs/objects.md.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kObjectTypeKind = "object_type";

// One ObjectTypeKey entry of a definition, flattened with its key name.
struct KeyDef {
  std::string name;                      // the key name (a search key name, e.g. "_email")
  std::vector<std::string> identifiers;  // StandardIdentifiers
  std::vector<std::string> field_names;  // names in Fields

  bool Has(std::string_view identifier) const;
  bool IsUnique() const { return Has("UNIQUE"); }
  // Used to find the object's profile: PROFILE keys (SECONDARY ones after the others).
  bool IsProfileMatch() const { return Has("PROFILE") || Has("SECONDARY"); }
  bool IsSecondary() const { return Has("SECONDARY"); }
  bool IsLookupOnly() const { return Has("LOOKUP_ONLY"); }
  bool IsNewOnly() const { return Has("NEW_ONLY"); }
};

// The keys of a definition's Keys map, in the map's order.
std::vector<KeyDef> KeyDefs(const boost::json::object& type);

// Checks the rules of a complete definition (Fields and Keys already resolved from a template):
// at least one key, exactly one UNIQUE key, every key names fields and only fields of Fields,
// Sources are `_source.…` paths or `{{_source.…}}` templates, `_profile.` Targets name a member
// of the standard profile (`_profile.Address.City`, `_profile.Attributes.Name` included).
Status ValidateObjectTypeDefinition(const boost::json::object& type);

// Checks the request-level rules of PutProfileObjectType: names starting with '_' are reserved;
// with TemplateId, the members the template defines must be left out.
Status ValidatePutObjectTypeRequest(const boost::json::object& input);

// Builds the stored definition from PutProfileObjectType's input (applying a template when
// TemplateId is given) and validates it. `existing` is the stored type being replaced, if any
// (its CreatedAt is kept). `now` is epoch seconds.
Result<boost::json::object> BuildObjectType(const boost::json::object& input,
                                            const boost::json::object* existing, double now);

// The stored definition of `name`, or NotFound naming it.
Result<boost::json::object> LoadObjectType(store::Txn& txn, const RequestContext& ctx,
                                           std::string_view domain, std::string_view name);

// arn:…:domains/{domain}/object-types/{name}
std::string ObjectTypeArn(const RequestContext& ctx, std::string_view domain,
                          std::string_view name);

// Registration of every operation of the object files (object_type*.cc, object_template*.cc,
// profile_object*.cc, object_detect*.cc, object_attributes*.cc). The last one is called by
// RegisterAll; the others are called by it.
void RegisterObjectTypeOps(Registry& registry, const ServiceEnv& env);
void RegisterObjectTemplateOps(Registry& registry, const ServiceEnv& env);
void RegisterProfileObjectOps(Registry& registry, const ServiceEnv& env);
void RegisterObjectDetectOps(Registry& registry, const ServiceEnv& env);
void RegisterObjectAttributeOps(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
