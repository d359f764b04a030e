// Rule-based matching: configuration, normalisation and match keys (see rule_matching.h).
#include "service/rule_matching.h"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <map>

#include "common/ascii.h"
#include "common/hex.h"
#include "service/common.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kPlainAttributes[] = {
    "AccountNumber", "BirthDate", "BusinessName", "FirstName", "LastName", "MiddleName", "Gender"};
constexpr std::string_view kAddressPrefix = "Address.";
constexpr std::string_view kAddressParts[] = {"Address", "City",       "Country", "County",
                                              "State",   "PostalCode", "Province"};
constexpr std::string_view kCustomPrefix = "Attributes.";
constexpr std::string_view kEmailTypes[] = {"EmailAddress", "BusinessEmailAddress",
                                            "PersonalEmailAddress"};
constexpr std::string_view kPhoneTypes[] = {"PhoneNumber", "HomePhoneNumber", "MobilePhoneNumber",
                                            "BusinessPhoneNumber"};
// AWS's documented names, and the Profile member each stands for: AWS spells MailingAddress
// "MaillingAddress"; the Profile shape has no BusinessAddress, so the one address member the
// documented names leave out, BillingAddress, stands for it.
constexpr std::pair<std::string_view, std::string_view> kAddressTypes[] = {
    {"Address", "Address"},
    {"ShippingAddress", "ShippingAddress"},
    {"MailingAddress", "MailingAddress"},
    {"MaillingAddress", "MailingAddress"},
    {"BillingAddress", "BillingAddress"},
    {"BusinessAddress", "BillingAddress"}};
// Index values longer than this are stored as their digest (store keys stay short).
constexpr size_t kMaxIndexValue = 128;

template <size_t N>
bool In(const std::string_view (&list)[N], std::string_view v) {
  return std::find(std::begin(list), std::end(list), v) != std::end(list);
}

bool KnownAttribute(std::string_view a) {
  if (In(kPlainAttributes, a) || a == "EmailAddress" || a == "PhoneNumber") return true;
  if (a.starts_with(kAddressPrefix)) return In(kAddressParts, a.substr(kAddressPrefix.size()));
  return a.starts_with(kCustomPrefix) && a.size() > kCustomPrefix.size();
}

std::optional<std::string_view> AddressMember(std::string_view name) {
  for (const auto& [documented, member] : kAddressTypes) {
    if (documented == name) return member;
  }
  return std::nullopt;
}

std::vector<std::string> Strings(const json::array* a) {
  std::vector<std::string> out;
  if (!a) return out;
  for (const json::value& v : *a) {
    if (v.is_string()) out.emplace_back(v.get_string());
  }
  return out;
}

// 128 bits of two FNV-1a hashes with different offsets: a key digest, not a secret.
std::string Digest(std::string_view text) {
  uint64_t a = 1469598103934665603ull, b = 0x6c62272e07bb0142ull;
  for (unsigned char c : text) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ c) * 0x100000001b3ull;
    b ^= b >> 29;
  }
  std::string out;
  AppendHex(out, a, 16);
  AppendHex(out, b, 16);
  return out;
}

std::string IndexValue(std::string value) {
  return value.size() > kMaxIndexValue ? "#" + Digest(value) : value;
}

// One way a group of attributes has values: the sub-type (ONE_TO_ONE tag) and one normalised
// value per attribute of the group.
struct Alternative {
  std::string tag;
  std::vector<std::string> values;
};
struct AttributeGroup {
  std::vector<std::string> attributes;
  std::vector<Alternative> alternatives;
};

std::string MemberValue(const json::object& o, std::string_view member) {
  auto v = GetString(o, member);
  return v ? std::string(*v) : std::string();
}

std::string AddressPart(const json::object& address, std::string_view part) {
  if (part != "Address") return NormalizeMatchValue(MemberValue(address, part));
  std::string lines;
  for (std::string_view line : {"Address1", "Address2", "Address3", "Address4"}) {
    std::string v = MemberValue(address, line);
    if (v.empty()) continue;
    if (!lines.empty()) lines += ' ';
    lines += v;
  }
  return NormalizeMatchValue(lines);
}

// The attribute groups of a level: each email, phone, plain or custom attribute alone, and the
// level's Address.* attributes together (read from one address).
std::vector<AttributeGroup> LevelGroups(const RuleMatchingConfig& config,
                                        const std::vector<std::string>& attributes,
                                        const json::object& profile) {
  std::vector<AttributeGroup> groups;
  AttributeGroup address;
  for (const std::string& a : attributes) {
    if (a.starts_with(kAddressPrefix)) {
      address.attributes.push_back(a);
      continue;
    }
    AttributeGroup g{{a}, {}};
    auto add = [&](std::string tag, std::string value) {
      if (!value.empty()) g.alternatives.push_back({std::move(tag), {std::move(value)}});
    };
    if (a == "EmailAddress" || a == "PhoneNumber") {
      bool phone = a == "PhoneNumber";
      for (const std::string& member : phone ? config.phone_types : config.email_types) {
        std::string v = MemberValue(profile, member);
        add(member, phone ? PhoneDigits(v) : NormalizeMatchValue(v));
      }
    } else if (a.starts_with(kCustomPrefix)) {
      const json::object* attrs = GetObject(profile, "Attributes");
      if (attrs) add("", NormalizeMatchValue(MemberValue(*attrs, a.substr(kCustomPrefix.size()))));
    } else {
      add("", NormalizeMatchValue(MemberValue(profile, a)));
    }
    groups.push_back(std::move(g));
  }
  if (!address.attributes.empty()) {
    for (const std::string& member : config.address_types) {
      const json::object* addr = GetObject(profile, member);
      if (!addr) continue;
      Alternative alt{member, {}};
      for (const std::string& a : address.attributes) {
        std::string v = AddressPart(*addr, std::string_view(a).substr(kAddressPrefix.size()));
        if (v.empty()) break;
        alt.values.push_back(std::move(v));
      }
      if (alt.values.size() == address.attributes.size()) {
        address.alternatives.push_back(std::move(alt));
      }
    }
    groups.push_back(std::move(address));
  }
  if (config.many_to_many) {
    // Without sub-types, two alternatives with the same values are one.
    for (AttributeGroup& g : groups) {
      for (Alternative& alt : g.alternatives) alt.tag.clear();
      std::sort(g.alternatives.begin(), g.alternatives.end(),
                [](const Alternative& x, const Alternative& y) { return x.values < y.values; });
      g.alternatives.erase(std::unique(g.alternatives.begin(), g.alternatives.end(),
                                       [](const Alternative& x, const Alternative& y) {
                                         return x.values == y.values;
                                       }),
                           g.alternatives.end());
    }
  }
  return groups;
}

}  // namespace

std::string NormalizeMatchValue(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += AsciiToLower(c);
  }
  return out;
}

std::string PhoneDigits(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out;
}

Status CheckRuleBasedMatching(const json::object& request) {
  if (const json::array* rules = GetArray(request, "MatchingRules")) {
    for (size_t i = 0; i < rules->size(); ++i) {
      const json::object* rule = (*rules)[i].if_object();
      for (const std::string& a : Strings(rule ? GetArray(*rule, "Rule") : nullptr)) {
        if (!KnownAttribute(a)) {
          return Error::BadRequest(
              "RuleBasedMatching.MatchingRules[" + std::to_string(i) + "].Rule names attribute " +
              a +
              ", which is not a matching attribute (AccountNumber, Address.<Address|City|Country|"
              "County|PostalCode|State|Province>, BirthDate, BusinessName, EmailAddress, "
              "FirstName, Gender, LastName, MiddleName, PhoneNumber or Attributes.<key>)");
        }
      }
    }
  }
  if (const json::object* selector = GetObject(request, "AttributeTypesSelector")) {
    auto check = [&](std::string_view member, auto known) -> Status {
      for (const std::string& t : Strings(GetArray(*selector, member))) {
        if (!known(t)) {
          return Error::BadRequest("RuleBasedMatching.AttributeTypesSelector." +
                                   std::string(member) + " names " + t +
                                   ", which is not a sub-type of " + std::string(member));
        }
      }
      return OkStatus();
    };
    RETURN_IF_ERROR(check("EmailAddress", [](std::string_view t) { return In(kEmailTypes, t); }));
    RETURN_IF_ERROR(check("PhoneNumber", [](std::string_view t) { return In(kPhoneTypes, t); }));
    RETURN_IF_ERROR(
        check("Address", [](std::string_view t) { return AddressMember(t).has_value(); }));
  }
  if (const json::object* conflict = GetObject(request, "ConflictResolution")) {
    if (GetStringOr(*conflict, "ConflictResolvingModel", "") == "SOURCE" &&
        !GetString(*conflict, "SourceName")) {
      return Error::BadRequest(
          "RuleBasedMatching.ConflictResolution.SourceName is required when "
          "ConflictResolvingModel is SOURCE");
    }
  }
  return OkStatus();
}

RuleMatchingConfig ParseRuleMatching(const json::object& rbm) {
  RuleMatchingConfig config;
  if (const json::array* rules = GetArray(rbm, "MatchingRules")) {
    for (const json::value& r : *rules) {
      const json::object* rule = r.if_object();
      config.levels.push_back(Strings(rule ? GetArray(*rule, "Rule") : nullptr));
    }
  } else {
    config.levels = DefaultMatchingRules();
  }
  if (auto max = GetInt(rbm, "MaxAllowedRuleLevelForMatching");
      max && *max >= 0 && static_cast<size_t>(*max) < config.levels.size()) {
    config.levels.resize(static_cast<size_t>(*max));
  }
  config.max_merge_level =
      static_cast<int>(std::min<int64_t>(GetInt(rbm, "MaxAllowedRuleLevelForMerging").value_or(0),
                                         static_cast<int64_t>(config.levels.size())));
  config.email_types = {"EmailAddress"};
  config.phone_types = {"PhoneNumber"};
  config.address_types = {"Address"};
  if (const json::object* selector = GetObject(rbm, "AttributeTypesSelector")) {
    config.many_to_many = GetStringOr(*selector, "AttributeMatchingModel", "") == "MANY_TO_MANY";
    if (const json::array* a = GetArray(*selector, "EmailAddress")) config.email_types = Strings(a);
    if (const json::array* a = GetArray(*selector, "PhoneNumber")) config.phone_types = Strings(a);
    if (const json::array* a = GetArray(*selector, "Address")) {
      config.address_types.clear();
      for (const std::string& t : Strings(a)) {
        auto member = AddressMember(t);
        if (member && std::find(config.address_types.begin(), config.address_types.end(),
                                *member) == config.address_types.end()) {
          config.address_types.emplace_back(*member);
        }
      }
    }
  }
  if (const json::object* conflict = GetObject(rbm, "ConflictResolution")) {
    if (GetStringOr(*conflict, "ConflictResolvingModel", "") == "SOURCE") {
      config.conflict = ConflictModel::kSource;
      config.source_name = GetStringOr(*conflict, "SourceName", "");
    }
  }
  return config;
}

std::vector<LevelKey> LevelKeys(const RuleMatchingConfig& config, const json::object& profile,
                                int level) {
  std::vector<LevelKey> keys;
  if (level < 1 || static_cast<size_t>(level) > config.levels.size()) return keys;
  const std::vector<std::string>& attributes = config.levels[static_cast<size_t>(level) - 1];
  std::vector<AttributeGroup> groups = LevelGroups(config, attributes, profile);
  if (groups.empty()) return keys;
  for (const AttributeGroup& g : groups) {
    if (g.alternatives.empty()) return keys;  // AND: one attribute without a value, no key
  }
  std::string head = std::to_string(level);
  for (const std::string& a : attributes) head.append("\x1f").append(a);
  // Every combination of one alternative per group (an odometer over the groups).
  std::vector<size_t> pick(groups.size(), 0);
  while (true) {
    std::string text = head;
    LevelKey key;
    for (size_t g = 0; g < groups.size(); ++g) {
      const Alternative& alt = groups[g].alternatives[pick[g]];
      text.append("\x1e").append(alt.tag);
      for (size_t i = 0; i < alt.values.size(); ++i) {
        text.append("\x1d").append(alt.values[i]);
        key.values.emplace_back(groups[g].attributes[i], IndexValue(alt.values[i]));
      }
    }
    key.digest = Digest(text);
    keys.push_back(std::move(key));
    size_t g = 0;
    while (g < groups.size() && ++pick[g] == groups[g].alternatives.size()) pick[g++] = 0;
    if (g == groups.size()) break;
  }
  std::sort(keys.begin(), keys.end(),
            [](const LevelKey& a, const LevelKey& b) { return a.digest < b.digest; });
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [](const LevelKey& a, const LevelKey& b) { return a.digest == b.digest; }),
             keys.end());
  return keys;
}

std::vector<std::pair<std::string, std::string>> MatchRows(const RuleMatchingConfig& config,
                                                           const json::object& profile) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (size_t l = 0; l < config.levels.size(); ++l) {
    int level = static_cast<int>(l) + 1;
    for (LevelKey& key : LevelKeys(config, profile, level)) {
      rows.emplace_back(MatchKeyIndex(level), std::move(key.digest));
    }
    // Every value of every attribute, whether or not the level has a key: the low-cardinality
    // rule counts the profiles holding a value.
    for (const AttributeGroup& g : LevelGroups(config, config.levels[l], profile)) {
      for (const Alternative& alt : g.alternatives) {
        for (size_t i = 0; i < alt.values.size(); ++i) {
          rows.emplace_back(MatchValueIndex(g.attributes[i]), IndexValue(alt.values[i]));
        }
      }
    }
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

std::string MatchKeyIndex(int level) { return "rbmk/" + std::to_string(level); }
std::string MatchValueIndex(std::string_view attribute) { return "rbmv/" + std::string(attribute); }

int LevelOfMatchKeyIndex(std::string_view index) {
  constexpr std::string_view kPrefix = "rbmk/";
  if (!index.starts_with(kPrefix)) return 0;
  int level = 0;
  for (char c : index.substr(kPrefix.size())) {
    if (c < '0' || c > '9') return 0;
    level = level * 10 + (c - '0');
  }
  return level;
}

}  // namespace profiled::service
