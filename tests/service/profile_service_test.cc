// The profile store's operations through the registry, on a real SQLite store: the rules of the
// issue end to end below the wire (patching, search and its paging, history, attribute values,
// and no lost update under concurrent writers).
#include <atomic>
#include <set>
#include <thread>

#include "service/common.h"
#include "service/profile_store.h"
#include "service/search_keys.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

class ProfileServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
  }

  json::object Get(const std::string& id) {
    json::object r =
        Ok("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + id + R"("]})");
    EXPECT_EQ(r.at("Profiles").as_array().size(), 1u);
    return r.at("Profiles").as_array().at(0).as_object();
  }
};

TEST_F(ProfileServiceTest, CreateRoundTripsAndUpdatePatches) {
  std::string id = Create(R"("FirstName": "Ann", "LastName": "Cole", "EmailAddress": "a@x",
      "Address": {"City": "Paris", "Country": "FR"}, "Attributes": {"a": "1", "b": "2"})");
  EXPECT_EQ(id.size(), 32u);
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"(",
      "FirstName": "", "Address": {"City": "Nice"}, "Attributes": {"c": "3", "a": ""}})");
  EXPECT_EQ(Get(id), Obj(R"({"ProfileId": ")" + id + R"(", "LastName": "Cole",
      "EmailAddress": "a@x", "Address": {"City": "Nice", "Country": "FR"},
      "Attributes": {"b": "2", "c": "3"}})"));
}

TEST_F(ProfileServiceTest, UnknownProfileOrDomainIsNotFound) {
  auto r = Call("UpdateProfile", Obj(R"({"DomainName": "d",
      "ProfileId": "0123456789abcdef0123456789abcdef", "FirstName": "x"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.error().message().find("0123456789abcdef0123456789abcdef"), std::string::npos);
  auto d = Call("CreateProfile", Obj(R"({"DomainName": "nope", "FirstName": "x"})"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), ErrorCode::kNotFound);
}

TEST_F(ProfileServiceTest, SearchFollowsUpdatesAndCustomKeys) {
  std::string id = Create(R"("EmailAddress": "old@x", "FirstName": "Ann", "LastName": "Cole")");
  EXPECT_EQ(Search("_email", "old@x"), std::set<std::string>{id});
  EXPECT_EQ(Search("_fullName", "Ann Cole"), std::set<std::string>{id});
  EXPECT_EQ(Search("_profileId", id), std::set<std::string>{id});
  Ok("AddProfileKey", R"({"DomainName": "d", "ProfileId": ")" + id +
                          R"(", "KeyName": "loyalty", "Values": ["L1"]})");
  Ok("UpdateProfile",
     R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "EmailAddress": "new@x"})");
  EXPECT_TRUE(Search("_email", "old@x").empty());
  EXPECT_EQ(Search("_email", "new@x"), std::set<std::string>{id});
  EXPECT_EQ(Search("loyalty", "L1"), std::set<std::string>{id});  // survived the update
  Ok("DeleteProfileKey", R"({"DomainName": "d", "ProfileId": ")" + id +
                             R"(", "KeyName": "loyalty", "Values": ["L1"]})");
  EXPECT_TRUE(Search("loyalty", "L1").empty());
}

TEST_F(ProfileServiceTest, ProfileIdIsFoundWithoutAnIndexRowAndAnOldRowGoesWithItsProfile) {
  const std::string index = std::string(kKeyIndexPrefix) + std::string(kProfileIdKey);
  auto rows = [&] { return IndexValues(index); };
  std::string a = Create(R"("FirstName": "Ann", "EmailAddress": "a@x")");
  std::string b = Create(R"("FirstName": "Bob")");
  EXPECT_TRUE(rows().empty());
  EXPECT_EQ(Search("_profileId", a), std::set<std::string>{a});
  json::object both = Ok("SearchProfiles", R"({"DomainName": "d", "KeyName": "_profileId",
      "Values": [")" + a + R"(", ")" + b + R"(", "0123456789abcdef0123456789abcdef"]})");
  EXPECT_EQ(both.at("Items").as_array().size(), 2u);
  json::object anded = Ok("SearchProfiles", R"({"DomainName": "d", "LogicalOperator": "AND",
      "AdditionalSearchKeys": [{"KeyName": "_email", "Values": ["a@x"]}],
      "KeyName": "_profileId", "Values": [")" + a +
                                                R"("]})");
  ASSERT_EQ(anded.at("Items").as_array().size(), 1u);
  EXPECT_EQ(anded.at("Items").as_array()[0].at("FoundByItems").as_array().size(), 2u);

  // A row as a version before this one wrote it for every profile: searches do not need it,
  // and it goes when its profile is deleted.
  ASSERT_TRUE(
      store_->Write([&](store::Txn& txn) { return txn.IndexAdd(kDomainD, index, b, b); }).ok());
  EXPECT_EQ(Search("_profileId", b), std::set<std::string>{b});
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + b + R"("})");
  EXPECT_TRUE(Search("_profileId", b).empty());
  EXPECT_TRUE(rows().empty());
}

TEST_F(ProfileServiceTest, SearchAndOrWithFoundByItems) {
  std::string both = Create(R"("EmailAddress": "e@x", "PhoneNumber": "1")");
  std::string email_only = Create(R"("EmailAddress": "e@x")");
  std::string phone_only = Create(R"("PhoneNumber": "1")");
  auto search = [&](std::string_view op) {
    return Ok("SearchProfiles", R"({"DomainName": "d", "KeyName": "_email", "Values": ["e@x"],
        "AdditionalSearchKeys": [{"KeyName": "_phone", "Values": ["1", "9"]}],
        "LogicalOperator": ")" + std::string(op) +
                                    R"("})");
  };
  json::object and_result = search("AND");
  ASSERT_EQ(and_result.at("Items").as_array().size(), 1u);
  const json::object& item = and_result.at("Items").as_array()[0].as_object();
  EXPECT_EQ(item.at("ProfileId"), json::value(both));
  EXPECT_EQ(item.at("FoundByItems"), json::parse(R"([{"KeyName": "_email", "Values": ["e@x"]},
                                                    {"KeyName": "_phone", "Values": ["1"]}])"));
  json::object or_result = search("OR");
  std::set<std::string> ids;
  for (const auto& i : or_result.at("Items").as_array()) {
    ids.insert(std::string(i.at("ProfileId").as_string()));
    EXPECT_FALSE(i.as_object().contains("_keys"));
  }
  EXPECT_EQ(ids, (std::set<std::string>{both, email_only, phone_only}));
}

TEST_F(ProfileServiceTest, SearchPagesInProfileIdOrderWithoutRepeats) {
  std::set<std::string> created;
  for (int i = 0; i < 25; ++i) created.insert(Create(R"("AccountNumber": "shared")"));
  std::vector<std::string> seen;
  std::string token;
  do {
    std::string in = R"({"DomainName": "d", "KeyName": "_account", "Values": ["shared"],
                         "MaxResults": 7)";
    if (!token.empty()) in += R"(, "NextToken": ")" + token + "\"";
    json::object r = Ok("SearchProfiles", in + "}");
    EXPECT_LE(r.at("Items").as_array().size(), 7u);
    for (const auto& i : r.at("Items").as_array()) {
      seen.emplace_back(i.at("ProfileId").as_string());
      // A profile created between pages sorts anywhere; the ones from the start stay exact.
      if (seen.size() == 10) Create(R"("AccountNumber": "shared")");
    }
    token = r.contains("NextToken") ? std::string(r.at("NextToken").as_string()) : "";
  } while (!token.empty());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
  for (const auto& id : created) {
    EXPECT_TRUE(std::find(seen.begin(), seen.end(), id) != seen.end()) << id;
  }
}

TEST_F(ProfileServiceTest, AndSearchPagesAcrossCandidateBatches) {
  // 125 profiles have the account, 150 the phone, 25 both: each stream is longer than one
  // candidate batch (100) and matches are sparse, so one page must resume the candidate scan.
  std::set<std::string> expected;
  for (int i = 0; i < 250; ++i) {
    std::string members = i < 100   ? R"("AccountNumber": "acc")"
                          : i < 125 ? R"("AccountNumber": "acc", "PhoneNumber": "555")"
                                    : R"("PhoneNumber": "555")";
    std::string id = Create(members);
    if (i >= 100 && i < 125) expected.insert(id);
  }
  Create(R"("PhoneNumber": "555")");  // matches one pair only
  std::vector<std::string> seen;
  std::string token;
  do {
    std::string in = R"({"DomainName": "d", "KeyName": "_account", "Values": ["acc"],
        "AdditionalSearchKeys": [{"KeyName": "_phone", "Values": ["555"]}],
        "LogicalOperator": "AND", "MaxResults": 20)";
    if (!token.empty()) in += R"(, "NextToken": ")" + token + "\"";
    json::object r = Ok("SearchProfiles", in + "}");
    for (const auto& i : r.at("Items").as_array()) seen.emplace_back(i.at("ProfileId").as_string());
    token = r.contains("NextToken") ? std::string(r.at("NextToken").as_string()) : "";
  } while (!token.empty());
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
}

TEST_F(ProfileServiceTest, HistoryRecordsEveryChangeAndOutlivesDelete) {
  std::string id = Create(R"("FirstName": "Ann")");
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "LastName": "C"})");
  Ok("AddProfileKey",
     R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "KeyName": "k", "Values": ["v"]})");
  Ok("DeleteProfileKey",
     R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "KeyName": "k", "Values": ["v"]})");
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"("})");

  std::vector<std::string> actions;
  std::string token, first_id;
  do {
    std::string in = R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "MaxResults": 2)";
    if (!token.empty()) in += R"(, "NextToken": ")" + token + "\"";
    json::object r = Ok("ListProfileHistoryRecords", in + "}");
    for (const auto& rec : r.at("ProfileHistoryRecords").as_array()) {
      actions.emplace_back(rec.at("ActionType").as_string());
      if (first_id.empty()) first_id = std::string(rec.at("Id").as_string());
      EXPECT_EQ(rec.at("CreatedAt").to_number<double>(), 1700000000.0);
      EXPECT_FALSE(rec.as_object().contains("Content"));
    }
    token = r.contains("NextToken") ? std::string(r.at("NextToken").as_string()) : "";
  } while (!token.empty());
  EXPECT_EQ(actions, (std::vector<std::string>{"CREATED", "UPDATED", "ADDED_PROFILE_KEY",
                                               "DELETED_PROFILE_KEY", "DELETED_BY_CUSTOMER"}));

  json::object filtered =
      Ok("ListProfileHistoryRecords",
         R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "ActionType": "UPDATED"})");
  ASSERT_EQ(filtered.at("ProfileHistoryRecords").as_array().size(), 1u);

  json::object rec = Ok("GetProfileHistoryRecord", R"({"DomainName": "d", "ProfileId": ")" + id +
                                                       R"(", "Id": ")" + first_id + R"("})");
  EXPECT_EQ(rec.at("ObjectTypeName"), "_profile");
  EXPECT_EQ(json::parse(rec.at("Content").as_string()),
            json::parse(R"({"ProfileId": ")" + id + R"(", "FirstName": "Ann"})"));

  auto gone = Call("ListProfileHistoryRecords",
                   Obj(R"({"DomainName": "d", "ProfileId": "0123456789abcdef0123456789abcdef"})"));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
}

TEST_F(ProfileServiceTest, DeleteRemovesProfileKeysAndValues) {
  std::string id = Create(R"("EmailAddress": "e@x", "Address": {"City": "Paris"})");
  std::string other = Create(R"("Address": {"City": "Lyon"})");
  Ok("AddProfileKey",
     R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "KeyName": "k", "Values": ["v"]})");
  json::object values =
      Ok("ListProfileAttributeValues", R"({"DomainName": "d", "AttributeName": "Address.City"})");
  EXPECT_EQ(values.at("Items"), json::parse(R"([{"Value": "Lyon"}, {"Value": "Paris"}])"));
  EXPECT_EQ(Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").at("ProfileCount"), 2);

  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"("})");
  EXPECT_TRUE(Search("_email", "e@x").empty());
  EXPECT_TRUE(Search("k", "v").empty());
  values =
      Ok("ListProfileAttributeValues", R"({"DomainName": "d", "AttributeName": "Address.City"})");
  EXPECT_EQ(values.at("Items"), json::parse(R"([{"Value": "Lyon"}])"));
  EXPECT_EQ(Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").at("ProfileCount"), 1);

  json::object batch = Ok("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + id +
                                                 R"(", ")" + other + R"("]})");
  ASSERT_EQ(batch.at("Profiles").as_array().size(), 1u);
  ASSERT_EQ(batch.at("Errors").as_array().size(), 1u);
  EXPECT_EQ(batch.at("Errors").as_array()[0].at("ProfileId"), json::value(id));

  auto again = Call("DeleteProfile", Obj(R"({"DomainName": "d", "ProfileId": ")" + id + R"("})"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
}

TEST_F(ProfileServiceTest, SixteenConcurrentUpdatesAllTakeEffect) {
  std::string id = Create(R"("FirstName": "Ann")");
  constexpr int kClients = 16;
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      std::string in = R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "Attributes": {"attr)" +
                       std::to_string(i) + R"(": "v"}})";
      if (!Call("UpdateProfile", Obj(in)).ok()) ++failures;
      std::string key = R"({"DomainName": "d", "ProfileId": ")" + id +
                        R"(", "KeyName": "k", "Values": ["v)" + std::to_string(i) + R"("]})";
      if (!Call("AddProfileKey", Obj(key)).ok()) ++failures;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  json::object p = Get(id);
  EXPECT_EQ(p.at("Attributes").as_object().size(), static_cast<size_t>(kClients));
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(Search("k", "v" + std::to_string(i)), std::set<std::string>{id}) << i;
  }
}

}  // namespace
}  // namespace profiled::service
