#include "api/validator.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace profiled::api {

namespace json = boost::json;

namespace {

// Code points, not bytes: count every byte that does not continue a UTF-8 sequence.
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string FormatNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.2e18) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, p) : std::string("?");
}

// Values as Coral prints them (Java's toString): strings bare, lists "[a, b]", maps "{k=v}".
void AppendValue(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::string:
      out.append(v.get_string().data(), v.get_string().size());
      break;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      out += FormatNumber(v.get_double());
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::null:
      out += "null";
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& e : v.get_array()) {
        if (!first) out += ", ";
        first = false;
        AppendValue(e, out);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ", ";
        first = false;
        out.append(kv.key().data(), kv.key().size());
        out += '=';
        AppendValue(kv.value(), out);
      }
      out += '}';
      break;
    }
  }
}

bool IsScalar(const Shape& s) {
  return s.type != ShapeType::kStructure && s.type != ShapeType::kList &&
         s.type != ShapeType::kMap && s.type != ShapeType::kDocument;
}

std::string TypeIssue(const Shape& s) {
  return "Member must be of type " + std::string(ShapeTypeName(s.type));
}

void RangeIssues(const Shape& s, double v, std::vector<std::string>& issues) {
  if (s.max && v > *s.max) {
    issues.push_back("Member must have value less than or equal to " + FormatNumber(*s.max));
  }
  if (s.min && v < *s.min) {
    issues.push_back("Member must have value greater than or equal to " + FormatNumber(*s.min));
  }
}

void LengthIssues(const Shape& s, size_t n, std::vector<std::string>& issues) {
  if (s.max && static_cast<double>(n) > *s.max) {
    issues.push_back("Member must have length less than or equal to " + FormatNumber(*s.max));
  }
  if (s.min && static_cast<double>(n) < *s.min) {
    issues.push_back("Member must have length greater than or equal to " + FormatNumber(*s.min));
  }
}

// The constraint failures of a scalar value, without path (Coral's inner messages).
void ScalarIssues(const Shape& s, const json::value& v, std::vector<std::string>& issues) {
  if (v.is_null()) {
    issues.push_back("Member must not be null");
    return;
  }
  switch (s.type) {
    case ShapeType::kString: {
      if (!v.is_string()) {
        issues.push_back(TypeIssue(s));
        return;
      }
      std::string_view text(v.get_string().data(), v.get_string().size());
      if (s.min || s.max) LengthIssues(s, CodePoints(text), issues);
      if (s.pattern && !s.pattern->Matches(text)) {
        issues.push_back("Member must satisfy regular expression pattern: " + s.pattern->source());
      }
      if (!s.enum_values.empty()) {
        bool found = false;
        for (const std::string& e : s.enum_values) found = found || e == text;
        if (!found) issues.push_back("Member must satisfy enum value set: " + s.enum_text);
      }
      return;
    }
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      int64_t n;
      if (v.is_int64()) {
        n = v.get_int64();
      } else if (v.is_uint64() &&
                 v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        n = static_cast<int64_t>(v.get_uint64());
      } else {
        issues.push_back(TypeIssue(s));
        return;
      }
      if (s.type == ShapeType::kInteger &&
          (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max())) {
        issues.push_back(TypeIssue(s));
        return;
      }
      RangeIssues(s, static_cast<double>(n), issues);
      return;
    }
    case ShapeType::kFloat:
    case ShapeType::kDouble: {
      if (!v.is_number()) {
        issues.push_back(TypeIssue(s));
        return;
      }
      RangeIssues(s, v.to_number<double>(), issues);
      return;
    }
    case ShapeType::kBoolean:
      if (!v.is_bool()) issues.push_back(TypeIssue(s));
      return;
    case ShapeType::kTimestamp:
      if (!v.is_number()) issues.push_back(TypeIssue(s));
      return;
    case ShapeType::kBlob:
      if (!v.is_string()) issues.push_back(TypeIssue(s));
      return;
    default:
      return;
  }
}

class Checker {
 public:
  void Check(const Shape& s, const json::value& v, std::string& path, bool sensitive) {
    sensitive = sensitive || s.sensitive;
    if (IsScalar(s)) {
      issues_.clear();
      ScalarIssues(s, v, issues_);
      for (const std::string& issue : issues_) Add(v, path, sensitive, issue);
      return;
    }
    switch (s.type) {
      case ShapeType::kStructure:
        if (!v.is_object()) return Add(v, path, sensitive, TypeIssue(s));
        return CheckStructure(s, v.get_object(), path, sensitive);
      case ShapeType::kList:
        if (!v.is_array()) return Add(v, path, sensitive, TypeIssue(s));
        return CheckList(s, v, path, sensitive);
      case ShapeType::kMap:
        if (!v.is_object()) return Add(v, path, sensitive, TypeIssue(s));
        return CheckMap(s, v, path, sensitive);
      default:
        return;  // documents take any JSON
    }
  }

  void CheckStructure(const Shape& s, const json::object& obj, std::string& path, bool sensitive) {
    size_t set = 0;
    for (const Member& m : s.members) {
      auto it = obj.find(m.name);
      const size_t mark = path.size();
      if (!path.empty()) path += '.';
      path += m.name;
      if (it == obj.end() || it->value().is_null()) {
        if (m.required) {
          errors_.push_back("Value null at '" + path +
                            "' failed to satisfy constraint: Member must not be null");
        }
      } else {
        ++set;
        Check(*m.shape, it->value(), path, sensitive);
      }
      path.resize(mark);
    }
    if (s.is_union && set != 1) {
      errors_.push_back("Value at '" + path +
                        "' failed to satisfy constraint: Member must have exactly one member set");
    }
  }

  void CheckList(const Shape& s, const json::value& v, std::string& path, bool sensitive) {
    const json::array& arr = v.get_array();
    std::vector<std::string> size_issues;
    LengthIssues(s, arr.size(), size_issues);
    for (const std::string& issue : size_issues) Add(v, path, sensitive, issue);
    if (!s.member) return;
    const Shape& elem = *s.member;
    if (IsScalar(elem)) {
      std::vector<std::string> all;
      for (const json::value& e : arr) {
        issues_.clear();
        ScalarIssues(elem, e, issues_);
        for (std::string& i : issues_) AddUnique(all, std::move(i));
      }
      if (!all.empty()) {
        Add(v, path, sensitive || elem.sensitive,
            "Member must satisfy constraint: " + Bracket(all));
      }
      return;
    }
    for (size_t i = 0; i < arr.size(); ++i) {
      const size_t mark = path.size();
      path += '.';
      path += std::to_string(i + 1);
      path += ".member";
      Check(elem, arr[i], path, sensitive);
      path.resize(mark);
    }
  }

  void CheckMap(const Shape& s, const json::value& v, std::string& path, bool sensitive) {
    const json::object& obj = v.get_object();
    std::vector<std::string> size_issues;
    LengthIssues(s, obj.size(), size_issues);
    for (const std::string& issue : size_issues) Add(v, path, sensitive, issue);
    if (s.key) {
      std::vector<std::string> all;
      for (const auto& kv : obj) {
        issues_.clear();
        ScalarIssues(*s.key, json::value(kv.key()), issues_);
        for (std::string& i : issues_) AddUnique(all, std::move(i));
      }
      if (!all.empty()) {
        Add(v, path, sensitive || s.key->sensitive,
            "Map keys must satisfy constraint: " + Bracket(all));
      }
    }
    if (!s.value) return;
    if (IsScalar(*s.value)) {
      std::vector<std::string> all;
      for (const auto& kv : obj) {
        issues_.clear();
        ScalarIssues(*s.value, kv.value(), issues_);
        for (std::string& i : issues_) AddUnique(all, std::move(i));
      }
      if (!all.empty()) {
        Add(v, path, sensitive || s.value->sensitive,
            "Map value must satisfy constraint: " + Bracket(all));
      }
      return;
    }
    for (const auto& kv : obj) {
      const size_t mark = path.size();
      path += '.';
      path.append(kv.key().data(), kv.key().size());
      Check(*s.value, kv.value(), path, sensitive);
      path.resize(mark);
    }
  }

  Status Finish() const {
    if (errors_.empty()) return OkStatus();
    std::string msg = std::to_string(errors_.size());
    msg += errors_.size() == 1 ? " validation error detected: " : " validation errors detected: ";
    for (size_t i = 0; i < errors_.size(); ++i) {
      if (i) msg += "; ";
      msg += errors_[i];
    }
    return Error::BadRequest(std::move(msg));
  }

 private:
  void Add(const json::value& v, const std::string& path, bool sensitive,
           const std::string& issue) {
    std::string e = "Value";
    if (!sensitive) {
      e += " '";
      AppendValue(v, e);
      e += "'";
    }
    e += " at '";
    e += path;
    e += "' failed to satisfy constraint: ";
    e += issue;
    errors_.push_back(std::move(e));
  }

  static void AddUnique(std::vector<std::string>& all, std::string issue) {
    for (const std::string& i : all) {
      if (i == issue) return;
    }
    all.push_back(std::move(issue));
  }

  static std::string Bracket(const std::vector<std::string>& all) {
    std::string out = "[";
    for (size_t i = 0; i < all.size(); ++i) {
      if (i) out += ", ";
      out += all[i];
    }
    return out + "]";
  }

  std::vector<std::string> errors_;
  std::vector<std::string> issues_;  // scratch, reused
};

}  // namespace

Status Validate(const Shape& shape, const json::object& input) {
  Checker checker;
  std::string path;
  checker.CheckStructure(shape, input, path, shape.sensitive);
  return checker.Finish();
}

Status ValidateValue(const Shape& shape, const json::value& value, std::string_view path) {
  Checker checker;
  std::string p(path);
  checker.Check(shape, value, p, false);
  return checker.Finish();
}

}  // namespace profiled::api
