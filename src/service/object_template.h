// File: object_template.h
// The catalogue of object type templates (ListProfileObjectTypeTemplates,
// GetProfileObjectTypeTemplate, PutProfileObjectType with TemplateId). The catalogue is data:
// object_templates_data.cc holds one JSON document per template, each written from the source
// system's public record layout, and every template passes ValidateObjectTypeDefinition (a unit
// test checks it).
#pragma once

#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace profiled::service {

// The raw catalogue: one JSON text per template, each a GetProfileObjectTypeTemplateResponse.
// Defined in object_templates_data.cc.
std::vector<std::string_view> ObjectTemplateSources();

// Every template, parsed once, ordered by TemplateId.
const std::vector<boost::json::object>& ObjectTemplates();

// The template (GetProfileObjectTypeTemplateResponse shape), or NotFound naming it.
Result<boost::json::object> FindObjectTemplate(std::string_view template_id);

}  // namespace profiled::service
