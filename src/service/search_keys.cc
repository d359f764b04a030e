#include "service/search_keys.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <iterator>

namespace profiled::service {
namespace json = boost::json;
namespace {

struct Derivation {
  std::string_view key;
  std::string_view members[4];
};

constexpr Derivation kDerived[] = {
    {"_account", {"AccountNumber"}},
    {"_email", {"EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress"}},
    {"_phone", {"PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber", "BusinessPhoneNumber"}},
};

std::string_view StringOr(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  const json::string& s = it->value().get_string();
  return {s.data(), s.size()};
}

void SortUnique(std::vector<KeyRow>& rows) {
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
}

}  // namespace

constexpr std::string_view kFullNameMembers[] = {"FirstName", "MiddleName", "LastName"};

std::string FullName(const json::object& profile) {
  std::string out;
  for (std::string_view m : kFullNameMembers) {
    std::string_view part = StringOr(profile, m);
    if (part.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out.append(part);
  }
  return out;
}

bool DerivesSearchKeys(std::string_view member) {
  if (member == "ProfileId" || member == kCustomKeysMember) return true;
  if (std::find(std::begin(kFullNameMembers), std::end(kFullNameMembers), member) !=
      std::end(kFullNameMembers)) {
    return true;
  }
  return std::any_of(std::begin(kDerived), std::end(kDerived), [&](const Derivation& d) {
    return std::find(std::begin(d.members), std::end(d.members), member) != std::end(d.members);
  });
}

bool IsMemberDerivedKey(std::string_view key_name) {
  if (key_name == kProfileIdKey || key_name == "_fullName") return true;
  return std::any_of(std::begin(kDerived), std::end(kDerived),
                     [&](const Derivation& d) { return d.key == key_name; });
}

std::vector<KeyRow> DeriveSearchKeys(const json::object& profile) {
  std::vector<KeyRow> rows;
  if (auto id = StringOr(profile, "ProfileId"); !id.empty()) rows.emplace_back(kProfileIdKey, id);
  for (const Derivation& d : kDerived) {
    for (std::string_view m : d.members) {
      if (m.empty()) continue;
      if (auto v = StringOr(profile, m); !v.empty()) rows.emplace_back(d.key, v);
    }
  }
  if (std::string name = FullName(profile); !name.empty()) {
    rows.emplace_back("_fullName", std::move(name));
  }
  if (auto it = profile.find(kCustomKeysMember); it != profile.end() && it->value().is_object()) {
    for (const auto& [name, values] : it->value().get_object()) {
      const json::array* list = values.if_array();
      if (!list) continue;
      for (const json::value& v : *list) {
        if (v.is_string() && !v.get_string().empty()) {
          rows.emplace_back(std::string(name), std::string(v.get_string()));
        }
      }
    }
  }
  SortUnique(rows);
  return rows;
}

void AddCustomKey(json::object& profile, std::string_view key_name,
                  const std::vector<std::string>& values) {
  json::value& keys_value = profile[kCustomKeysMember];
  if (!keys_value.is_object()) keys_value = json::object();
  json::value& list_value = keys_value.get_object()[key_name];
  if (!list_value.is_array()) list_value = json::array();
  json::array& list = list_value.get_array();
  for (const std::string& v : values) {
    bool present = std::any_of(list.begin(), list.end(), [&](const json::value& x) {
      return x.is_string() && x.get_string() == v;
    });
    if (!present) list.emplace_back(v);
  }
}

size_t RemoveCustomKey(json::object& profile, std::string_view key_name,
                       const std::vector<std::string>& values) {
  auto keys_it = profile.find(kCustomKeysMember);
  if (keys_it == profile.end() || !keys_it->value().is_object()) return 0;
  json::object& keys = keys_it->value().get_object();
  auto list_it = keys.find(key_name);
  if (list_it == keys.end() || !list_it->value().is_array()) return 0;
  json::array& list = list_it->value().get_array();
  size_t removed = 0;
  for (auto it = list.begin(); it != list.end();) {
    bool match = it->is_string() && std::find(values.begin(), values.end(),
                                              std::string_view(it->get_string())) != values.end();
    if (match) {
      it = list.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  if (list.empty()) keys.erase(list_it);
  if (keys.empty()) profile.erase(keys_it);
  return removed;
}

RowDiff DiffRows(const std::vector<KeyRow>& before, const std::vector<KeyRow>& after) {
  RowDiff d;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(d.removed));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(d.added));
  return d;
}

}  // namespace profiled::service
