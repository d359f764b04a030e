// History through the registry: the chained layout (records keyed by their time-first Id, found
// from the profile's head) and records of the v1 layout ("{ProfileId}/{Id}") read side by side.
#include "service/common.h"
#include "service/history.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

class HistoryServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
  }

  std::vector<std::string> ListIds(const std::string& id, int page = 2) {
    std::vector<std::string> ids;
    std::string token;
    do {
      std::string in = R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "MaxResults": )" +
                       std::to_string(page);
      if (!token.empty()) in += R"(, "NextToken": ")" + token + "\"";
      json::object r = Ok("ListProfileHistoryRecords", in + "}");
      for (const auto& rec : r["ProfileHistoryRecords"].as_array()) {
        ids.emplace_back(rec.at("Id").as_string());
      }
      token = r.contains("NextToken") ? std::string(r.at("NextToken").as_string()) : "";
    } while (!token.empty());
    return ids;
  }

  json::object GetRecord(const std::string& profile, const std::string& record) {
    return Ok("GetProfileHistoryRecord", R"({"DomainName": "d", "ProfileId": ")" + profile +
                                             R"(", "Id": ")" + record + R"("})");
  }
};

TEST_F(HistoryServiceTest, LegacyRecordsAreListedBeforeChainedOnes) {
  std::string id = Create(R"("FirstName": "Ann")");
  // A record as store v1 wrote it, older than everything the chain holds.
  const std::string legacy_id = "00000000000100000000aaaaaaaaaaaa";
  json::object legacy{{"Id", legacy_id},         {"ObjectTypeName", "_profile"},
                      {"CreatedAt", 1.0},        {"LastUpdatedAt", 1.0},
                      {"ActionType", "UPDATED"}, {"PerformedBy", "arn:aws:iam::1:root"},
                      {"Content", "{\"old\":1}"}};
  ASSERT_TRUE(store_
                  ->Write([&](store::Txn& txn) {
                    return txn.Put(DomainScope(ctx_, "d"), kHistoryKind, id + "/" + legacy_id,
                                   Serialize(legacy));
                  })
                  .ok());
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "LastName": "C"})");

  std::vector<std::string> ids = ListIds(id);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], legacy_id);
  EXPECT_LT(ids[1], ids[2]);
  EXPECT_EQ(GetRecord(id, legacy_id).at("Content"), "{\"old\":1}");
  json::object updated = GetRecord(id, ids[2]);
  EXPECT_EQ(updated.at("ActionType"), "UPDATED");
  // The chain's internal members never reach a client.
  EXPECT_FALSE(updated.contains(kRecordProfileMember));
  EXPECT_FALSE(updated.contains(kRecordPrevMember));
}

TEST_F(HistoryServiceTest, ARecordIsOnlyFoundUnderItsOwnProfile) {
  std::string a = Create(R"("FirstName": "A")");
  std::string b = Create(R"("FirstName": "B")");
  std::vector<std::string> of_a = ListIds(a);
  ASSERT_EQ(of_a.size(), 1u);
  auto r = Call("GetProfileHistoryRecord",
                R"({"DomainName": "d", "ProfileId": ")" + b + R"(", "Id": ")" + of_a[0] + R"("})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST_F(HistoryServiceTest, ManyRecordsPageInOrderAndSurviveDeleteAndMerge) {
  std::string main = Create(R"("FirstName": "Main")");
  std::string gone = Create(R"("FirstName": "Gone")");
  for (int i = 0; i < 7; ++i) {
    Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + gone + R"(", "LastName": "L)" +
                            std::to_string(i) + R"("})");
  }
  Ok("MergeProfiles", R"({"DomainName": "d", "MainProfileId": ")" + main +
                          R"(", "ProfileIdsToBeMerged": [")" + gone + R"("]})");
  std::vector<std::string> ids = ListIds(gone, 3);
  ASSERT_EQ(ids.size(), 9u);  // CREATED, 7 x UPDATED, DELETED_BY_MERGE
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(GetRecord(gone, ids.back()).at("ActionType"), "DELETED_BY_MERGE");
  EXPECT_EQ(GetRecord(gone, ids.front()).at("ActionType"), "CREATED");

  std::vector<std::string> of_main = ListIds(main);
  ASSERT_EQ(of_main.size(), 2u);
  EXPECT_EQ(GetRecord(main, of_main.back()).at("ActionType"), "MERGED");
}

// The CREATED record leaves its Content to the unchanged profile (history.h): what it answers is
// the profile as created before and after every kind of change, and the record holds the copy
// once the profile first changed.
class CreatedContentTest : public HistoryServiceTest {
 protected:
  // The stored CREATED record of `profile` (its only record while unchanged, else the oldest).
  json::object StoredCreated(const std::string& profile) {
    return StoredDoc(kHistoryRecordKind, ListIds(profile, 100).front());
  }

  std::string CreatedContent(const std::string& profile) {
    json::object record = GetRecord(profile, ListIds(profile, 100).front());
    EXPECT_EQ(record.at("ActionType"), "CREATED");
    EXPECT_FALSE(record.contains(kContentInProfileMember));
    return std::string(record.at("Content").as_string());
  }

  const std::string as_created_ = R"({"ProfileId":"ID","FirstName":"Ann","LastName":"Lee"})";
  std::string Expected(const std::string& id) {
    std::string out = as_created_;
    out.replace(out.find("ID"), 2, id);
    return out;
  }
};

TEST_F(CreatedContentTest, AnUnchangedProfileIsTheContentAndTheRecordHoldsNoCopy) {
  std::string id = Create(R"("FirstName": "Ann", "LastName": "Lee")");
  json::object stored = StoredCreated(id);
  EXPECT_FALSE(stored.contains("Content"));
  EXPECT_TRUE(stored.contains(kContentInProfileMember));
  EXPECT_EQ(CreatedContent(id), Expected(id));
  // Internal members never reach a client.
  json::object profile =
      Ok("SearchProfiles",
         R"({"DomainName": "d", "KeyName": "_profileId", "Values": [")" + id + R"("]})");
  EXPECT_FALSE(profile["Items"].as_array()[0].as_object().contains(kCreatedContentPendingMember));
}

TEST_F(CreatedContentTest, TheFirstUpdateWritesTheCopyAndLaterOnesLeaveIt) {
  std::string id = Create(R"("FirstName": "Ann", "LastName": "Lee")");
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "LastName": "Kay"})");
  json::object stored = StoredCreated(id);
  EXPECT_FALSE(stored.contains(kContentInProfileMember));
  EXPECT_EQ(GetStringOr(stored, "Content", ""), Expected(id));
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "FirstName": "Bo"})");
  EXPECT_EQ(CreatedContent(id), Expected(id));
  std::vector<std::string> ids = ListIds(id, 100);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(GetStringOr(GetRecord(id, ids[1]), "Content", ""),
            R"({"ProfileId":")" + id + R"(","FirstName":"Ann","LastName":"Kay"})");
}

TEST_F(CreatedContentTest, KeysObjectsDeletionAndMergeKeepTheProfileAsCreated) {
  std::string keyed = Create(R"("FirstName": "Ann", "LastName": "Lee")");
  Ok("AddProfileKey", R"({"DomainName": "d", "ProfileId": ")" + keyed +
                          R"(", "KeyName": "_account", "Values": ["A-1"]})");
  EXPECT_EQ(CreatedContent(keyed), Expected(keyed));

  std::string deleted = Create(R"("FirstName": "Ann", "LastName": "Lee")");
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + deleted + R"("})");
  EXPECT_EQ(CreatedContent(deleted), Expected(deleted));

  std::string main = Create(R"("FirstName": "Ann", "LastName": "Lee")");
  std::string gone = Create(R"("FirstName": "Ann", "LastName": "Lee")");
  Ok("MergeProfiles", R"({"DomainName": "d", "MainProfileId": ")" + main +
                          R"(", "ProfileIdsToBeMerged": [")" + gone + R"("]})");
  EXPECT_EQ(CreatedContent(main), Expected(main));
  EXPECT_EQ(CreatedContent(gone), Expected(gone));
}

TEST_F(HistoryServiceTest, DeleteDomainTakesTheHistoryWithIt) {
  std::string id = Create(R"("FirstName": "Ann")");
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"("})");
  ASSERT_EQ(ListIds(id).size(), 2u);
  Ok("DeleteDomain", R"({"DomainName": "d"})");
  Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
  auto r =
      Call("ListProfileHistoryRecords", R"({"DomainName": "d", "ProfileId": ")" + id + R"("})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace profiled::service
