// MergeProfiles through the registry on a real SQLite store: profiles, objects, keys, history and
// domain statistics after a merge, and that a refused merge changes nothing.
#include <boost/json/serialize.hpp>
#include <set>

#include "service/common.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

constexpr std::string_view kOrderType = R"({"DomainName": "d", "ObjectTypeName": "Order",
  "Description": "orders", "AllowProfileCreation": false,
  "Fields": {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email"},
    "city": {"Source": "_source.city", "Target": "_profile.Address.City"}
  },
  "Keys": {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
  }})";

class MergeServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d"})");
    Ok("PutProfileObjectType", kOrderType);
    a_ = Create(R"("FirstName": "Ann", "EmailAddress": "a@x")");
    b_ = Create(R"("FirstName": "Anne", "LastName": "Cole", "EmailAddress": "b@x")");
    c_ = Create(R"("FirstName": "Annie", "EmailAddress": "c@x", "Attributes": {"k": "v"})");
    Ok("AddProfileKey", R"({"DomainName": "d", "ProfileId": ")" + c_ +
                            R"(", "KeyName": "loyaltyId", "Values": ["L-9"]})");
    PutOrder("o-a", "a@x");
    PutOrder("o-b1", "b@x");
    PutOrder("o-b2", "b@x", "Lyon");
    PutOrder("o-c", "c@x");
  }
  void PutOrder(std::string_view id, std::string_view email, std::string_view city = "") {
    json::object o;
    o["OrderId"] = id;
    o["email"] = email;
    if (!city.empty()) o["city"] = city;
    json::object in;
    in["DomainName"] = "d";
    in["ObjectTypeName"] = "Order";
    in["Object"] = json::serialize(o);
    auto r = Call("PutProfileObject", in);
    ASSERT_TRUE(r.ok()) << r.error().message();
  }
  std::set<std::string> Orders(const std::string& profile) {
    json::object r = Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "Order",
        "ProfileId": ")" + profile + R"("})");
    std::set<std::string> keys;
    for (const auto& item : r["Items"].as_array()) {
      keys.insert(std::string(item.at("ProfileObjectUniqueKey").as_string()));
    }
    return keys;
  }
  json::object Profile(const std::string& id) {
    json::object r =
        Ok("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + id + R"("]})");
    auto& profiles = r.at("Profiles").as_array();
    return profiles.empty() ? json::object() : profiles.at(0).as_object();
  }
  std::vector<std::string> Actions(const std::string& id) {
    json::object r =
        Ok("ListProfileHistoryRecords", R"({"DomainName": "d", "ProfileId": ")" + id + R"("})");
    std::vector<std::string> actions;
    for (const auto& rec : r["ProfileHistoryRecords"].as_array()) {
      actions.emplace_back(rec.at("ActionType").as_string());
    }
    return actions;
  }
  Result<json::object> Merge(std::string_view main, std::vector<std::string> merged,
                             std::string_view sources = "") {
    json::object in;
    in["DomainName"] = "d";
    in["MainProfileId"] = main;
    json::array ids;
    for (const auto& id : merged) ids.emplace_back(id);
    in["ProfileIdsToBeMerged"] = std::move(ids);
    if (!sources.empty()) in["FieldSourceProfileIds"] = Obj(sources);
    return Call("MergeProfiles", in);
  }
  int64_t Count(std::string_view stat) {
    return Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").at(stat).as_int64();
  }
  // Everything a refused merge must leave as it was.
  std::string Snapshot() {
    json::object s;
    for (const auto& id : {a_, b_, c_}) {
      json::object p;
      p["profile"] = Profile(id);
      json::array orders;
      for (const auto& o : Orders(id)) orders.emplace_back(o);
      p["orders"] = std::move(orders);
      p["history"] = Actions(id).size();
      s[id] = std::move(p);
    }
    return json::serialize(s);
  }

  std::string a_, b_, c_;
};

TEST_F(MergeServiceTest, MergeMovesObjectsAndKeysAndDeletesTheMerged) {
  EXPECT_EQ(Count("ProfileCount"), 3);
  auto r = Merge(a_, {b_, c_}, R"({"FirstName": ")" + b_ + R"("})");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->at("Message").is_string());

  EXPECT_EQ(Count("ProfileCount"), 1);
  EXPECT_EQ(Count("ObjectCount"), 4);
  json::object batch = Ok("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + b_ +
                                                 R"(", ")" + c_ + R"("]})");
  EXPECT_TRUE(batch.at("Profiles").as_array().empty());
  EXPECT_EQ(batch.at("Errors").as_array().size(), 2u);
  EXPECT_TRUE(Search("_profileId", b_).empty());
  EXPECT_TRUE(Search("_profileId", c_).empty());

  std::set<std::string> main{a_};
  EXPECT_EQ(Search("_email", "a@x"), main);
  EXPECT_EQ(Search("_email", "b@x"), main);
  EXPECT_EQ(Search("_email", "c@x"), main);
  EXPECT_EQ(Search("loyaltyId", "L-9"), main);
  EXPECT_EQ(Search("OrderId", "o-b2"), main);
  EXPECT_EQ(Search("_fullName", "Anne Cole"), main);  // b's full name, a key of b's
  EXPECT_EQ(Search("_fullName", "Annie"), main);      // c's
  // The main profile's own derived keys follow its merged document: "Ann" became "Anne Cole".
  EXPECT_TRUE(Search("_fullName", "Ann").empty());

  EXPECT_EQ(Orders(a_), (std::set<std::string>{"o-a", "o-b1", "o-b2", "o-c"}));
  json::object p = Profile(a_);
  EXPECT_EQ(p.at("FirstName"), "Anne");
  EXPECT_EQ(p.at("LastName"), "Cole");
  EXPECT_EQ(p.at("EmailAddress"), "a@x");
  EXPECT_EQ(p.at("Address"), Obj(R"({"City": "Lyon"})"));
  EXPECT_EQ(p.at("Attributes"), Obj(R"({"k": "v"})"));

  EXPECT_EQ(Actions(a_).back(), "MERGED");
  EXPECT_EQ(Actions(b_).back(), "DELETED_BY_MERGE");
  EXPECT_EQ(Actions(c_).back(), "DELETED_BY_MERGE");

  // Later objects for the merged customers find the main profile, and an object first put on a
  // merged profile is replaced in place on the main one.
  PutOrder("o-new", "c@x");
  PutOrder("o-b1", "b@x");
  EXPECT_EQ(Orders(a_), (std::set<std::string>{"o-a", "o-b1", "o-b2", "o-c", "o-new"}));
  EXPECT_EQ(Count("ObjectCount"), 5);
  // The ingested Address.City moved with its provenance: a new order from b's type updates it.
  PutOrder("o-b3", "b@x", "Nice");
  EXPECT_EQ(Profile(a_).at("Address"), Obj(R"({"City": "Nice"})"));
}

TEST_F(MergeServiceTest, ObjectsPutUnderATemplateNameMoveToo) {
  json::object in;
  in["DomainName"] = "d";
  in["ObjectTypeName"] = "Zendesk-users";
  in["Object"] = R"({"id": 42, "email": "b@x"})";
  ASSERT_TRUE(Call("PutProfileObject", in).ok());
  auto list = [&](const std::string& id) {
    return Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "Zendesk-users",
        "ProfileId": ")" + id + R"("})")["Items"]
        .as_array()
        .size();
  };
  ASSERT_EQ(list(b_), 1u);
  ASSERT_TRUE(Merge(a_, {b_}).ok());
  EXPECT_EQ(list(a_), 1u);
  EXPECT_EQ(Search("_zendeskUserId", "42"), std::set<std::string>{a_});
}

TEST_F(MergeServiceTest, UnknownProfilesAreNotFoundAndNothingChanges) {
  std::string before = Snapshot();
  const std::string x = "0123456789abcdef0123456789abcdef";
  const std::string y = "fedcba9876543210fedcba9876543210";
  auto r = Merge(a_, {b_, x, y});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.error().message().find(x), std::string::npos);
  EXPECT_NE(r.error().message().find(y), std::string::npos);
  auto m = Merge(x, {b_});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(m.error().message().find(x), std::string::npos);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Count("ProfileCount"), 3);
}

TEST_F(MergeServiceTest, BadRequestsChangeNothing) {
  std::string before = Snapshot();
  for (auto r : {Merge(a_, {b_, b_}), Merge(a_, {a_}), Merge(a_, {b_, a_}),
                 Merge(a_, {b_}, R"({"FirstName": ")" + c_ + R"("})"),
                 Merge(a_, {b_}, R"({"Attributes": {"k": ")" + c_ + R"("}})")}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest) << r.error().message();
  }
  auto d = Call("MergeProfiles", Obj(R"({"DomainName": "nope", "MainProfileId": ")" + a_ +
                                     R"(", "ProfileIdsToBeMerged": [")" + b_ + R"("]})"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(MergeServiceTest, MergedProfileCannotBeMergedAgain) {
  ASSERT_TRUE(Merge(a_, {b_}).ok());
  auto again = Merge(c_, {b_});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(Merge(c_, {a_}).ok());
  EXPECT_EQ(Orders(c_), (std::set<std::string>{"o-a", "o-b1", "o-b2", "o-c"}));
  EXPECT_EQ(Search("_email", "b@x"), std::set<std::string>{c_});
  EXPECT_EQ(Count("ProfileCount"), 1);
}

}  // namespace
}  // namespace profiled::service
