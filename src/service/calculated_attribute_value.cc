// GetCalculatedAttributeForProfile, ListCalculatedAttributesForProfile,
// BatchGetCalculatedAttributeForProfile: a definition's Statistic computed on read over the
// profile's stored objects of the definition's object type (nothing is precomputed).
//
// Each object's value is the definition's Expression with every {Type.Attribute} replaced by the
// attribute's value in the object (the type's field of that name, evaluated from its Source, or
// else the object's top-level member of that name); + - * / and parentheses are supported. An
// object is ordered by the time it was ingested (its record's CreatedAt). Conditions.Range
// (DAYS) keeps objects ingested in the last Value days, Conditions.ObjectCount the latest N.
// Conditions.Threshold is not applied (see docs/resources.md).
#include "service/calculated_attribute_value.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "service/calculated_attribute.h"
#include "service/common.h"
#include "service/object_type.h"
#include "service/operations.h"
#include "service/profile_object.h"
#include "service/profile_store.h"
#include "service/resource_crud.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// A tiny recursive-descent evaluator over the expression with attribute values bound.
class ExpressionEval {
 public:
  ExpressionEval(std::string_view text, const std::map<std::string, double>& values)
      : s_(text), values_(values) {}
  std::optional<double> Run() {
    auto v = Expr();
    Skip();
    if (!v || pos_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  void Skip() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  std::optional<double> Expr() {
    auto v = Term();
    while (v) {
      Skip();
      if (pos_ >= s_.size() || (s_[pos_] != '+' && s_[pos_] != '-')) break;
      char op = s_[pos_++];
      auto r = Term();
      if (!r) return std::nullopt;
      v = op == '+' ? *v + *r : *v - *r;
    }
    return v;
  }
  std::optional<double> Term() {
    auto v = Factor();
    while (v) {
      Skip();
      if (pos_ >= s_.size() || (s_[pos_] != '*' && s_[pos_] != '/')) break;
      char op = s_[pos_++];
      auto r = Factor();
      if (!r) return std::nullopt;
      if (op == '/' && *r == 0) return std::nullopt;
      v = op == '*' ? *v * *r : *v / *r;
    }
    return v;
  }
  std::optional<double> Factor() {
    Skip();
    if (pos_ >= s_.size()) return std::nullopt;
    if (s_[pos_] == '(') {
      ++pos_;
      auto v = Expr();
      Skip();
      if (!v || pos_ >= s_.size() || s_[pos_] != ')') return std::nullopt;
      ++pos_;
      return v;
    }
    if (s_[pos_] == '{') {
      size_t end = s_.find('}', pos_);
      if (end == std::string_view::npos) return std::nullopt;
      std::string element(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      auto it = values_.find(element);
      if (it == values_.end()) return std::nullopt;
      return it->second;
    }
    size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) {
      ++pos_;
    }
    if (start == pos_) return std::nullopt;
    return std::strtod(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr);
  }

  std::string_view s_;
  const std::map<std::string, double>& values_;
  size_t pos_ = 0;
};

constexpr std::string_view kListPurpose = "ListCalculatedAttributesForProfile";

// The attribute's value in one object: the type's field of that name, else a top-level member.
std::optional<std::string> AttributeValue(const json::object& type, const json::object& object,
                                          const std::string& attribute) {
  if (const json::object* fields = GetObject(type, "Fields")) {
    if (const json::object* field = GetObject(*fields, attribute)) {
      if (auto source = GetString(*field, "Source")) return EvaluateSource(*source, object);
    }
  }
  return EvaluateSource("_source." + attribute, object);
}

}  // namespace

std::optional<double> EvaluateExpression(std::string_view expression,
                                         const std::map<std::string, double>& values) {
  return ExpressionEval(expression, values).Run();
}

std::string FormatNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

Result<AttributeDefinition> ParseAttributeDefinition(const json::object& def) {
  const json::object* details = GetObject(def, "AttributeDetails");
  if (!details) return Error::Internal("stored calculated attribute has no AttributeDetails");
  AttributeDefinition out;
  ASSIGN_OR_RETURN(out.terms, ParseAttributeDetails(*details));
  out.object_type = out.terms.front().object_type;
  out.expression = GetStringOr(*details, "Expression", "");
  out.statistic = GetStringOr(def, "Statistic", "");
  if (const json::object* conditions = GetObject(def, "Conditions")) {
    if (const json::object* range = GetObject(*conditions, "Range")) {
      out.range_days = GetInt(*range, "Value");
    }
    out.object_count = GetInt(*conditions, "ObjectCount");
  }
  return out;
}

std::optional<ObjectValue> ObjectValueOf(const AttributeDefinition& def, const json::object& type,
                                         const json::object& record) {
  boost::system::error_code ec;
  json::value parsed = json::parse(GetStringOr(record, "Object", ""), ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  ObjectValue ov;
  auto at = record.find("CreatedAt");
  ov.at = at != record.end() && at->value().is_number() ? at->value().to_number<double>() : 0;
  std::map<std::string, double> bound;
  for (const ExpressionTerm& term : def.terms) {
    auto v = AttributeValue(type, parsed.as_object(), term.attribute);
    if (!v) return std::nullopt;
    if (def.terms.size() == 1 &&
        def.expression == "{" + term.object_type + "." + term.attribute + "}") {
      ov.text = *v;
    }
    char* end = nullptr;
    double d = std::strtod(v->c_str(), &end);
    if (end && *end == '\0' && !v->empty()) bound[term.object_type + "." + term.attribute] = d;
  }
  ov.number = EvaluateExpression(def.expression, bound);
  if (ov.text.empty() && ov.number) ov.text = FormatNumber(*ov.number);
  if (ov.text.empty()) return std::nullopt;
  return ov;
}

void ApplyConditions(const AttributeDefinition& def, double now, std::vector<ObjectValue>& values) {
  std::stable_sort(values.begin(), values.end(),
                   [](const ObjectValue& a, const ObjectValue& b) { return a.at < b.at; });
  if (def.range_days) {
    double since = now - static_cast<double>(*def.range_days) * 86400;
    std::erase_if(values, [&](const ObjectValue& v) { return v.at < since; });
  }
  if (def.object_count && values.size() > static_cast<size_t>(*def.object_count)) {
    values.erase(values.begin(), values.end() - *def.object_count);
  }
}

Computed Summarize(std::string_view statistic, const std::vector<ObjectValue>& values) {
  Computed out;
  if (statistic == "COUNT") out.value = std::to_string(values.size());
  if (values.empty()) return out;
  out.last_object_timestamp = values.back().at;
  if (statistic == "FIRST_OCCURRENCE") out.value = values.front().text;
  if (statistic == "LAST_OCCURRENCE") out.value = values.back().text;
  if (statistic == "MAX_OCCURRENCE") {
    std::map<std::string, size_t> counts;
    for (const auto& v : values) ++counts[v.text];
    auto best = std::max_element(counts.begin(), counts.end(),
                                 [](auto& a, auto& b) { return a.second < b.second; });
    out.value = best->first;
  }
  std::vector<double> numbers;
  for (const auto& v : values) {
    if (v.number) numbers.push_back(*v.number);
  }
  if (numbers.empty()) return out;
  double sum = 0;
  for (double n : numbers) sum += n;
  if (statistic == "SUM") out.value = FormatNumber(sum);
  if (statistic == "AVERAGE") out.value = FormatNumber(sum / static_cast<double>(numbers.size()));
  if (statistic == "MINIMUM") {
    out.value = FormatNumber(*std::min_element(numbers.begin(), numbers.end()));
  }
  if (statistic == "MAXIMUM") {
    out.value = FormatNumber(*std::max_element(numbers.begin(), numbers.end()));
  }
  return out;
}

namespace {

// The definition's value for the profile: every stored object of the definition's type on the
// profile, valued, filtered by the conditions and summarised.
Result<Computed> Compute(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                         const json::object& stored_def, std::string_view profile_id, double now) {
  ASSIGN_OR_RETURN(AttributeDefinition def, ParseAttributeDefinition(stored_def));
  json::object type;
  {
    auto loaded = LoadObjectType(txn, ctx, domain, def.object_type);
    if (loaded.ok()) type = std::move(*loaded);  // a deleted type has no objects left either
  }
  std::vector<ObjectValue> values;
  RETURN_IF_ERROR(
      ForEachObjectOfProfile(txn, DomainScope(ctx, domain), def.object_type, profile_id, "",
                             [&](const std::string&, json::object record) -> Result<WalkStep> {
                               if (auto v = ObjectValueOf(def, type, record))
                                 values.push_back(std::move(*v));
                               return WalkStep::kNext;
                             }));
  ApplyConditions(def, now, values);
  return Summarize(def.statistic, values);
}

json::object Item(std::string_view name, const json::object& def, const Computed& c) {
  json::object item;
  item["CalculatedAttributeName"] = name;
  if (auto display = GetString(def, "DisplayName")) item["DisplayName"] = *display;
  item["IsDataPartial"] = "false";
  if (c.value && !c.value->empty()) item["Value"] = *c.value;
  if (c.last_object_timestamp) item["LastObjectTimestamp"] = *c.last_object_timestamp;
  return item;
}

Result<json::object> LoadDefinition(store::Txn& txn, const RequestContext& ctx,
                                    std::string_view domain, std::string_view name) {
  ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kCalculatedAttributeKind, name));
  if (!body) {
    return Error::NotFound("Calculated attribute " + std::string(name) +
                           " does not exist in domain " + std::string(domain));
  }
  return ParseStored(*body);
}

Result<json::object> GetForProfile(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  std::string name = GetStringOr(in, "CalculatedAttributeName", "");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    RETURN_IF_ERROR(LoadProfile(txn, DomainScope(ctx, domain), profile_id, false));
    ASSIGN_OR_RETURN(json::object def, LoadDefinition(txn, ctx, domain, name));
    ASSIGN_OR_RETURN(Computed c,
                     Compute(txn, ctx, domain, def, profile_id, env.clock->NowEpochSeconds()));
    out = Item(name, def, c);
    return OkStatus();
  }));
  return out;
}

Result<json::object> ListForProfile(const ServiceEnv& env, const RequestContext& ctx,
                                    const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string profile_id = GetStringOr(in, "ProfileId", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kListPurpose));
  size_t page = PageSize(in, 100, 100);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    RETURN_IF_ERROR(LoadProfile(txn, DomainScope(ctx, domain), profile_id, false));
    ASSIGN_OR_RETURN(auto docs, txn.Scan(DomainScope(ctx, domain), kCalculatedAttributeKind, "",
                                         cursor, page + 1));
    bool more = docs.size() > page;
    if (more) docs.resize(page);
    json::array items;
    double now = env.clock->NowEpochSeconds();
    for (const auto& d : docs) {
      ASSIGN_OR_RETURN(json::object def, ParseStored(d.body));
      ASSIGN_OR_RETURN(Computed c, Compute(txn, ctx, domain, def, profile_id, now));
      items.push_back(Item(d.id, def, c));
    }
    out["Items"] = std::move(items);
    if (more) out["NextToken"] = EncodeToken(kListPurpose, docs.back().id);
    return OkStatus();
  }));
  return out;
}

Result<json::object> BatchGetForProfile(const ServiceEnv& env, const RequestContext& ctx,
                                        const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string name = GetStringOr(in, "CalculatedAttributeName", "");
  const json::array* ids = GetArray(in, "ProfileIds");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(json::object def, LoadDefinition(txn, ctx, domain, name));
    json::array values, errors;
    double now = env.clock->NowEpochSeconds();
    for (const json::value& v : ids ? *ids : json::array()) {
      if (!v.is_string()) continue;
      std::string profile_id(v.get_string());
      auto profile = LoadProfile(txn, DomainScope(ctx, domain), profile_id, false);
      if (!profile.ok()) {
        if (profile.error().code() != ErrorCode::kNotFound) return std::move(profile).error();
        json::object error;
        error["Code"] = "ResourceNotFoundException";
        error["Message"] = profile.error().message();
        error["ProfileId"] = profile_id;
        errors.push_back(std::move(error));
        continue;
      }
      ASSIGN_OR_RETURN(Computed c, Compute(txn, ctx, domain, def, profile_id, now));
      json::object item = Item(name, def, c);
      item["ProfileId"] = profile_id;
      values.push_back(std::move(item));
    }
    out["CalculatedAttributeValues"] = std::move(values);
    if (!errors.empty()) out["Errors"] = std::move(errors);
    if (const json::object* overrides = GetObject(in, "ConditionOverrides")) {
      out["ConditionOverrides"] = *overrides;
    }
    return OkStatus();
  }));
  return out;
}

}  // namespace

void RegisterCalculatedAttributeValueOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("GetCalculatedAttributeForProfile", WithEnv(env, GetForProfile));
  registry.Register("ListCalculatedAttributesForProfile", WithEnv(env, ListForProfile));
  registry.Register("BatchGetCalculatedAttributeForProfile", WithEnv(env, BatchGetForProfile));
}

}  // namespace profiled::service
