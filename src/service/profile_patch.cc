#include "service/profile_patch.h"

#include <array>
#include <boost/json/array.hpp>

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::array<std::string_view, 19> kStringMembers = {"AccountNumber",
                                                             "AdditionalInformation",
                                                             "PartyType",
                                                             "BusinessName",
                                                             "FirstName",
                                                             "MiddleName",
                                                             "LastName",
                                                             "BirthDate",
                                                             "Gender",
                                                             "PhoneNumber",
                                                             "MobilePhoneNumber",
                                                             "HomePhoneNumber",
                                                             "BusinessPhoneNumber",
                                                             "EmailAddress",
                                                             "PersonalEmailAddress",
                                                             "BusinessEmailAddress",
                                                             "PartyTypeString",
                                                             "GenderString",
                                                             "ProfileType"};
constexpr std::array<std::string_view, 4> kAddressMembers = {"Address", "ShippingAddress",
                                                             "MailingAddress", "BillingAddress"};
constexpr std::array<std::string_view, 10> kAddressFields = {
    "Address1", "Address2", "Address3", "Address4", "City",
    "County",   "State",    "Province", "Country",  "PostalCode"};
constexpr std::array<std::string_view, 2> kPreferenceLists = {"Phone", "Email"};

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

std::span<const std::string_view> ProfileStringMembers() { return kStringMembers; }
std::span<const std::string_view> ProfileAddressMembers() { return kAddressMembers; }
std::span<const std::string_view> AddressFields() { return kAddressFields; }

Result<json::object> NewProfileFromCreate(const json::object& input, std::string_view profile_id) {
  auto empty = [](std::string_view member) {
    return Error::BadRequest("1 validation error detected: Value at '" + std::string(member) +
                             "' failed to satisfy constraint: Member must have length greater "
                             "than or equal to 1");
  };
  json::object p;
  p["ProfileId"] = profile_id;
  for (std::string_view m : kStringMembers) {
    const json::string* s = StringAt(input, m);
    if (!s) continue;
    if (s->empty()) return empty(m);
    p[m] = *s;
  }
  for (std::string_view m : kAddressMembers) {
    auto it = input.find(m);
    if (it == input.end() || !it->value().is_object()) continue;
    json::object address;
    for (std::string_view f : kAddressFields) {
      const json::string* s = StringAt(it->value().get_object(), f);
      if (!s) continue;
      if (s->empty()) return empty(std::string(m) + "." + std::string(f));
      address[f] = *s;
    }
    if (!address.empty()) p[m] = std::move(address);
  }
  if (auto it = input.find("Attributes"); it != input.end() && it->value().is_object()) {
    json::object attrs;
    for (const auto& [k, v] : it->value().get_object()) {
      if (k.empty()) return empty("Attributes");
      const json::string* s = v.if_string();
      if (!s) continue;
      if (s->empty()) return empty("Attributes." + std::string(k));
      attrs[k] = *s;
    }
    if (!attrs.empty()) p["Attributes"] = std::move(attrs);
  }
  if (auto it = input.find("EngagementPreferences"); it != input.end() && it->value().is_object()) {
    json::object prefs;
    for (std::string_view l : kPreferenceLists) {
      auto li = it->value().get_object().find(l);
      if (li != it->value().get_object().end() && li->value().is_array() &&
          !li->value().get_array().empty()) {
        prefs[l] = li->value();
      }
    }
    if (!prefs.empty()) p["EngagementPreferences"] = std::move(prefs);
  }
  return p;
}

json::object ApplyProfileUpdate(const json::object& current, const json::object& update) {
  json::object p = current;
  for (std::string_view m : kStringMembers) {
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
  for (std::string_view m : kAddressMembers) {
    auto it = update.find(m);
    if (it == update.end() || !it->value().is_object()) continue;
    patch_object(m, it->value().get_object(), [](json::object& target, const json::object& u) {
      for (std::string_view f : kAddressFields) {
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
  if (auto it = update.find("Attributes"); it != update.end() && it->value().is_object()) {
    patch_object("Attributes", it->value().get_object(), PatchStrings);
  }
  if (auto it = update.find("EngagementPreferences");
      it != update.end() && it->value().is_object()) {
    patch_object("EngagementPreferences", it->value().get_object(),
                 [](json::object& target, const json::object& u) {
                   for (std::string_view l : kPreferenceLists) {
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
    if (!k.empty() && k.front() == kInternalMemberPrefix) continue;
    out.emplace(k, v);
  }
  return out;
}

}  // namespace profiled::service
