// File: model.h
// The service model in memory: operations and shapes with every constraint, loaded once from the
// compact model that tools/codegen/gen_spec.py writes to spec/customer-profiles.json and the
// build embeds in the binary. Everything after loading is read-only and shared by all threads;
// patterns are compiled here, once, never per request.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace re2 {
class RE2;
}

namespace profiled::api {

enum class ShapeType {
  kString,
  kInteger,
  kLong,
  kFloat,
  kDouble,
  kBoolean,
  kTimestamp,
  kBlob,
  kStructure,
  kList,
  kMap,
  kDocument,
};

// The model's name of a type ("string", "integer", ...).
std::string_view ShapeTypeName(ShapeType type);

// Where a member travels on the wire.
enum class Location { kBody, kUri, kQuery, kHeader, kHeaders, kStatusCode };

enum class TimestampFormat { kDefault, kEpochSeconds, kIso8601, kRfc822 };

struct Shape;

struct Member {
  std::string name;  // the model's member name: the key in bound input documents
  const Shape* shape = nullptr;
  Location location = Location::kBody;
  std::string location_name;  // the wire name: URI label, query key, header, or JSON key
  bool required = false;
  bool jsonvalue = false;
  bool idempotency_token = false;
  TimestampFormat timestamp_format = TimestampFormat::kDefault;  // member override, if any
};

// A pattern trait, compiled once. Patterns are searched (not implicitly anchored), as Smithy
// defines them: TagArn's "^arn:[a-z0-9]{1,10}:profile" must accept whole ARNs. RE2 (linear
// time) runs them; the one construct of the model RE2 lacks, a leading negative lookahead
// "^(?!literal)", is checked by hand as a forbidden prefix.
class Pattern {
 public:
  explicit Pattern(std::string source);
  ~Pattern();
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  // False when the pattern could not be compiled; Model::Parse refuses such a model.
  bool ok() const;
  const std::string& error() const { return error_; }
  bool Matches(std::string_view text) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::string forbidden_prefix_;  // from "^(?!literal)"; empty when none
  std::unique_ptr<re2::RE2> re_;
  std::string error_;
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::kString;

  // Length for strings (code points), lists and maps; value range for numbers.
  std::optional<double> min;
  std::optional<double> max;
  std::unique_ptr<Pattern> pattern;
  std::vector<std::string> enum_values;
  std::string enum_text;  // "[A, B, C]", preformatted for messages

  // Structures.
  std::vector<Member> members;
  std::unordered_map<std::string_view, size_t> member_by_name;            // model name -> index
  std::unordered_map<std::string_view, size_t> body_member_by_wire_name;  // JSON key -> index
  bool has_non_body_members = false;
  bool body_renames = false;  // some body member's JSON key differs from its name
  bool is_union = false;

  // Lists and maps.
  const Shape* member = nullptr;  // list element
  const Shape* key = nullptr;     // map key
  const Shape* value = nullptr;   // map value

  bool sensitive = false;
  TimestampFormat timestamp_format = TimestampFormat::kDefault;
  // Errors.
  bool is_error = false;
  int error_status = 0;
  // True when a timestamp is reachable from this shape (the binder converts those).
  bool contains_timestamp = false;

  const Member* FindMember(std::string_view member_name) const {
    auto it = member_by_name.find(member_name);
    return it == member_by_name.end() ? nullptr : &members[it->second];
  }
  const Member* FindBodyMember(std::string_view wire_name) const {
    auto it = body_member_by_wire_name.find(wire_name);
    return it == body_member_by_wire_name.end() ? nullptr : &members[it->second];
  }
};

struct Operation {
  std::string name;
  std::string method;             // "GET", "POST", ...
  std::string request_uri;        // template, e.g. "/domains/{DomainName}/profiles"
  const Shape* input = nullptr;   // may be null
  const Shape* output = nullptr;  // may be null
  std::vector<const Shape*> errors;
  std::optional<int> response_code;  // http.responseCode when the model gives one
  bool idempotent = false;
  bool readonly = false;
};

class Model {
 public:
  // The embedded model, parsed on first use (thread-safe) and alive for the whole process.
  static const Model& Get();
  // Parses a compact model (the format of spec/customer-profiles.json).
  static Result<std::unique_ptr<Model>> Parse(std::string_view json);

  const std::vector<Operation>& operations() const { return operations_; }
  // Returns nullptr when absent.
  const Operation* FindOperation(std::string_view name) const;
  // What service::Registry may serve (main gives it these).
  std::vector<std::string> OperationNames() const;
  const Shape* FindShape(std::string_view name) const;
  size_t shape_count() const { return shapes_.size(); }
  const std::string& api_version() const { return api_version_; }

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

 private:
  Model() = default;

  std::string api_version_;
  std::vector<Operation> operations_;
  std::map<std::string, size_t, std::less<>> operation_by_name_;
  std::map<std::string, std::unique_ptr<Shape>, std::less<>> shapes_;
};

}  // namespace profiled::api
