// The object rules as plain functions: type definitions, templates, sources, keys, resolution,
// provenance of ingested fields, detection and statistics.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "service/object_attributes.h"
#include "service/object_detect.h"
#include "service/object_template.h"
#include "service/object_type.h"
#include "service/profile_object.h"

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

constexpr std::string_view kOrderType = R"({
  "ObjectTypeName": "Order", "Description": "orders", "AllowProfileCreation": true,
  "Fields": {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "first": {"Source": "_source.name.first", "Target": "_profile.FirstName"},
    "city": {"Source": "_source.addr.city", "Target": "_profile.Address.City"},
    "tier": {"Source": "_source.tier", "Target": "_profile.Attributes.tier"},
    "phone": {"Source": "_source.phone"},
    "loyalty": {"Source": "_source.loyalty"}
  },
  "Keys": {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_phone": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["phone"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}],
    "loyalty": [{"StandardIdentifiers": ["PROFILE", "LOOKUP_ONLY"], "FieldNames": ["loyalty"]}]
  }})";

TEST(ObjectTypeRules, AcceptsAValidDefinition) {
  EXPECT_TRUE(ValidateObjectTypeDefinition(Obj(kOrderType)).ok());
}

TEST(ObjectTypeRules, RequiresAtLeastOneKey) {
  json::object t = Obj(kOrderType);
  t["Keys"] = json::object();
  EXPECT_EQ(ValidateObjectTypeDefinition(t).error().code(), ErrorCode::kBadRequest);
  t.erase("Keys");
  EXPECT_FALSE(ValidateObjectTypeDefinition(t).ok());
}

TEST(ObjectTypeRules, RequiresExactlyOneUniqueKey) {
  json::object none = Obj(kOrderType);
  none["Keys"].as_object()["OrderId"] =
      json::parse(R"([{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["OrderId"]}])");
  auto s = ValidateObjectTypeDefinition(none);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("UNIQUE"), std::string::npos);
  json::object two = Obj(kOrderType);
  two["Keys"].as_object()["_email"] =
      json::parse(R"([{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["email"]}])");
  EXPECT_FALSE(ValidateObjectTypeDefinition(two).ok());
}

TEST(ObjectTypeRules, KeyFieldsMustExistInFields) {
  json::object t = Obj(kOrderType);
  t["Keys"].as_object()["_email"] =
      json::parse(R"([{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["nope"]}])");
  auto s = ValidateObjectTypeDefinition(t);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("nope"), std::string::npos);
}

TEST(ObjectTypeRules, ChecksSourcesAndProfileTargets) {
  json::object t = Obj(kOrderType);
  t["Fields"].as_object()["bad"] = Obj(R"({"Source": "email"})");
  EXPECT_FALSE(ValidateObjectTypeDefinition(t).ok());
  t = Obj(kOrderType);
  t["Fields"].as_object()["bad"] = Obj(R"({"Source": "_source.x", "Target": "_profile.Nope"})");
  EXPECT_FALSE(ValidateObjectTypeDefinition(t).ok());
  t = Obj(kOrderType);
  t["Fields"].as_object()["ok"] = Obj(
      R"({"Source": "{{_source.a}} {{_source.b}}", "Target": "_profile.BillingAddress.Country"})");
  EXPECT_TRUE(ValidateObjectTypeDefinition(t).ok());
}

TEST(ObjectTypeRules, ReservedNamesAndTemplateExclusivity) {
  EXPECT_FALSE(ValidatePutObjectTypeRequest(Obj(R"({"ObjectTypeName": "_order"})")).ok());
  EXPECT_FALSE(
      ValidatePutObjectTypeRequest(
          Obj(R"({"ObjectTypeName": "A", "TemplateId": "Salesforce-Account", "Keys": {}})"))
          .ok());
  EXPECT_FALSE(
      ValidatePutObjectTypeRequest(
          Obj(R"({"ObjectTypeName": "A", "TemplateId": "Salesforce-Account", "Fields": {}})"))
          .ok());
  EXPECT_TRUE(ValidatePutObjectTypeRequest(
                  Obj(R"({"ObjectTypeName": "A", "TemplateId": "Salesforce-Account"})"))
                  .ok());
}

TEST(ObjectTypeRules, BuildFromTemplateUsesItsMappings) {
  auto t = BuildObjectType(
      Obj(R"({"ObjectTypeName": "A", "Description": "d", "TemplateId": "Shopify-orders"})"),
      nullptr, 5);
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_TRUE(t->at("Keys").as_object().contains("_shopifyOrderId"));
  EXPECT_EQ(t->at("AllowProfileCreation"), true);
  EXPECT_EQ(t->at("CreatedAt"), 5.0);
  EXPECT_FALSE(BuildObjectType(Obj(R"({"ObjectTypeName": "A", "Description": "d",
                                       "TemplateId": "NoSuchTemplate"})"),
                               nullptr, 5)
                   .ok());
}

TEST(ObjectTemplates, CatalogueIsCompleteAndEveryTemplateIsValid) {
  ASSERT_EQ(ObjectTemplates().size(), ObjectTemplateSources().size()) << "a template is not JSON";
  for (std::string_view id :
       {"Salesforce-Account", "Salesforce-Contact", "Zendesk-users", "ServiceNow-sys_user",
        "Marketo-leads", "Shopify-customers", "Shopify-orders"}) {
    auto t = FindObjectTemplate(id);
    ASSERT_TRUE(t.ok()) << id;
    EXPECT_TRUE(t->contains("SourceName") && t->contains("SourceObject")) << id;
    auto s = ValidateObjectTypeDefinition(*t);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error().message();
  }
  EXPECT_EQ(FindObjectTemplate("nope").error().code(), ErrorCode::kNotFound);
}

TEST(Sources, PathsTemplatesAndTypes) {
  json::object o = Obj(R"({"a": {"b": "x", "n": 12, "d": 1.5, "t": true, "e": "", "z": null},
                           "list": [{"v": "first"}], "first": "John", "last": "Doe"})");
  EXPECT_EQ(EvaluateSource("_source.a.b", o), "x");
  EXPECT_EQ(EvaluateSource("_source.a.n", o), "12");
  EXPECT_EQ(EvaluateSource("_source.a.d", o), "1.5");
  EXPECT_EQ(EvaluateSource("_source.a.t", o), "true");
  EXPECT_EQ(EvaluateSource("_source.list.0.v", o), "first");
  EXPECT_EQ(EvaluateSource("_source.a.e", o), std::nullopt);
  EXPECT_EQ(EvaluateSource("_source.a.z", o), std::nullopt);
  EXPECT_EQ(EvaluateSource("_source.missing", o), std::nullopt);
  EXPECT_EQ(EvaluateSource("{{_source.first}} {{_source.middle}} {{_source.last}}", o), "John Doe");
  EXPECT_EQ(EvaluateSource("{{_source.nope}}", o), std::nullopt);
}

TEST(ObjectParsing, RejectsNonObjectsAndOversize) {
  EXPECT_FALSE(ParseProfileObject("not json").ok());
  EXPECT_FALSE(ParseProfileObject("[1]").ok());
  std::string big = R"({"a": ")" + std::string(kMaxObjectChars, 'x') + R"("})";
  EXPECT_FALSE(ParseProfileObject(big).ok());
  EXPECT_TRUE(ParseProfileObject(R"({"a": 1})").ok());
}

TEST(Keys, UniqueKeyMustBePresent) {
  auto keys = ExtractKeyValues(Obj(kOrderType), Obj(R"({"email": "a@x.com"})"));
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(keys.error().message().find("OrderId"), std::string::npos);
}

TEST(Keys, ExtractsPresentKeysAndOrdersSecondaryLast) {
  auto keys = ExtractKeyValues(Obj(kOrderType),
                               Obj(R"({"OrderId": 7, "email": "a@x.com", "phone": "+1555"})"));
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(UniqueKeyValue(*keys), "7");
  auto order = MatchingOrder(*keys);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].def.name, "_email");
  EXPECT_EQ(order[1].def.name, "_phone");
}

TEST(Keys, CompositeKeysJoinTheirFields) {
  json::object t = Obj(kOrderType);
  t["Keys"].as_object()["OrderId"] =
      json::parse(R"([{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId", "email"]}])");
  auto keys = ExtractKeyValues(t, Obj(R"({"OrderId": "o1", "email": "a@x.com"})"));
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(UniqueKeyValue(*keys), "o1_a@x.com");
}

TEST(Resolution, SingleMatchAttaches) {
  auto r = ResolveProfile({{"_email", "a", {"p1"}}}, false);
  EXPECT_EQ(r.kind, ResolutionKind::kAttach);
  EXPECT_EQ(r.profile_id, "p1");
}

TEST(Resolution, AmbiguousKeyIsSkippedForTheNext) {
  auto r = ResolveProfile({{"_email", "a", {"p1", "p2"}}, {"_phone", "1", {"p3"}}}, false);
  EXPECT_EQ(r.kind, ResolutionKind::kAttach);
  EXPECT_EQ(r.profile_id, "p3");
  EXPECT_EQ(r.matched_key, "_phone");
  EXPECT_EQ(r.ambiguous, std::vector<std::string>{"_email"});
}

TEST(Resolution, NoMatchFallsThroughToTheNextKey) {
  auto r = ResolveProfile({{"_email", "a", {}}, {"_phone", "1", {"p3"}}}, false);
  EXPECT_EQ(r.profile_id, "p3");
}

TEST(Resolution, NothingMatchedCreatesOrRejects) {
  EXPECT_EQ(ResolveProfile({{"_email", "a", {}}}, true).kind, ResolutionKind::kCreate);
  EXPECT_EQ(ResolveProfile({{"_email", "a", {}}}, false).kind, ResolutionKind::kReject);
  EXPECT_EQ(ResolveProfile({{"_email", "a", {"p1", "p2"}}}, false).kind, ResolutionKind::kReject);
  EXPECT_EQ(ResolveProfile({}, true).kind, ResolutionKind::kCreate);
}

TEST(Resolution, LookupOnlyNeverStoredNewOnlyOnlyOnCreatedProfiles) {
  json::object t = Obj(kOrderType);
  t["Keys"].as_object()["_phone"] =
      json::parse(R"([{"StandardIdentifiers": ["PROFILE", "NEW_ONLY"], "FieldNames": ["phone"]}])");
  auto keys = ExtractKeyValues(
      t, Obj(R"({"OrderId": "o", "email": "a@x.com", "phone": "1", "loyalty": "L1"})"));
  ASSERT_TRUE(keys.ok());
  auto names = [](const std::vector<ObjectKeyValue>& ks) {
    std::vector<std::string> out;
    for (const auto& k : ks) out.push_back(k.def.name);
    return out;
  };
  EXPECT_EQ(names(KeysToStore(*keys, false)), (std::vector<std::string>{"OrderId", "_email"}));
  EXPECT_EQ(names(KeysToStore(*keys, true)),
            (std::vector<std::string>{"OrderId", "_phone", "_email"}));
  // LOOKUP_ONLY keys still take part in matching.
  bool loyalty_matches = false;
  for (const auto& k : MatchingOrder(*keys)) loyalty_matches |= k.def.name == "loyalty";
  EXPECT_TRUE(loyalty_matches);
}

TEST(Mapping, WritesNestedTargets) {
  auto writes = MappedProfileFields(
      Obj(kOrderType), Obj(R"({"OrderId": "o", "email": "a@x.com", "name": {"first": "Ann"},
              "addr": {"city": "Oslo"}, "tier": "gold"})"));
  json::object profile = Obj(R"({"ProfileId": "p"})");
  auto written = ApplyIngestedFields(profile, writes, "Order", std::nullopt);
  EXPECT_EQ(written.size(), 4u);
  EXPECT_EQ(profile.at("FirstName"), "Ann");
  EXPECT_EQ(profile.at("Address").at("City"), "Oslo");
  EXPECT_EQ(profile.at("Attributes").at("tier"), "gold");
  EXPECT_EQ(profile.at("EmailAddress"), "a@x.com");
}

TEST(Mapping, ManualValuesSurviveIngestion) {
  json::object profile = Obj(R"({"ProfileId": "p", "FirstName": "Manual"})");
  ApplyIngestedFields(profile, {{"FirstName", "Ingested"}, {"LastName", "L1"}}, "Order", {});
  EXPECT_EQ(profile.at("FirstName"), "Manual");
  EXPECT_EQ(profile.at("LastName"), "L1");
  // Ingestion may update what ingestion wrote ...
  ApplyIngestedFields(profile, {{"LastName", "L2"}}, "Order", {});
  EXPECT_EQ(profile.at("LastName"), "L2");
  // ... but not once a person changed it (UpdateProfile keeps internal members).
  profile["LastName"] = "ByHand";
  ApplyIngestedFields(profile, {{"LastName", "L3"}}, "Order", {});
  EXPECT_EQ(profile.at("LastName"), "ByHand");
}

TEST(Mapping, SourcePriorityLowerWins) {
  json::object profile = Obj(R"({"ProfileId": "p"})");
  ApplyIngestedFields(profile, {{"FirstName", "FromCrm"}}, "Crm", 1);
  ApplyIngestedFields(profile, {{"FirstName", "FromShop"}}, "Shop", 5);
  EXPECT_EQ(profile.at("FirstName"), "FromCrm");
  ApplyIngestedFields(profile, {{"FirstName", "FromCrm2"}}, "Crm", 1);
  EXPECT_EQ(profile.at("FirstName"), "FromCrm2");
  ApplyIngestedFields(profile, {{"FirstName", "FromTop"}}, "Top", std::nullopt);
  EXPECT_EQ(profile.at("FirstName"), "FromCrm2");
}

TEST(Detect, ProposesFieldsAndKeys) {
  auto d = DetectObjectType({R"({"orderId": "o1", "email": "a@x.com", "phone": "+1 555 0100",
                                 "firstName": "Ann", "total": 10.5,
                                 "updatedAt": "2024-01-02T03:04:05Z"})",
                             R"({"orderId": "o2", "email": "b@x.com", "phone": "+1 555 0101",
                                 "firstName": "Bob", "total": 3,
                                 "updatedAt": "2024-01-02T03:04:06Z"})"});
  ASSERT_TRUE(d.ok()) << d.error().message();
  const json::object& fields = d->at("Fields").as_object();
  EXPECT_EQ(fields.at("email").at("ContentType"), "EMAIL_ADDRESS");
  EXPECT_EQ(fields.at("email").at("Target"), "_profile.EmailAddress");
  EXPECT_EQ(fields.at("phone").at("ContentType"), "PHONE_NUMBER");
  EXPECT_EQ(fields.at("total").at("ContentType"), "NUMBER");
  EXPECT_EQ(fields.at("firstName").at("Target"), "_profile.FirstName");
  const json::object& keys = d->at("Keys").as_object();
  EXPECT_TRUE(keys.contains("orderId"));
  EXPECT_TRUE(keys.contains("_email"));
  EXPECT_TRUE(d->contains("SourceLastUpdatedTimestampFormat"));
  json::object as_type = *d;
  EXPECT_TRUE(ValidateObjectTypeDefinition(as_type).ok());
  EXPECT_FALSE(DetectObjectType({"[1,2]"}).ok());
}

TEST(Statistics, MinMaxAveragePercentiles) {
  auto s = ComputeStatistics({4, 1, 3, 2, 5});
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->minimum, 1);
  EXPECT_DOUBLE_EQ(s->maximum, 5);
  EXPECT_DOUBLE_EQ(s->average, 3);
  EXPECT_DOUBLE_EQ(s->p50, 3);
  EXPECT_DOUBLE_EQ(s->p25, 2);
  EXPECT_NEAR(s->standard_deviation, 1.41421356, 1e-6);
  EXPECT_FALSE(ComputeStatistics({}).has_value());
}

}  // namespace
}  // namespace profiled::service
