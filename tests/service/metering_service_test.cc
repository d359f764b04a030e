// GetDomain's Stats.MeteringProfileCount on each store (service/metering.h). The rule is AWS's
// model documentation of DomainStats.MeteringProfileCount (also the API reference page
// API_connect-customer-profiles_DomainStats): "If you have more than 100 objects associated with
// a single profile, that profile counts as two profiles. If you have more than 200 objects, that
// profile counts as three, and so on." Every way objects come and go is checked: put, replace,
// DeleteProfileObject, MaxProfileObjectCount, a merge, keys moving an object, DeleteProfile,
// DeleteProfileObjectType, expiry and `profiled import --kind objects`.
#include <boost/json.hpp>
#include <sstream>
#include <string>

#include "service/expiry.h"
#include "service/import_ndjson.h"
#include "service/import_objects.h"
#include "service/metering.h"
#include "service/movable_clock.h"
#include "service/profile_store.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::ServiceTest;

std::string TypeJson(std::string_view name, std::string_view extra) {
  std::string in = R"({"DomainName": "d", "ObjectTypeName": ")" + std::string(name) +
                   R"(", "Description": "t", "AllowProfileCreation": true,
    "Fields": {"Id": {"Source": "_source.Id"}, "email": {"Source": "_source.email"}},
    "Keys": {"Id": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["Id"]}],
             "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]})";
  if (!extra.empty()) in += ", " + std::string(extra);
  return in + "}";
}

TEST(MeteringRule, EachStartedHundredBeyondTheFirstAddsOneProfile) {
  EXPECT_EQ(ExtraMeteredUnits(0), 0);
  EXPECT_EQ(ExtraMeteredUnits(1), 0);
  EXPECT_EQ(ExtraMeteredUnits(100), 0);  // "more than 100": 100 is still one profile
  EXPECT_EQ(ExtraMeteredUnits(101), 1);  // counts as two
  EXPECT_EQ(ExtraMeteredUnits(200), 1);
  EXPECT_EQ(ExtraMeteredUnits(201), 2);  // "more than 200 objects, ... counts as three"
  EXPECT_EQ(ExtraMeteredUnits(1000), 9);
  EXPECT_EQ(ExtraMeteredUnits(1001), 10);
}

class MeteringTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore(clock_));
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 10})");
    Ok("PutProfileObjectType", TypeJson("Order", ""));
    Ok("PutProfileObjectType", TypeJson("Click", R"("ExpirationDays": 1)"));
    Ok("PutProfileObjectType", TypeJson("Capped", R"("MaxProfileObjectCount": 100)"));
  }

  void Put(std::string_view type, std::string_view id, std::string_view email) {
    json::object o{{"Id", id}, {"email", email}};
    json::object in{{"DomainName", "d"}, {"ObjectTypeName", type}, {"Object", json::serialize(o)}};
    auto r = Call("PutProfileObject", in);
    EXPECT_TRUE(r.ok()) << r.error().message();
  }
  // Objects `prefix`0 .. `prefix`(n-1) of `type` for the profile of `email`.
  void PutMany(std::string_view type, std::string_view prefix, std::string_view email, int n) {
    for (int i = 0; i < n; ++i) {
      clock_.Advance(1);  // distinct UpdatedAt, so MaxProfileObjectCount drops the oldest
      Put(type, std::string(prefix) + std::to_string(i), email);
    }
  }
  std::string ProfileOf(std::string_view email) {
    auto ids = Search("_email", email);
    return ids.size() == 1 ? *ids.begin() : "";
  }
  // {ProfileCount, MeteringProfileCount, ObjectCount}
  std::vector<int64_t> Stats() {
    json::object stats = Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").as_object();
    return {stats.at("ProfileCount").to_number<int64_t>(),
            stats.at("MeteringProfileCount").to_number<int64_t>(),
            stats.at("ObjectCount").to_number<int64_t>()};
  }
  using V = std::vector<int64_t>;

  fixture::ManualClock clock_;
};

TEST_F(MeteringTest, AProfileCountsOnceMoreForEachHundredObjectsBeyondTheFirst) {
  PutMany("Order", "o", "a@x.com", 100);
  EXPECT_EQ(Stats(), (V{1, 1, 100}));
  Put("Order", "o100", "a@x.com");
  EXPECT_EQ(Stats(), (V{1, 2, 101}));  // "more than 100 objects ... counts as two profiles"
  Put("Order", "o100", "a@x.com");     // replacing an object adds none
  EXPECT_EQ(Stats(), (V{1, 2, 101}));
  PutMany("Order", "p", "a@x.com", 99);
  EXPECT_EQ(Stats(), (V{1, 2, 200}));
  Put("Order", "p99", "a@x.com");
  EXPECT_EQ(Stats(), (V{1, 3, 201}));  // "more than 200 objects, ... counts as three"
  Put("Order", "b0", "b@x.com");       // another profile with one object counts once
  EXPECT_EQ(Stats(), (V{2, 4, 202}));
  Create(R"("FirstName": "NoObjects")");  // and one without objects too
  EXPECT_EQ(Stats(), (V{3, 5, 202}));
}

TEST_F(MeteringTest, ObjectsOfEveryTypeCountAndDeletingOneCountsDown) {
  PutMany("Order", "o", "a@x.com", 60);
  PutMany("Click", "c", "a@x.com", 41);
  std::string a = ProfileOf("a@x.com");
  EXPECT_EQ(Stats(), (V{1, 2, 101}));
  Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order", "ProfileId": ")" + a +
                                R"(", "ProfileObjectUniqueKey": "o7"})");
  EXPECT_EQ(Stats(), (V{1, 1, 100}));
}

TEST_F(MeteringTest, ObjectsDroppedByMaxProfileObjectCountAreNotCounted) {
  PutMany("Capped", "k", "a@x.com", 105);
  EXPECT_EQ(Stats(), (V{1, 1, 100}));
  Put("Order", "o0", "a@x.com");
  EXPECT_EQ(Stats(), (V{1, 2, 101}));
}

TEST_F(MeteringTest, AMergeCountsTheMergedObjectsOnTheMainProfile) {
  PutMany("Order", "a", "a@x.com", 60);
  PutMany("Order", "b", "b@x.com", 60);
  EXPECT_EQ(Stats(), (V{2, 2, 120}));
  json::object in{{"DomainName", "d"},
                  {"MainProfileId", ProfileOf("a@x.com")},
                  {"ProfileIdsToBeMerged", json::array{json::value(ProfileOf("b@x.com"))}}};
  auto merged = Call("MergeProfiles", in);
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_EQ(Stats(), (V{1, 2, 120}));
  // The count moved with the objects: deleting the merged profile takes all of it away.
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + ProfileOf("a@x.com") + R"("})");
  EXPECT_EQ(Stats(), (V{0, 0, 0}));
}

TEST_F(MeteringTest, AnObjectItsKeysMoveToAnotherProfileCountsThere) {
  PutMany("Order", "o", "a@x.com", 101);
  Put("Order", "b0", "b@x.com");
  EXPECT_EQ(Stats(), (V{2, 3, 102}));
  Put("Order", "o5", "b@x.com");  // o5's key now finds b's profile
  json::object listed = Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "Order",
      "ProfileId": ")" + ProfileOf("b@x.com") + R"("})");
  ASSERT_EQ(listed.at("Items").as_array().size(), 2u);
  EXPECT_EQ(Stats(), (V{2, 2, 102}));
}

TEST_F(MeteringTest, DeletingAProfileTakesItsObjectsCountAway) {
  PutMany("Order", "o", "a@x.com", 150);
  Put("Order", "b0", "b@x.com");
  EXPECT_EQ(Stats(), (V{2, 3, 151}));
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + ProfileOf("a@x.com") + R"("})");
  EXPECT_EQ(Stats(), (V{1, 1, 1}));
}

TEST_F(MeteringTest, DeletingAnObjectTypeTakesItsObjectsCountAway) {
  PutMany("Order", "o", "a@x.com", 50);
  PutMany("Click", "c", "a@x.com", 60);
  PutMany("Click", "d", "b@x.com", 110);
  EXPECT_EQ(Stats(), (V{2, 4, 220}));
  Ok("DeleteProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Click"})");
  EXPECT_EQ(Stats(), (V{2, 2, 50}));
}

TEST_F(MeteringTest, ExpiredObjectsStopCountingWhenRemoved) {
  PutMany("Click", "c", "a@x.com", 100);  // expire a day after their ingestion
  Put("Order", "o0", "a@x.com");          // keeps the profile for the domain's 10 days
  EXPECT_EQ(Stats(), (V{1, 2, 101}));
  clock_.Advance(kDayMs);
  auto pass = RunExpiryPass(*store_, clock_);
  ASSERT_TRUE(pass.ok()) << pass.error().message();
  EXPECT_EQ(pass->objects, 100);
  EXPECT_EQ(Stats(), (V{1, 1, 1}));
}

TEST_F(MeteringTest, TheCountLivesInTheProfileAndACountOfTheOldLayoutIsTakenOver) {
  auto count_documents = [&] {
    int64_t n = -1;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(n, txn.Count(kDomainD, "profile_objects", ""));
                      return OkStatus();
                    })
                    .ok());
    return n;
  };
  PutMany("Order", "o", "a@x.com", 100);
  std::string a = ProfileOf("a@x.com");
  EXPECT_EQ(count_documents(), 0);
  // As stored before "_objs": the count in a document of its own.
  ASSERT_TRUE(store_
                  ->Write([&](store::Txn& txn) -> Status {
                    ASSIGN_OR_RETURN(json::object before, LoadProfile(txn, kDomainD, a, true));
                    EXPECT_EQ(before.at(kObjectCountMember), 100);
                    json::object after = before;
                    after.erase(kObjectCountMember);
                    RETURN_IF_ERROR(SaveProfile(txn, kDomainD, &before, after));
                    return txn.Put(kDomainD, "profile_objects", a, R"({"Count": 100})");
                  })
                  .ok());
  Put("Order", "o100", "a@x.com");
  EXPECT_EQ(Stats(), (V{1, 2, 101}));
  EXPECT_EQ(count_documents(), 0);
  Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order", "ProfileId": ")" + a +
                                R"(", "ProfileObjectUniqueKey": "o100"})");
  EXPECT_EQ(Stats(), (V{1, 1, 100}));
}

TEST_F(MeteringTest, ImportedObjectsCountAsPutOnes) {
  std::string lines;
  for (int i = 0; i < 101; ++i) {
    lines += R"({"Id": "i)" + std::to_string(i) +
             R"(", "email": "a@x.com"})"
             "\n";
  }
  std::istringstream in(lines);
  NdjsonSource source(in);
  auto imported = ImportObjects(
      *store_, clock_,
      {.account_id = ctx_.account_id, .domain = "d", .object_type = "Order", .batch = 40}, source);
  ASSERT_TRUE(imported.ok()) << imported.error().message();
  EXPECT_EQ(*imported, 101);
  EXPECT_EQ(Stats(), (V{1, 2, 101}));
}

}  // namespace
}  // namespace profiled::service
