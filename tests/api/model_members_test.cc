// The member lists the service rules read (service/generated/model_members.h, written by
// tools/codegen/gen_members.py) against the model the binary embeds; then the rules themselves,
// driven member by member from the embedded model rather than from the lists: every member the
// model gives Profile is created, patched by UpdateProfile, merged, indexed for
// ListProfileAttributeValues and accepted as an object type mapping target. A member the model
// adds therefore fails here until the header is regenerated, and passes after, without edits.
#include "service/generated/model_members.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <functional>
#include <set>
#include <span>
#include <string>

#include "api/model.h"
#include "service/attribute_values.h"
#include "service/merge.h"
#include "service/object_type.h"
#include "service/profile_patch.h"

namespace profiled {
namespace {
namespace json = boost::json;
namespace model = service::model;
using api::Model;
using api::Shape;
using api::ShapeType;

std::set<std::string> Set(std::span<const std::string_view> list) {
  return std::set<std::string>(list.begin(), list.end());
}

const Shape& ShapeNamed(std::string_view name) {
  const Shape* shape = Model::Get().FindShape(name);
  if (!shape) ADD_FAILURE() << "the model has no shape " << name;
  static const Shape kEmpty;
  return shape ? *shape : kEmpty;
}

std::set<std::string> MemberNames(std::string_view shape) {
  std::set<std::string> out;
  for (const api::Member& m : ShapeNamed(shape).members) out.insert(m.name);
  return out;
}

// Profile members that CreateProfileRequest also has (a client writes them) and that `pred`
// accepts.
std::set<std::string> WritableProfileMembers(const std::function<bool(const Shape&)>& pred) {
  const Shape& create = ShapeNamed("CreateProfileRequest");
  std::set<std::string> out;
  for (const api::Member& m : ShapeNamed("Profile").members) {
    if (create.FindMember(m.name) && pred(*m.shape)) out.insert(m.name);
  }
  return out;
}

std::set<std::string> WritableStrings() {
  return WritableProfileMembers([](const Shape& s) { return s.type == ShapeType::kString; });
}
std::set<std::string> WritableAddresses() {
  return WritableProfileMembers([](const Shape& s) { return s.name == "Address"; });
}
std::set<std::string> WritableMaps() {
  return WritableProfileMembers([](const Shape& s) { return s.type == ShapeType::kMap; });
}

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

TEST(ModelMembers, ProfileListsAreTheEmbeddedModels) {
  EXPECT_EQ(Set(model::kProfileStringMembers), WritableStrings());
  EXPECT_EQ(Set(model::kProfileAddressMembers), WritableAddresses());
  EXPECT_EQ(Set(model::kProfileMapMembers), WritableMaps());
  EXPECT_EQ(
      std::set<std::string>{std::string(model::kProfileEngagementPreferences)},
      WritableProfileMembers([](const Shape& s) { return s.name == "EngagementPreferences"; }));
  std::set<std::string> read_only;
  for (const api::Member& m : ShapeNamed("Profile").members) {
    if (!ShapeNamed("CreateProfileRequest").FindMember(m.name)) read_only.insert(m.name);
  }
  EXPECT_EQ(Set(model::kProfileReadOnlyMembers), read_only);
}

TEST(ModelMembers, EveryProfileMemberHasExactlyOneKind) {
  std::multiset<std::string> listed;
  for (auto list : {std::span<const std::string_view>(model::kProfileStringMembers),
                    std::span<const std::string_view>(model::kProfileAddressMembers),
                    std::span<const std::string_view>(model::kProfileMapMembers),
                    std::span<const std::string_view>(model::kProfileReadOnlyMembers)}) {
    listed.insert(list.begin(), list.end());
  }
  listed.insert(std::string(model::kProfileEngagementPreferences));
  std::set<std::string> profile = MemberNames("Profile");
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), profile);
  EXPECT_EQ(listed.size(), profile.size()) << "a member is listed under two kinds";
}

TEST(ModelMembers, NestedShapesAndEnumsAreTheEmbeddedModels) {
  EXPECT_EQ(Set(model::kAddressMembers), MemberNames("Address"));
  EXPECT_EQ(Set(model::kAddressMembers), MemberNames("UpdateAddress"));
  EXPECT_EQ(Set(model::kEngagementPreferencesMembers), MemberNames("EngagementPreferences"));
  EXPECT_EQ(Set(model::kFieldSourceMembers), MemberNames("FieldSourceProfileIds"));
  const Shape& recipes = ShapeNamed("RecommenderRecipeName");
  EXPECT_EQ(std::vector<std::string>(std::begin(model::kRecommenderRecipeName),
                                     std::end(model::kRecommenderRecipeName)),
            recipes.enum_values);
}

TEST(ModelMembers, UpdateProfileReachesEveryWritableMember) {
  const Shape& update = ShapeNamed("UpdateProfileRequest");
  for (const std::string& m : WritableStrings()) {
    EXPECT_TRUE(update.FindMember(m)) << m;
    json::object stored = Obj(R"({"ProfileId": "p"})");
    stored[m] = "old";
    json::object patch;
    patch[m] = "new";
    EXPECT_EQ(service::ApplyProfileUpdate(stored, patch).at(m), "new") << m;
    patch[m] = "";
    EXPECT_FALSE(service::ApplyProfileUpdate(stored, patch).contains(m)) << m;
  }
  for (const std::string& a : WritableAddresses()) {
    EXPECT_TRUE(update.FindMember(a)) << a;
    for (const std::string& f : MemberNames("Address")) {
      json::object stored = Obj(R"({"ProfileId": "p"})");
      stored[a] = json::object{{"Sibling", "kept"}, {f, "old"}};
      json::object patch;
      patch[a] = json::object{{f, "new"}};
      json::object after = service::ApplyProfileUpdate(stored, patch);
      EXPECT_EQ(after.at(a), (json::object{{"Sibling", "kept"}, {f, "new"}})) << a << "." << f;
      patch[a] = json::object{{f, ""}};
      after = service::ApplyProfileUpdate(stored, patch);
      EXPECT_EQ(after.at(a), (json::object{{"Sibling", "kept"}})) << a << "." << f;
    }
  }
  for (const std::string& m : WritableMaps()) {
    EXPECT_TRUE(update.FindMember(m)) << m;
    json::object stored = Obj(R"({"ProfileId": "p"})");
    stored[m] = json::object{{"a", "1"}, {"b", "2"}};
    json::object patch;
    patch[m] = json::object{{"a", ""}, {"c", "3"}};
    EXPECT_EQ(service::ApplyProfileUpdate(stored, patch).at(m),
              (json::object{{"b", "2"}, {"c", "3"}}))
        << m;
  }
  for (const std::string& l : MemberNames("EngagementPreferences")) {
    json::object stored = Obj(R"({"ProfileId": "p"})");
    stored[model::kProfileEngagementPreferences] =
        json::object{{l, json::array{"old"}}, {"Sibling", json::array{"kept"}}};
    json::object patch;
    patch[model::kProfileEngagementPreferences] = json::object{{l, json::array{"new"}}};
    EXPECT_EQ(service::ApplyProfileUpdate(stored, patch).at(model::kProfileEngagementPreferences),
              (json::object{{l, json::array{"new"}}, {"Sibling", json::array{"kept"}}}))
        << l;
  }
}

TEST(ModelMembers, CreateProfileKeepsEveryWritableMember) {
  json::object in;
  for (const std::string& m : WritableStrings()) in[m] = "v-" + m;
  for (const std::string& a : WritableAddresses()) {
    json::object address;
    for (const std::string& f : MemberNames("Address")) address[f] = a + "-" + f;
    in[a] = std::move(address);
  }
  for (const std::string& m : WritableMaps()) in[m] = json::object{{"k", "v"}};
  json::object prefs;
  for (const std::string& l : MemberNames("EngagementPreferences")) prefs[l] = json::array{"x"};
  in[model::kProfileEngagementPreferences] = prefs;
  auto created = service::NewProfileFromCreate(in, "p");
  ASSERT_TRUE(created.ok()) << created.error().message();
  json::object expected = in;
  expected["ProfileId"] = "p";
  EXPECT_EQ(*created, expected);
}

TEST(ModelMembers, MergeTakesEveryWritableMemberFromAMergedProfile) {
  json::object main = Obj(R"({"ProfileId": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})");
  json::object merged = Obj(R"({"ProfileId": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"})");
  for (const std::string& m : WritableStrings()) merged[m] = "v-" + m;
  for (const std::string& a : WritableAddresses()) merged[a] = json::object{{"City", a}};
  for (const std::string& m : WritableMaps()) merged[m] = json::object{{"k", m}};
  merged[model::kProfileEngagementPreferences] = json::object{{"Phone", json::array{"x"}}};
  auto out = service::MergeProfileDocuments(main, {merged}, nullptr);
  ASSERT_TRUE(out.ok()) << out.error().message();
  for (const auto& [k, v] : merged) {
    if (k == "ProfileId") continue;
    const json::value* taken = out->if_contains(k);
    EXPECT_TRUE(taken && *taken == v) << k;
  }
  // Every member FieldSourceProfileIds has decides a Profile member.
  for (const std::string& f : MemberNames("FieldSourceProfileIds")) {
    EXPECT_TRUE(MemberNames("Profile").contains(f)) << f;
  }
}

TEST(ModelMembers, AttributeValuesAndMappingTargetsCoverEveryStringAProfileHolds) {
  json::object profile = Obj(R"({"ProfileId": "p"})");
  std::vector<std::string> paths;
  for (const std::string& m : WritableStrings()) {
    profile[m] = "v";
    paths.push_back(m);
  }
  for (const std::string& a : WritableAddresses()) {
    json::object address;
    for (const std::string& f : MemberNames("Address")) {
      address[f] = "v";
      paths.push_back(a + "." + f);
    }
    profile[a] = std::move(address);
  }
  for (const std::string& m : WritableMaps()) {
    profile[m] = json::object{{"key", "v"}};
    paths.push_back(m + ".key");
  }
  std::vector<service::KeyRow> rows = service::DeriveAttributeValues(profile);
  for (const std::string& path : paths) {
    EXPECT_TRUE(service::IsProfileAttributeName(path)) << path;
    EXPECT_NE(std::find(rows.begin(), rows.end(), service::KeyRow{path, "v"}), rows.end()) << path;
    json::object type = Obj(R"({"Fields": {"id": {"Source": "_source.id"}},
        "Keys": {"_id": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["id"]}]}})");
    type["Fields"].as_object()["f"] =
        json::object{{"Source", "_source.f"}, {"Target", "_profile." + path}};
    Status valid = service::ValidateObjectTypeDefinition(type);
    EXPECT_TRUE(valid.ok()) << path << ": " << (valid.ok() ? "" : valid.error().message());
  }
  EXPECT_EQ(rows.size(), paths.size());
  for (std::string_view read_only : model::kProfileReadOnlyMembers) {
    EXPECT_FALSE(service::IsProfileStringPath(read_only)) << read_only;
  }
}

}  // namespace
}  // namespace profiled
