#include "api/model.h"

#include <re2/re2.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "common/log.h"

namespace profiled::api {

// Defined in the build-generated embedded_model.cc (see tools/codegen/embed.cmake).
extern const std::string_view kEmbeddedModel;

namespace json = boost::json;

std::string_view ShapeTypeName(ShapeType type) {
  switch (type) {
    case ShapeType::kString:
      return "string";
    case ShapeType::kInteger:
      return "integer";
    case ShapeType::kLong:
      return "long";
    case ShapeType::kFloat:
      return "float";
    case ShapeType::kDouble:
      return "double";
    case ShapeType::kBoolean:
      return "boolean";
    case ShapeType::kTimestamp:
      return "timestamp";
    case ShapeType::kBlob:
      return "blob";
    case ShapeType::kStructure:
      return "structure";
    case ShapeType::kList:
      return "list";
    case ShapeType::kMap:
      return "map";
    case ShapeType::kDocument:
      return "document";
  }
  return "unknown";
}

// ---- Pattern ----

namespace {

// Recognizes "^(?!literal)rest" where literal has no regex metacharacters; returns the literal
// and rewrites `rest` to "^rest".
bool SplitNegativeLookahead(const std::string& source, std::string* literal, std::string* rest) {
  static constexpr std::string_view kOpen = "^(?!";
  if (source.compare(0, kOpen.size(), kOpen) != 0) return false;
  size_t close = source.find(')', kOpen.size());
  if (close == std::string::npos) return false;
  std::string lit = source.substr(kOpen.size(), close - kOpen.size());
  if (lit.empty() || lit.find_first_of("\\^$.|?*+()[]{}") != std::string::npos) return false;
  *literal = std::move(lit);
  // Appended rather than "^" + substr(...): GCC 12 -O3 flags that with a false -Wrestrict.
  std::string anchored(1, '^');
  anchored.append(source, close + 1);
  *rest = std::move(anchored);
  return true;
}

}  // namespace

Pattern::Pattern(std::string source) : source_(std::move(source)) {
  std::string effective = source_;
  std::string literal, rest;
  if (SplitNegativeLookahead(source_, &literal, &rest)) {
    forbidden_prefix_ = std::move(literal);
    effective = std::move(rest);
  }
  RE2::Options options;
  options.set_log_errors(false);
  re_ = std::make_unique<re2::RE2>(effective, options);
  if (!re_->ok()) error_ = re_->error();
}

Pattern::~Pattern() = default;

bool Pattern::ok() const { return re_ && re_->ok(); }

bool Pattern::Matches(std::string_view text) const {
  if (!forbidden_prefix_.empty() && text.substr(0, forbidden_prefix_.size()) == forbidden_prefix_) {
    return false;
  }
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

// ---- Model ----

namespace {

Result<ShapeType> ParseType(std::string_view t) {
  static const std::map<std::string_view, ShapeType> kTypes = {
      {"string", ShapeType::kString},
      {"integer", ShapeType::kInteger},
      {"long", ShapeType::kLong},
      {"float", ShapeType::kFloat},
      {"double", ShapeType::kDouble},
      {"boolean", ShapeType::kBoolean},
      {"timestamp", ShapeType::kTimestamp},
      {"blob", ShapeType::kBlob},
      {"structure", ShapeType::kStructure},
      {"list", ShapeType::kList},
      {"map", ShapeType::kMap},
      {"document", ShapeType::kDocument},
  };
  auto it = kTypes.find(t);
  if (it == kTypes.end()) return Error::Internal("model: unknown shape type " + std::string(t));
  return it->second;
}

Result<TimestampFormat> ParseTimestampFormat(std::string_view f) {
  if (f == "unixTimestamp") return TimestampFormat::kEpochSeconds;
  if (f == "iso8601") return TimestampFormat::kIso8601;
  if (f == "rfc822") return TimestampFormat::kRfc822;
  return Error::Internal("model: unknown timestampFormat " + std::string(f));
}

Result<Location> ParseLocation(std::string_view l) {
  if (l == "uri") return Location::kUri;
  if (l == "querystring") return Location::kQuery;
  if (l == "header") return Location::kHeader;
  if (l == "headers") return Location::kHeaders;
  if (l == "statusCode") return Location::kStatusCode;
  return Error::Internal("model: unknown member location " + std::string(l));
}

std::string Str(const json::value& v) { return std::string(v.as_string()); }

std::optional<double> Number(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  return std::nullopt;
}

bool Flag(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

// Finds a declared shape by name (every shape is declared before any is parsed, so references
// may point forward and shapes may be recursive).
using ShapeFinder = std::function<const Shape*(std::string_view)>;

Result<const Shape*> ShapeRef(const ShapeFinder& find, const json::value& ref,
                              std::string_view where) {
  const Shape* s = find(ref.as_object().at("shape").as_string());
  if (!s) return Error::Internal("model: " + std::string(where) + " refers to a missing shape");
  return s;
}

// The traits of any shape: type, length or range, sensitivity, error, timestamp format, pattern
// and enum values.
Status ParseShapeTraits(const json::object& s, Shape& shape) {
  ASSIGN_OR_RETURN(shape.type, ParseType(s.at("type").as_string()));
  shape.min = Number(s, "min");
  shape.max = Number(s, "max");
  shape.sensitive = Flag(s, "sensitive");
  shape.is_union = Flag(s, "union");
  shape.is_error = Flag(s, "exception") || s.contains("error");
  if (const json::value* e = s.if_contains("error")) {
    if (auto code = Number(e->as_object(), "httpStatusCode")) {
      shape.error_status = static_cast<int>(*code);
    }
  }
  if (const json::value* f = s.if_contains("timestampFormat")) {
    ASSIGN_OR_RETURN(shape.timestamp_format, ParseTimestampFormat(f->as_string()));
  }
  if (const json::value* p = s.if_contains("pattern")) {
    shape.pattern = std::make_unique<Pattern>(Str(*p));
    if (!shape.pattern->ok()) {
      return Error::Internal("model: pattern of " + shape.name +
                             " does not compile: " + shape.pattern->error());
    }
  }
  if (const json::value* e = s.if_contains("enum")) {
    shape.enum_text = "[";
    for (const json::value& v : e->as_array()) {
      if (shape.enum_values.size() > 0) shape.enum_text += ", ";
      shape.enum_values.push_back(Str(v));
      shape.enum_text += shape.enum_values.back();
    }
    shape.enum_text += "]";
  }
  return OkStatus();
}

// A list's member, a map's key and value.
Status ParseContainerRefs(const json::object& s, const ShapeFinder& find, Shape& shape) {
  if (const json::value* v = s.if_contains("member")) {
    ASSIGN_OR_RETURN(shape.member, ShapeRef(find, *v, shape.name));
  }
  if (const json::value* v = s.if_contains("key")) {
    ASSIGN_OR_RETURN(shape.key, ShapeRef(find, *v, shape.name));
  }
  if (const json::value* v = s.if_contains("value")) {
    ASSIGN_OR_RETURN(shape.value, ShapeRef(find, *v, shape.name));
  }
  return OkStatus();
}

Result<Member> ParseMember(std::string_view name, const json::value& value, const ShapeFinder& find,
                           std::string_view shape_name) {
  const json::object& mo = value.as_object();
  Member m;
  m.name = std::string(name);
  ASSIGN_OR_RETURN(m.shape, ShapeRef(find, value, std::string(shape_name) + "." + m.name));
  if (const json::value* l = mo.if_contains("location")) {
    ASSIGN_OR_RETURN(m.location, ParseLocation(l->as_string()));
  }
  m.location_name = mo.contains("locationName") ? Str(mo.at("locationName")) : m.name;
  m.jsonvalue = Flag(mo, "jsonvalue");
  m.idempotency_token = Flag(mo, "idempotencyToken");
  if (const json::value* f = mo.if_contains("timestampFormat")) {
    ASSIGN_OR_RETURN(m.timestamp_format, ParseTimestampFormat(f->as_string()));
  }
  return m;
}

// The lookups by model name and by JSON key, and the flags the binder and serializer branch on.
// REQUIRES: shape.members is complete (the maps hold string_views into it).
void IndexMembers(Shape& shape) {
  for (size_t i = 0; i < shape.members.size(); ++i) {
    const Member& m = shape.members[i];
    shape.member_by_name.emplace(m.name, i);
    if (m.location == Location::kBody) {
      shape.body_member_by_wire_name.emplace(m.location_name, i);
      if (m.location_name != m.name) shape.body_renames = true;
    } else {
      shape.has_non_body_members = true;
    }
  }
}

// A structure's members, which of them are required, and their indexes.
Status ParseMembers(const json::object& s, const ShapeFinder& find, Shape& shape) {
  const json::value* ms = s.if_contains("members");
  if (!ms) return OkStatus();
  for (const auto& [mname, mvalue] : ms->as_object()) {
    ASSIGN_OR_RETURN(Member m, ParseMember(mname, mvalue, find, shape.name));
    shape.members.push_back(std::move(m));
  }
  if (const json::value* req = s.if_contains("required")) {
    for (const json::value& r : req->as_array()) {
      bool found = false;
      for (Member& m : shape.members) {
        if (m.name == r.as_string()) m.required = found = true;
      }
      if (!found) {
        return Error::Internal("model: " + shape.name + " requires an unknown member " + Str(r));
      }
    }
  }
  IndexMembers(shape);
  return OkStatus();
}

Status ParseShape(const json::object& s, const ShapeFinder& find, Shape& shape) {
  RETURN_IF_ERROR(ParseShapeTraits(s, shape));
  RETURN_IF_ERROR(ParseContainerRefs(s, find, shape));
  return ParseMembers(s, find, shape);
}

// Sets contains_timestamp on every shape from which a timestamp is reachable, to a fixed point
// (shapes may be recursive).
template <typename ShapeMap>
void MarkShapesContainingTimestamps(ShapeMap& shapes) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto& [_, shape] : shapes) {
      if (shape->contains_timestamp) continue;
      bool t = shape->type == ShapeType::kTimestamp ||
               (shape->member && shape->member->contains_timestamp) ||
               (shape->value && shape->value->contains_timestamp);
      for (const Member& m : shape->members) t = t || m.shape->contains_timestamp;
      if (t) shape->contains_timestamp = changed = true;
    }
  }
}

Result<Operation> ParseOperation(std::string_view name, const json::object& o,
                                 const ShapeFinder& find) {
  Operation op;
  op.name = std::string(name);
  const json::object& http = o.at("http").as_object();
  op.method = Str(http.at("method"));
  op.request_uri = Str(http.at("requestUri"));
  if (auto code = Number(http, "responseCode")) op.response_code = static_cast<int>(*code);
  if (const json::value* v = o.if_contains("input")) {
    op.input = find(v->as_string());
    if (!op.input) return Error::Internal("model: missing input shape of " + op.name);
  }
  if (const json::value* v = o.if_contains("output")) {
    op.output = find(v->as_string());
    if (!op.output) return Error::Internal("model: missing output shape of " + op.name);
  }
  if (const json::value* v = o.if_contains("errors")) {
    for (const json::value& e : v->as_array()) {
      const Shape* s = find(e.as_string());
      if (!s) return Error::Internal("model: missing error shape of " + op.name);
      op.errors.push_back(s);
    }
  }
  op.idempotent = Flag(o, "idempotent");
  op.readonly = Flag(o, "readonly");
  return op;
}

}  // namespace

Model::~Model() = default;

const Operation* Model::FindOperation(std::string_view name) const {
  auto it = operation_by_name_.find(name);
  return it == operation_by_name_.end() ? nullptr : &operations_[it->second];
}

std::vector<std::string> Model::OperationNames() const {
  std::vector<std::string> names;
  names.reserve(operations_.size());
  for (const Operation& op : operations_) names.push_back(op.name);
  return names;
}

const Shape* Model::FindShape(std::string_view name) const {
  auto it = shapes_.find(name);
  return it == shapes_.end() ? nullptr : it->second.get();
}

Result<std::unique_ptr<Model>> Model::Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return Error::Internal("model: not a JSON object: " + ec.message());
  std::unique_ptr<Model> model(new Model());
  const json::object& top = root.as_object();
  ShapeFinder find = [&model](std::string_view name) { return model->FindShape(name); };
  try {
    if (const json::value* meta = top.if_contains("metadata")) {
      if (const json::value* v = meta->as_object().if_contains("apiVersion")) {
        model->api_version_ = Str(*v);
      }
    }
    // Declared first, parsed second: references may point forward.
    const json::object& shapes = top.at("shapes").as_object();
    for (const auto& [name, _] : shapes) {
      auto shape = std::make_unique<Shape>();
      shape->name = std::string(name);
      model->shapes_.emplace(std::string(name), std::move(shape));
    }
    for (const auto& [name, value] : shapes) {
      Shape& shape = *model->shapes_.find(std::string_view(name))->second;
      RETURN_IF_ERROR(ParseShape(value.as_object(), find, shape));
    }
    MarkShapesContainingTimestamps(model->shapes_);

    const json::object& ops = top.at("operations").as_object();
    model->operations_.reserve(ops.size());
    for (const auto& [name, value] : ops) {
      ASSIGN_OR_RETURN(Operation op, ParseOperation(name, value.as_object(), find));
      model->operation_by_name_.emplace(op.name, model->operations_.size());
      model->operations_.push_back(std::move(op));
    }
  } catch (const std::exception& e) {
    // Boost.JSON's at()/as_*() throw on a malformed model; that is a build defect, not input.
    return Error::Internal(std::string("model: malformed: ") + e.what());
  }
  return model;
}

const Model& Model::Get() {
  static const Model* model = [] {
    auto parsed = Parse(kEmbeddedModel);
    if (!parsed.ok()) {
      // The embedded model is part of the binary; if it does not load, nothing can be served.
      std::fprintf(stderr, "profiled: embedded service model: %s\n",
                   parsed.error().message().c_str());
      std::abort();
    }
    return std::move(parsed).value().release();
  }();
  return *model;
}

}  // namespace profiled::api
