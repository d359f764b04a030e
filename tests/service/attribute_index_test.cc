// A domain's attribute-value rows from the first read on (attribute_index.h), on every store:
// a new domain writes none, the first reader fills them from the profiles as they stand, writes
// during and after the fill keep them, and an interrupted fill is finished by the next reader.
#include "service/attribute_index.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "common/ids.h"
#include "service/common.h"
#include "service/domain_cache.h"
#include "service/profile_batch.h"
#include "service/profile_patch.h"
#include "service/rule_match_index.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

class AttributeIndexTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
  }

  // ListProfileAttributeValues' values, in order.
  std::vector<std::string> Listed(std::string_view attribute) {
    json::object in;
    in["DomainName"] = "d";
    in["AttributeName"] = attribute;
    auto r = Call("ListProfileAttributeValues", in);
    EXPECT_TRUE(r.ok()) << r.error().message();
    std::vector<std::string> values;
    if (!r.ok()) return values;
    for (const auto& item : r->at("Items").as_array()) {
      values.emplace_back(item.at("Value").as_string());
    }
    return values;
  }

  // The domain document as stored (internal members included).
  json::object StoredDomain() {
    json::object doc;
    Status read = store_->Read([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto body, txn.Get(AccountScope(ctx_), kDomainKind, "d"));
      if (!body) return Error::NotFound("no domain d");
      ASSIGN_OR_RETURN(doc, ParseStored(*body));
      return OkStatus();
    });
    EXPECT_TRUE(read.ok()) << read.error().message();
    return doc;
  }

  void SetStoredState(std::string_view state) {
    json::object doc = StoredDomain();
    doc["_attributeRows"] = state;
    ASSERT_TRUE(store_
                    ->Write([&](store::Txn& txn) -> Status {
                      return txn.Put(AccountScope(ctx_), kDomainKind, "d", Serialize(doc));
                    })
                    .ok());
    ForgetKeptDomains(env_);
  }

  void Update(const std::string& id, std::string_view members) {
    Ok("UpdateProfile",
       R"({"DomainName": "d", "ProfileId": ")" + id + R"(", )" + std::string(members) + "}");
  }
  void Delete(const std::string& id) {
    Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"("})");
  }
};

TEST_F(AttributeIndexTest, ANewDomainWritesNoAttributeRowsUntilSomethingReadsThem) {
  Create(R"("FirstName": "Ann", "Address": {"City": "Lyon"})");
  Create(R"("FirstName": "Bo", "Attributes": {"tier": "gold"})");
  EXPECT_EQ(AttributeRowsOf(StoredDomain()), AttributeRows::kNone);
  EXPECT_TRUE(IndexValues("attr/FirstName").empty());  // the rows a create skipped
  EXPECT_TRUE(IndexValues("attr/Address.City").empty());
  // Nothing of the state shows in the domain's responses.
  EXPECT_FALSE(Ok("GetDomain", R"({"DomainName": "d"})").contains("_attributeRows"));
  const json::object listed = Ok("ListDomains", "{}");
  ASSERT_EQ(listed.at("Items").as_array().size(), 1u);
  EXPECT_FALSE(listed.at("Items").as_array()[0].as_object().contains("_attributeRows"));

  EXPECT_EQ(Listed("FirstName"), (std::vector<std::string>{"Ann", "Bo"}));
  EXPECT_EQ(AttributeRowsOf(StoredDomain()), AttributeRows::kComplete);
  EXPECT_EQ(IndexValues("attr/Address.City"), (std::vector<std::string>{"Lyon"}));
  EXPECT_EQ(Listed("Attributes.tier"), (std::vector<std::string>{"gold"}));
  // From now on every write keeps them.
  Create(R"("FirstName": "Cy")");
  EXPECT_EQ(IndexValues("attr/FirstName"), (std::vector<std::string>{"Ann", "Bo", "Cy"}));
}

TEST_F(AttributeIndexTest, AProfilePreparedWithoutItsRowsGetsThemIfTheDomainKeepsThemWhenStored) {
  // A new profile is prepared before its transaction with the rows the domain was last seen
  // keeping (none here); a reader that starts the fill in between must not leave it unlisted.
  EXPECT_FALSE(AttributeRowsLikelyKept(*store_, ctx_, "d"));
  if (env_.domains != nullptr) {
    EXPECT_FALSE(AttributeRowsLikelyKept(env_, ctx_, "d"));
  }
  const std::string id = NewProfileId();
  auto profile = NewProfileFromCreate(Obj(R"({"FirstName": "Ann"})"), id);
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  auto prepared = PrepareCreate(ctx_, std::move(*profile), 1.7e9, 0, /*attribute_rows=*/false);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message();
  EXPECT_FALSE(prepared->profile.with_attribute_rows);

  SetStoredState("filling");
  EXPECT_TRUE(AttributeRowsLikelyKept(*store_, ctx_, "d"));
  EXPECT_TRUE(AttributeRowsLikelyKept(env_, ctx_, "d"));
  Status stored = store_->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(DomainMatching matching, LoadDomainMatching(txn, ctx_, "d"));
    return StorePreparedCreate(txn, DomainScope(ctx_, "d"), *prepared, &matching);
  });
  ASSERT_TRUE(stored.ok()) << stored.error().message();
  EXPECT_EQ(IndexValues("attr/FirstName"), (std::vector<std::string>{"Ann"}));
  EXPECT_EQ(Listed("FirstName"), (std::vector<std::string>{"Ann"}));
}

TEST_F(AttributeIndexTest, AProfilePreparedWithItsRowsKeepsNoneWhereTheDomainKeepsNone) {
  const std::string id = NewProfileId();
  auto profile = NewProfileFromCreate(Obj(R"({"FirstName": "Ann"})"), id);
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  auto prepared = PrepareCreate(ctx_, std::move(*profile), 1.7e9, 0, /*attribute_rows=*/true);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message();
  Status stored = store_->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(DomainMatching matching, LoadDomainMatching(txn, ctx_, "d"));
    return StorePreparedCreate(txn, DomainScope(ctx_, "d"), *prepared, &matching);
  });
  ASSERT_TRUE(stored.ok()) << stored.error().message();
  EXPECT_TRUE(IndexValues("attr/FirstName").empty());
  EXPECT_EQ(Listed("FirstName"), (std::vector<std::string>{"Ann"}));  // the fill finds it
}

TEST_F(AttributeIndexTest, TheFirstReadListsTheProfilesAsTheyStandAndLaterWritesFollow) {
  std::string ann = Create(R"("FirstName": "Ann", "Address": {"City": "Lyon"})");
  std::string bo = Create(R"("FirstName": "Bo", "Address": {"City": "Nice"})");
  Update(ann, R"("FirstName": "Anna", "Address": {"City": ""})");
  Delete(bo);
  EXPECT_EQ(Listed("FirstName"), (std::vector<std::string>{"Anna"}));
  EXPECT_TRUE(Listed("Address.City").empty());

  Update(ann, R"("FirstName": "Di", "Address": {"City": "Metz"})");
  EXPECT_EQ(Listed("FirstName"), (std::vector<std::string>{"Di"}));
  EXPECT_EQ(Listed("Address.City"), (std::vector<std::string>{"Metz"}));
  Delete(ann);
  EXPECT_TRUE(Listed("FirstName").empty());
}

TEST_F(AttributeIndexTest, AnInterruptedFillIsFinishedByTheNextReader) {
  std::string ann = Create(R"("FirstName": "Ann")");
  SetStoredState("filling");  // as a fill that stopped after the state change
  // While filling, every write keeps its rows, a new profile's and a change's alike.
  std::string bo = Create(R"("FirstName": "Bo")");
  EXPECT_EQ(IndexValues("attr/FirstName"), (std::vector<std::string>{"Bo"}));
  Update(bo, R"("FirstName": "Cy")");
  EXPECT_EQ(IndexValues("attr/FirstName"), (std::vector<std::string>{"Cy"}));

  EXPECT_EQ(Listed("FirstName"), (std::vector<std::string>{"Ann", "Cy"}));
  EXPECT_EQ(AttributeRowsOf(StoredDomain()), AttributeRows::kComplete);
  // The domain's own settings survived the state's moves.
  EXPECT_EQ(Ok("GetDomain", R"({"DomainName": "d"})").at("DefaultExpirationDays"), 30);
  (void)ann;
}

TEST_F(AttributeIndexTest, WritesDuringTheFirstReadsAreAllListed) {
  // Writers change their own profiles while readers fill and list: whatever the interleaving, the
  // rows end equal to the profiles (a write that read "none" before the fill began, or one that
  // changed a profile the fill had already passed, would leave a row missing or stale).
  constexpr int kWriters = 4, kProfilesEach = 12, kRounds = 4;
  std::vector<std::vector<std::string>> ids(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    for (int p = 0; p < kProfilesEach; ++p) {
      ids[w].push_back(
          Create(R"("FirstName": "w)" + std::to_string(w) + "p" + std::to_string(p) + R"(r0")"));
    }
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int r = 1; r <= kRounds; ++r) {
        for (int p = 0; p < kProfilesEach; ++p) {
          std::string name =
              "w" + std::to_string(w) + "p" + std::to_string(p) + "r" + std::to_string(r);
          auto u = Call("UpdateProfile", Obj(R"({"DomainName": "d", "ProfileId": ")" + ids[w][p] +
                                             R"(", "FirstName": ")" + name + "\"}"));
          if (!u.ok()) ++failures;
        }
      }
    });
  }
  for (int reader = 0; reader < 2; ++reader) {  // the second waits for the first's fill, or fills
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        json::object in;
        in["DomainName"] = "d";
        in["AttributeName"] = "FirstName";
        if (!Call("ListProfileAttributeValues", in).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  std::vector<std::string> expected;
  for (int w = 0; w < kWriters; ++w) {
    for (int p = 0; p < kProfilesEach; ++p) {
      expected.push_back("w" + std::to_string(w) + "p" + std::to_string(p) + "r" +
                         std::to_string(kRounds));
    }
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(Listed("FirstName"), expected);
}

TEST_F(AttributeIndexTest, ASegmentEstimateFillsTheIndexAndThenNarrowsByIt) {
  Create(R"("FirstName": "Ann")");
  Create(R"("FirstName": "Bo")");
  json::object estimate = Ok("CreateSegmentEstimate", R"({"DomainName": "d", "SegmentQuery": {
      "Groups": [{"Dimensions": [{"ProfileAttributes": {"FirstName":
        {"DimensionType": "INCLUSIVE", "Values": ["Ann"]}}}]}]}})");
  EXPECT_EQ(AttributeRowsOf(StoredDomain()), AttributeRows::kComplete);
  EXPECT_EQ(IndexValues("attr/FirstName"), (std::vector<std::string>{"Ann", "Bo"}));
  json::object got =
      Ok("GetSegmentEstimate", R"({"DomainName": "d", "EstimateId": ")" +
                                   std::string(estimate.at("EstimateId").as_string()) + R"("})");
  EXPECT_EQ(got.at("Estimate"), "1");
}

TEST_F(AttributeIndexTest, ADomainWithoutTheStateKeepsItsRowsAsBefore) {
  // Domains made before the state existed hold no member: complete, every write keeps its rows.
  json::object doc = StoredDomain();
  doc.erase("_attributeRows");
  ASSERT_TRUE(store_
                  ->Write([&](store::Txn& txn) -> Status {
                    return txn.Put(AccountScope(ctx_), kDomainKind, "d", Serialize(doc));
                  })
                  .ok());
  ForgetKeptDomains(env_);
  Create(R"("FirstName": "Ann")");
  EXPECT_EQ(IndexValues("attr/FirstName"), (std::vector<std::string>{"Ann"}));
}

}  // namespace
}  // namespace profiled::service
