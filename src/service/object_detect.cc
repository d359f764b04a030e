#include "service/object_detect.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cctype>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "common/ascii.h"
#include "service/common.h"
#include "service/object_type.h"
#include "service/profile_object.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// The name without separators, lower case: "first_name", "firstName" → "firstname".
std::string Squash(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '_' || c == '-' || c == '.' || c == ' ') continue;
    out += AsciiToLower(c);
  }
  return out;
}

bool LooksLikeEmail(std::string_view v) {
  size_t at = v.find('@');
  return at != std::string_view::npos && at > 0 && v.find('.', at) != std::string_view::npos &&
         v.find(' ') == std::string_view::npos;
}

bool LooksLikePhone(std::string_view v) {
  int digits = 0;
  for (char c : v) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (!std::strchr("+-() .", c)) {
      return false;
    }
  }
  return digits >= 7 && digits <= 15 && (v.front() == '+' || v.find_first_of("-() ") != v.npos);
}

bool LooksLikeIsoTimestamp(std::string_view v) {
  return v.size() >= 19 && std::isdigit(static_cast<unsigned char>(v[0])) && v[4] == '-' &&
         v[7] == '-' && v[10] == 'T' && v[13] == ':';
}

struct FieldInfo {
  std::string path;
  std::vector<json::value> values;
};

void Flatten(const json::object& o, const std::string& prefix,
             std::map<std::string, FieldInfo>& out, std::vector<std::string>& order) {
  for (const auto& [k, v] : o) {
    std::string path = prefix.empty() ? std::string(k) : prefix + "." + std::string(k);
    if (v.is_object()) {
      Flatten(v.get_object(), path, out, order);
      continue;
    }
    if (v.is_array() || v.is_null()) continue;
    auto [it, inserted] = out.try_emplace(path);
    if (inserted) {
      it->second.path = path;
      order.push_back(path);
    }
    it->second.values.push_back(v);
  }
}

std::string ContentType(const FieldInfo& f) {
  bool all_email = true, all_phone = true, all_number = true;
  for (const auto& v : f.values) {
    if (v.is_string()) {
      std::string_view s = v.get_string();
      all_email &= LooksLikeEmail(s);
      all_phone &= LooksLikePhone(s);
      all_number = false;
    } else {
      all_email = all_phone = false;
      all_number &= v.is_number();
    }
  }
  if (all_email) return "EMAIL_ADDRESS";
  if (all_phone) return "PHONE_NUMBER";
  if (all_number) return "NUMBER";
  std::string name = Squash(f.path.substr(f.path.rfind('.') + 1));
  if (name.find("name") != std::string::npos) return "NAME";
  return "STRING";
}

// The standard profile member a field most likely is, from its name and content.
std::string GuessTarget(const std::string& path, const std::string& content_type) {
  std::string leaf = Squash(path.substr(path.rfind('.') + 1));
  std::string parent =
      path.find('.') == std::string::npos ? "" : Squash(path.substr(0, path.rfind('.')));
  if (content_type == "EMAIL_ADDRESS") return "_profile.EmailAddress";
  if (content_type == "PHONE_NUMBER") {
    if (leaf.find("mobile") != std::string::npos || leaf.find("cell") != std::string::npos)
      return "_profile.MobilePhoneNumber";
    if (leaf.find("home") != std::string::npos) return "_profile.HomePhoneNumber";
    return "_profile.PhoneNumber";
  }
  static const std::map<std::string, std::string> kNames = {{"firstname", "FirstName"},
                                                            {"givenname", "FirstName"},
                                                            {"lastname", "LastName"},
                                                            {"surname", "LastName"},
                                                            {"familyname", "LastName"},
                                                            {"middlename", "MiddleName"},
                                                            {"birthdate", "BirthDate"},
                                                            {"dateofbirth", "BirthDate"},
                                                            {"dob", "BirthDate"},
                                                            {"gender", "GenderString"},
                                                            {"company", "BusinessName"},
                                                            {"companyname", "BusinessName"},
                                                            {"businessname", "BusinessName"},
                                                            {"accountnumber", "AccountNumber"}};
  if (auto it = kNames.find(leaf); it != kNames.end() && parent.empty()) {
    return "_profile." + it->second;
  }
  static const std::map<std::string, std::string> kAddress = {
      {"address1", "Address1"},     {"address", "Address1"},  {"street", "Address1"},
      {"address2", "Address2"},     {"city", "City"},         {"county", "County"},
      {"state", "State"},           {"province", "Province"}, {"country", "Country"},
      {"postalcode", "PostalCode"}, {"zip", "PostalCode"},    {"zipcode", "PostalCode"}};
  if (auto it = kAddress.find(leaf); it != kAddress.end()) {
    std::string which = "Address";
    if (parent.find("shipping") != std::string::npos) which = "ShippingAddress";
    if (parent.find("billing") != std::string::npos) which = "BillingAddress";
    if (parent.find("mailing") != std::string::npos) which = "MailingAddress";
    return "_profile." + which + "." + it->second;
  }
  return "";
}

bool IdLike(const std::string& path) {
  if (path.find('.') != std::string::npos) return false;
  std::string l = AsciiStrToLower(path);
  return l == "id" || (l.size() > 2 && l.substr(l.size() - 2) == "id");
}

bool Distinct(const FieldInfo& f, size_t samples) {
  if (f.values.size() != samples) return false;
  std::set<std::string> seen;
  for (const auto& v : f.values) {
    auto text = v.is_string() ? std::string(v.get_string()) : Serialize(json::object{{"v", v}});
    if (!seen.insert(text).second) return false;
  }
  return true;
}

json::object KeyEntry(std::initializer_list<std::string_view> ids, const std::string& field) {
  json::array identifiers;
  for (auto id : ids) identifiers.emplace_back(id);
  json::object key;
  key["StandardIdentifiers"] = std::move(identifiers);
  key["FieldNames"] = json::array{json::value(field)};
  return key;
}

}  // namespace

Result<json::object> DetectObjectType(const std::vector<std::string>& samples) {
  std::map<std::string, FieldInfo> fields;
  std::vector<std::string> order;
  for (const auto& text : samples) {
    ASSIGN_OR_RETURN(json::object o, ParseProfileObject(text));
    Flatten(o, "", fields, order);
  }
  json::object out_fields, keys;
  std::string unique_field, email_field, phone_field, timestamp_format;
  for (const std::string& path : order) {
    if (path.size() > 64) continue;  // longer than a field name may be
    const FieldInfo& f = fields.at(path);
    std::string type = ContentType(f);
    json::object field;
    field["Source"] = "_source." + path;
    std::string target = GuessTarget(path, type);
    if (!target.empty()) field["Target"] = target;
    field["ContentType"] = type;
    out_fields[path] = std::move(field);
    if (unique_field.empty() && IdLike(path) && Distinct(f, samples.size())) unique_field = path;
    if (email_field.empty() && type == "EMAIL_ADDRESS") email_field = path;
    if (phone_field.empty() && type == "PHONE_NUMBER") phone_field = path;
    std::string l = Squash(path);
    if (timestamp_format.empty() &&
        (l.find("updated") != std::string::npos || l.find("modified") != std::string::npos) &&
        !f.values.empty() && f.values[0].is_string() &&
        LooksLikeIsoTimestamp(f.values[0].get_string())) {
      std::string_view v = f.values[0].get_string();
      timestamp_format =
          v.size() > 19 && v[19] == '.' ? "yyyy-MM-dd'T'HH:mm:ss.SSSZ" : "yyyy-MM-dd'T'HH:mm:ssZ";
    }
  }
  if (unique_field.empty())
    unique_field = !email_field.empty() ? email_field : order.empty() ? "" : order[0];
  if (unique_field.empty()) return Error::BadRequest("The sample objects have no fields");
  auto key_name = [](const std::string& field) {
    std::string name;
    for (char c : field)
      name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
    return name;
  };
  std::string unique_key = key_name(unique_field);
  bool customer_id = AsciiStrToLower(unique_field).find("customer") != std::string::npos ||
                     AsciiStrToLower(unique_field) == "id" || unique_field == email_field;
  keys[unique_key] = json::array{customer_id ? KeyEntry({"PROFILE", "UNIQUE"}, unique_field)
                                             : KeyEntry({"UNIQUE"}, unique_field)};
  if (!email_field.empty() && email_field != unique_field) {
    keys["_email"] = json::array{KeyEntry({"PROFILE"}, email_field)};
  }
  if (!phone_field.empty() && phone_field != unique_field) {
    keys["_phone"] = json::array{KeyEntry({"PROFILE"}, phone_field)};
  }
  json::object detected;
  if (!timestamp_format.empty()) detected["SourceLastUpdatedTimestampFormat"] = timestamp_format;
  detected["Fields"] = std::move(out_fields);
  detected["Keys"] = std::move(keys);
  return detected;
}

namespace {

Result<json::object> DetectProfileObjectType(const ServiceEnv& env, const RequestContext& ctx,
                                             const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  RETURN_IF_ERROR(
      env.store->Read([&](store::Txn& txn) { return RequireDomain(txn, ctx, domain); }));
  std::vector<std::string> samples;
  if (const json::array* objects = GetArray(in, "Objects")) {
    for (const auto& o : *objects) {
      if (o.is_string()) samples.emplace_back(o.get_string());
    }
  }
  ASSIGN_OR_RETURN(json::object detected, DetectObjectType(samples));
  json::object out;
  out["DetectedProfileObjectTypes"] = json::array{std::move(detected)};
  return out;
}

}  // namespace

void RegisterObjectDetectOps(Registry& registry, const ServiceEnv& env) {
  registry.Register("DetectProfileObjectType", [env](const RequestContext& ctx, json::object in) {
    return DetectProfileObjectType(env, ctx, in);
  });
}

}  // namespace profiled::service
