#include "api/conform.h"

#include <string>
#include <utility>
#include <vector>

#include "api/binder.h"

namespace profiled::api {

namespace json = boost::json;

namespace {

// Deeper than any shape of the model; the validator rejects such a request.
constexpr int kMaxDepth = 64;

// Whether a value of `shape` can hold anything the walk changes: a structure's members or a
// timestamp. Lists of strings, maps of strings and the like are skipped without a look.
bool MayChange(const Shape& shape) {
  switch (shape.type) {
    case ShapeType::kStructure:
    case ShapeType::kTimestamp:
      return true;
    case ShapeType::kList:
      return shape.member && MayChange(*shape.member);
    case ShapeType::kMap:
      return shape.value && MayChange(*shape.value);
    default:
      return false;
  }
}

void Conform(const Shape& shape, json::value& value, Direction direction, int depth);

void ConformObject(const Shape& shape, json::object& object, Direction direction, int depth) {
  bool request = direction == Direction::kRequest;
  std::vector<std::pair<std::string, json::value>> renamed;
  for (auto it = object.begin(); it != object.end();) {
    const Member* m = request ? shape.FindBodyMember(it->key()) : shape.FindMember(it->key());
    if (!m || m->location != Location::kBody || it->value().is_null()) {
      it = object.stable_erase(it);
      continue;
    }
    if (MayChange(*m->shape)) Conform(*m->shape, it->value(), direction, depth + 1);
    const std::string& name = request ? m->name : m->location_name;
    if (shape.body_renames && name != it->key()) {
      renamed.emplace_back(name, std::move(it->value()));
      it = object.stable_erase(it);
      continue;
    }
    ++it;
  }
  for (auto& [k, v] : renamed) object[k] = std::move(v);
}

void Conform(const Shape& shape, json::value& value, Direction direction, int depth) {
  if (depth > kMaxDepth) return;
  switch (shape.type) {
    case ShapeType::kStructure:
      if (json::object* o = value.if_object()) ConformObject(shape, *o, direction, depth);
      return;
    case ShapeType::kList:
      if (!shape.member || !MayChange(*shape.member)) return;
      if (json::array* a = value.if_array()) {
        for (json::value& v : *a) Conform(*shape.member, v, direction, depth + 1);
      }
      return;
    case ShapeType::kMap:
      if (!shape.value || !MayChange(*shape.value)) return;
      if (json::object* o = value.if_object()) {
        for (auto& kv : *o) Conform(*shape.value, kv.value(), direction, depth + 1);
      }
      return;
    case ShapeType::kTimestamp:
      if (value.is_string()) {
        if (auto t = ParseTimestamp(value.get_string())) value = *t;
      }
      return;
    default:
      return;
  }
}

}  // namespace

void ConformToShape(const Shape& shape, json::value& value, Direction direction) {
  Conform(shape, value, direction, 0);
}

void ConformStructure(const Shape& shape, json::object& object, Direction direction) {
  ConformObject(shape, object, direction, 0);
}

}  // namespace profiled::api
