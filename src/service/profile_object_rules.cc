// The pure rules of profile objects (profile_object.h): parsing, source paths, keys, resolution,
// field mapping with provenance.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <string>

#include "common/ascii.h"
#include "service/common.h"
#include "service/profile_object.h"
#include "service/profile_patch.h"

namespace profiled::service {
namespace json = boost::json;

std::string ObjectDocId(std::string_view type, std::string_view unique_key) {
  return std::string(type).append("/").append(unique_key);
}
std::string ObjectProfileIndex(std::string_view type) {
  return std::string("objprof/").append(type);
}
std::string ObjectKeyIndex(std::string_view type, std::string_view key_name) {
  return std::string("objkey/").append(type).append("/").append(key_name);
}

namespace {

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string NumberText(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  double d = v.get_double();
  // 12.0 is "12", as the source most likely wrote it, not Boost's "1.2E1".
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
    return std::to_string(static_cast<int64_t>(d));
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::optional<std::string> ValueText(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return std::nullopt;
    case json::kind::string: {
      const json::string& s = v.get_string();
      if (s.empty()) return std::nullopt;
      return std::string(s.data(), s.size());
    }
    case json::kind::bool_:
      return std::string(v.get_bool() ? "true" : "false");
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return NumberText(v);
    default:
      return json::serialize(v);
  }
}

// The value at "a.b.c" (array elements by index) in `object`.
const json::value* AtPath(const json::object& object, std::string_view path) {
  const json::value* cur = nullptr;
  const json::object* obj = &object;
  while (true) {
    size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    if (obj) {
      auto it = obj->find(part);
      if (it == obj->end()) return nullptr;
      cur = &it->value();
    } else if (cur && cur->is_array()) {
      size_t index = 0;
      auto r = std::from_chars(part.data(), part.data() + part.size(), index);
      if (r.ec != std::errc() || r.ptr != part.data() + part.size()) return nullptr;
      if (index >= cur->get_array().size()) return nullptr;
      cur = &cur->get_array()[index];
    } else {
      return nullptr;
    }
    if (dot == std::string_view::npos) return cur;
    path = path.substr(dot + 1);
    obj = cur->if_object();
  }
}

std::optional<std::string> PathValue(std::string_view source, const json::object& object) {
  constexpr std::string_view kPrefix = "_source.";
  if (source.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const json::value* v = AtPath(object, source.substr(kPrefix.size()));
  if (!v) return std::nullopt;
  return ValueText(*v);
}

json::value* FindPath(json::object& profile, std::string_view path) {
  size_t dot = path.find('.');
  auto it = profile.find(path.substr(0, dot));
  if (it == profile.end()) return nullptr;
  if (dot == std::string_view::npos) return &it->value();
  json::object* inner = it->value().if_object();
  if (!inner) return nullptr;
  auto in = inner->find(path.substr(dot + 1));
  return in == inner->end() ? nullptr : &in->value();
}

}  // namespace

Result<json::object> ParseProfileObject(std::string_view text) {
  if (Utf8Chars(text) > kMaxObjectChars) {
    return Error::BadRequest("Object is longer than 256000 characters");
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Error::BadRequest("Object is not valid JSON: " + ec.message());
  if (!v.is_object()) return Error::BadRequest("Object must be a JSON object");
  return std::move(v.get_object());
}

std::optional<std::string> EvaluateSource(std::string_view source, const json::object& object) {
  if (source.find("{{") == std::string_view::npos) return PathValue(source, object);
  std::string out;
  bool any = false;
  size_t pos = 0;
  while (pos < source.size()) {
    size_t open = source.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(source.substr(pos));
      break;
    }
    size_t close = source.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.append(source.substr(pos));
      break;
    }
    out.append(source.substr(pos, open - pos));
    auto v = PathValue(TrimSpaces(source.substr(open + 2, close - open - 2)), object);
    if (v) {
      any = true;
      out.append(*v);
    }
    pos = close + 2;
  }
  if (!any) return std::nullopt;
  // Collapse the doubled spaces an absent middle part leaves ("John  Doe").
  std::string collapsed;
  for (char c : out) {
    if (c == ' ' && !collapsed.empty() && collapsed.back() == ' ') continue;
    collapsed += c;
  }
  std::string_view trimmed = TrimSpaces(collapsed);
  if (trimmed.empty()) return std::nullopt;
  return std::string(trimmed);
}

Result<std::vector<ObjectKeyValue>> ExtractKeyValues(const json::object& type,
                                                     const json::object& object) {
  const json::object* fields = GetObject(type, "Fields");
  std::vector<ObjectKeyValue> out;
  for (KeyDef& def : KeyDefs(type)) {
    std::string value;
    std::string missing;
    for (size_t i = 0; i < def.field_names.size(); ++i) {
      const std::string& f = def.field_names[i];
      const json::object* field = fields ? GetObject(*fields, f) : nullptr;
      auto source = field ? GetString(*field, "Source") : std::nullopt;
      auto v = source ? EvaluateSource(*source, object) : std::nullopt;
      if (!v) {
        missing = f;
        break;
      }
      if (i > 0) value += "_";
      value += *v;
    }
    if (!missing.empty()) {
      if (def.IsUnique()) {
        return Error::BadRequest("The object has no value for field " + missing +
                                 " of its UNIQUE key " + def.name);
      }
      continue;
    }
    if (def.IsUnique() && Utf8Chars(value) > 255) {
      return Error::BadRequest("The value of UNIQUE key " + def.name +
                               " is longer than 255 characters");
    }
    out.push_back({std::move(def), std::move(value)});
  }
  return out;
}

std::string UniqueKeyValue(const std::vector<ObjectKeyValue>& keys) {
  for (const auto& k : keys) {
    if (k.def.IsUnique()) return k.value;
  }
  return "";
}

std::vector<ObjectKeyValue> MatchingOrder(const std::vector<ObjectKeyValue>& keys) {
  std::vector<ObjectKeyValue> out;
  for (const auto& k : keys) {
    if (k.def.IsProfileMatch() && !k.def.IsSecondary()) out.push_back(k);
  }
  for (const auto& k : keys) {
    if (k.def.IsProfileMatch() && k.def.IsSecondary()) out.push_back(k);
  }
  return out;
}

Resolution ResolveProfile(const std::vector<KeyMatch>& matches, bool allow_creation) {
  Resolution r;
  for (const KeyMatch& m : matches) {
    if (m.profile_ids.size() == 1) {
      r.kind = ResolutionKind::kAttach;
      r.profile_id = m.profile_ids[0];
      r.matched_key = m.key_name;
      return r;
    }
    if (m.profile_ids.size() > 1) r.ambiguous.push_back(m.key_name);
  }
  r.kind = allow_creation ? ResolutionKind::kCreate : ResolutionKind::kReject;
  return r;
}

std::vector<ObjectKeyValue> KeysToStore(const std::vector<ObjectKeyValue>& keys,
                                        bool profile_created) {
  std::vector<ObjectKeyValue> out;
  for (const auto& k : keys) {
    if (k.def.IsLookupOnly()) continue;
    if (k.def.IsNewOnly() && !profile_created) continue;
    out.push_back(k);
  }
  return out;
}

std::vector<ProfileFieldWrite> MappedProfileFields(const json::object& type,
                                                   const json::object& object) {
  std::vector<ProfileFieldWrite> out;
  const json::object* fields = GetObject(type, "Fields");
  if (!fields) return out;
  constexpr std::string_view kProfile = "_profile.";
  for (const auto& [name, f] : *fields) {
    const json::object* field = f.if_object();
    if (!field) continue;
    auto target = GetString(*field, "Target");
    auto source = GetString(*field, "Source");
    if (!target || !source || target->substr(0, kProfile.size()) != kProfile) continue;
    auto value = EvaluateSource(*source, object);
    if (!value) continue;
    out.push_back({std::string(target->substr(kProfile.size())), std::move(*value)});
  }
  return out;
}

std::vector<std::string> ApplyIngestedFields(json::object& profile,
                                             const std::vector<ProfileFieldWrite>& writes,
                                             std::string_view type_name,
                                             std::optional<int64_t> source_priority) {
  std::vector<std::string> written;
  // Worked on apart from `profile`: inserting into `profile` may move its members.
  json::object ingested;
  if (auto it = profile.find(kIngestedMember); it != profile.end() && it->value().is_object()) {
    ingested = std::move(it->value().get_object());
  }
  const int64_t kLowest = INT64_MAX;
  int64_t priority = source_priority.value_or(kLowest);
  for (const ProfileFieldWrite& w : writes) {
    const json::value* current = FindPath(profile, w.path);
    const json::object* record = GetObject(ingested, w.path);
    if (current) {
      auto last = record ? GetString(*record, "Value") : std::nullopt;
      bool set_by_ingestion = last && current->is_string() && current->get_string() == *last;
      if (!set_by_ingestion) continue;  // set by hand: never overwritten
      auto last_type = GetString(*record, "ObjectTypeName");
      int64_t last_priority = GetInt(*record, "SourcePriority").value_or(kLowest);
      if (last_type != type_name && last_priority < priority) continue;
    }
    SetProfileString(profile, w.path, w.value);
    json::object rec;
    rec["Value"] = w.value;
    rec["ObjectTypeName"] = type_name;
    if (source_priority) rec["SourcePriority"] = *source_priority;
    ingested[w.path] = std::move(rec);
    written.push_back(w.path);
  }
  profile[kIngestedMember] = std::move(ingested);
  return written;
}

}  // namespace profiled::service
