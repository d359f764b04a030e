#include "service/profile_patch.h"

#include <algorithm>
#include <boost/json/array.hpp>

#include "service/generated/model_members.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// The member lists come from the model (tools/codegen/gen_members.py).
using model::kAddressMembers;
using model::kEngagementPreferencesMembers;
using model::kProfileAddressMembers;
using model::kProfileEngagementPreferences;
using model::kProfileMapMembers;
using model::kProfileStringMembers;

const json::string* StringAt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_string();
}

// Patches every string member of `update` into `target`: "" removes, anything else replaces.
void PatchStrings(json::object& target, const json::object& update) {
  for (const auto& [key, value] : update) {
    const json::string* s = value.if_string();
    if (!s) continue;
    if (s->empty()) {
      target.erase(key);
    } else {
      target[key] = *s;
    }
  }
}

}  // namespace

std::span<const std::string_view> ProfileStringMembers() { return kProfileStringMembers; }
std::span<const std::string_view> ProfileAddressMembers() { return kProfileAddressMembers; }
std::span<const std::string_view> ProfileMapMembers() { return kProfileMapMembers; }
std::span<const std::string_view> AddressFields() { return kAddressMembers; }

bool IsProfileStringPath(std::string_view path) {
  auto in = [](std::span<const std::string_view> list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
  };
  if (in(kProfileStringMembers, path)) return true;
  size_t dot = path.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view head = path.substr(0, dot), tail = path.substr(dot + 1);
  if (in(kProfileMapMembers, head)) return !tail.empty();
  return in(kProfileAddressMembers, head) && in(kAddressMembers, tail);
}

void SetProfileString(json::object& profile, std::string_view path, std::string_view value) {
  size_t dot = path.find('.');
  if (dot == std::string_view::npos) {
    profile[path] = value;
    return;
  }
  json::value& outer = profile[path.substr(0, dot)];
  if (!outer.is_object()) outer = json::object();
  outer.get_object()[path.substr(dot + 1)] = value;
}

Result<json::object> NewProfileFromCreate(const json::object& input, std::string_view profile_id) {
  auto empty = [](std::string_view member) {
    return Error::BadRequest("1 validation error detected: Value at '" + std::string(member) +
                             "' failed to satisfy constraint: Member must have length greater "
                             "than or equal to 1");
  };
  json::object p;
  p["ProfileId"] = profile_id;
  for (std::string_view m : kProfileStringMembers) {
    const json::string* s = StringAt(input, m);
    if (!s) continue;
    if (s->empty()) return empty(m);
    p[m] = *s;
  }
  for (std::string_view m : kProfileAddressMembers) {
    auto it = input.find(m);
    if (it == input.end() || !it->value().is_object()) continue;
    json::object address;
    for (std::string_view f : kAddressMembers) {
      const json::string* s = StringAt(it->value().get_object(), f);
      if (!s) continue;
      if (s->empty()) return empty(std::string(m) + "." + std::string(f));
      address[f] = *s;
    }
    if (!address.empty()) p[m] = std::move(address);
  }
  for (std::string_view m : kProfileMapMembers) {
    auto it = input.find(m);
    if (it == input.end() || !it->value().is_object()) continue;
    json::object map;
    for (const auto& [k, v] : it->value().get_object()) {
      if (k.empty()) return empty(m);
      const json::string* s = v.if_string();
      if (!s) continue;
      if (s->empty()) return empty(std::string(m) + "." + std::string(k));
      map[k] = *s;
    }
    if (!map.empty()) p[m] = std::move(map);
  }
  if (auto it = input.find(kProfileEngagementPreferences);
      it != input.end() && it->value().is_object()) {
    json::object prefs;
    for (std::string_view l : kEngagementPreferencesMembers) {
      auto li = it->value().get_object().find(l);
      if (li != it->value().get_object().end() && li->value().is_array() &&
          !li->value().get_array().empty()) {
        prefs[l] = li->value();
      }
    }
    if (!prefs.empty()) p[kProfileEngagementPreferences] = std::move(prefs);
  }
  return p;
}

json::object ApplyProfileUpdate(const json::object& current, const json::object& update) {
  json::object p = current;
  for (std::string_view m : kProfileStringMembers) {
    const json::string* s = StringAt(update, m);
    if (!s) continue;
    if (s->empty()) {
      p.erase(m);
    } else {
      p[m] = *s;
    }
  }
  auto patch_object = [&p](std::string_view member, const json::object& patch, auto&& apply) {
    json::object merged;
    if (auto it = p.find(member); it != p.end() && it->value().is_object()) {
      merged = it->value().get_object();
    }
    apply(merged, patch);
    if (merged.empty()) {
      p.erase(member);
    } else {
      p[member] = std::move(merged);
    }
  };
  for (std::string_view m : kProfileAddressMembers) {
    auto it = update.find(m);
    if (it == update.end() || !it->value().is_object()) continue;
    patch_object(m, it->value().get_object(), [](json::object& target, const json::object& u) {
      for (std::string_view f : kAddressMembers) {
        const json::string* s = StringAt(u, f);
        if (!s) continue;
        if (s->empty()) {
          target.erase(f);
        } else {
          target[f] = *s;
        }
      }
    });
  }
  for (std::string_view m : kProfileMapMembers) {
    auto it = update.find(m);
    if (it == update.end() || !it->value().is_object()) continue;
    patch_object(m, it->value().get_object(), PatchStrings);
  }
  if (auto it = update.find(kProfileEngagementPreferences);
      it != update.end() && it->value().is_object()) {
    patch_object(kProfileEngagementPreferences, it->value().get_object(),
                 [](json::object& target, const json::object& u) {
                   for (std::string_view l : kEngagementPreferencesMembers) {
                     auto li = u.find(l);
                     if (li == u.end() || !li->value().is_array()) continue;
                     if (li->value().get_array().empty()) {
                       target.erase(l);
                     } else {
                       target[l] = li->value();
                     }
                   }
                 });
  }
  return p;
}

json::object PublicProfile(const json::object& stored) {
  json::object out;
  out.reserve(stored.size());
  for (const auto& [k, v] : stored) {
    if (IsInternalMember(k)) continue;
    out.emplace(k, v);
  }
  return out;
}

}  // namespace profiled::service
