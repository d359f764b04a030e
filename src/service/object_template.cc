// ListProfileObjectTypeTemplates and GetProfileObjectTypeTemplate over the catalogue of
// object_templates_data.cc.
#include "service/object_template.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <string>

#include "service/common.h"
#include "service/object_type.h"

namespace profiled::service {
namespace json = boost::json;

const std::vector<json::object>& ObjectTemplates() {
  static const std::vector<json::object>* templates = [] {
    auto* out = new std::vector<json::object>();
    for (std::string_view text : ObjectTemplateSources()) {
      boost::system::error_code ec;
      json::value v = json::parse(text, ec);
      // The catalogue is compiled in; a broken entry is a build defect that a unit test reports,
      // so it is left out here rather than taking the server down.
      if (ec || !v.is_object()) continue;
      out->push_back(std::move(v.as_object()));
    }
    std::sort(out->begin(), out->end(), [](const json::object& a, const json::object& b) {
      return GetStringOr(a, "TemplateId", "") < GetStringOr(b, "TemplateId", "");
    });
    return out;
  }();
  return *templates;
}

Result<json::object> FindObjectTemplate(std::string_view template_id) {
  for (const json::object& t : ObjectTemplates()) {
    if (GetString(t, "TemplateId") == template_id) return t;
  }
  return Error::NotFound("Template " + std::string(template_id) + " does not exist");
}

namespace {

constexpr std::string_view kListTemplatesPurpose = "ListProfileObjectTypeTemplates";

Result<json::object> ListTemplates(const RequestContext&, const json::object& in) {
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kListTemplatesPurpose));
  size_t page = PageSize(in, 100, 100);
  json::array items;
  std::string last;
  bool more = false;
  for (const json::object& t : ObjectTemplates()) {
    std::string id = GetStringOr(t, "TemplateId", "");
    if (!cursor.empty() && id <= cursor) continue;
    if (items.size() == page) {
      more = true;
      break;
    }
    json::object item;
    item["TemplateId"] = id;
    item["SourceName"] = t.at("SourceName");
    item["SourceObject"] = t.at("SourceObject");
    items.push_back(std::move(item));
    last = id;
  }
  json::object out;
  out["Items"] = std::move(items);
  if (more) out["NextToken"] = EncodeToken(kListTemplatesPurpose, last);
  return out;
}

Result<json::object> GetTemplate(const RequestContext&, const json::object& in) {
  return FindObjectTemplate(GetStringOr(in, "TemplateId", ""));
}

}  // namespace

void RegisterObjectTemplateOps(Registry& registry, const ServiceEnv&) {
  registry.Register(
      "ListProfileObjectTypeTemplates",
      [](const RequestContext& ctx, json::object in) { return ListTemplates(ctx, in); });
  registry.Register("GetProfileObjectTypeTemplate", [](const RequestContext& ctx, json::object in) {
    return GetTemplate(ctx, in);
  });
}

}  // namespace profiled::service
