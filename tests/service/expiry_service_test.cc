// Data expiry through the registry on each store (docs/expiry.md): what expires when, that reads
// hide it before the sweep, that the sweep removes it as DeleteProfile / DeleteProfileObject
// would (stats, calculated attributes, history, search rows), that a pass reads only what is due,
// that reads counting stored data (stats, calculated attributes, segments) leave out what is due
// before any pass, and the event-stream records of object removals (DeleteProfileObject, expiry,
// MaxProfileObjectCount).
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "service/event_outbox.h"
#include "service/expiry.h"
#include "service/movable_clock.h"
#include "service/profile_store.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

constexpr int64_t kSecond = 1000;

// "Visit" keeps the domain's DefaultExpirationDays; "Click" expires after one day.
std::string TypeJson(std::string_view name, std::string_view extra) {
  std::string in = R"({"DomainName": "d", "ObjectTypeName": ")" + std::string(name) +
                   R"(", "Description": "t", "AllowProfileCreation": true,
    "Fields": {"Id": {"Source": "_source.Id"}, "email": {"Source": "_source.email"},
               "amount": {"Source": "_source.amount"}},
    "Keys": {"Id": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["Id"]}],
             "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]})";
  if (!extra.empty()) in += ", " + std::string(extra);
  return in + "}";
}

class ExpiryTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore(clock_));
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 10})");
    Ok("PutProfileObjectType", TypeJson("Visit", ""));
    Ok("PutProfileObjectType", TypeJson("Click", R"("ExpirationDays": 1)"));
  }

  std::string Put(std::string_view type, std::string_view id, std::string_view email,
                  int amount = 1) {
    json::object o{{"Id", id}, {"email", email}, {"amount", std::to_string(amount)}};
    json::object in{{"DomainName", "d"}, {"ObjectTypeName", type}, {"Object", json::serialize(o)}};
    auto r = Call("PutProfileObject", in);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return std::string(id);
  }
  std::string ProfileOf(std::string_view email) {
    auto ids = Search("_email", email);
    return ids.size() == 1 ? *ids.begin() : "";
  }
  std::vector<std::string> Objects(std::string_view type, const std::string& profile) {
    auto r = Call("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": ")" +
                                            std::string(type) + R"(", "ProfileId": ")" + profile +
                                            R"("})");
    std::vector<std::string> out;
    if (!r.ok()) return {"<" + r.error().message() + ">"};
    for (const auto& item : r->at("Items").as_array()) {
      out.emplace_back(item.at("ProfileObjectUniqueKey").as_string());
    }
    return out;
  }
  // Stats: ProfileCount, ObjectCount, TotalSize.
  std::vector<int64_t> Stats() {
    json::object stats = Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").as_object();
    return {stats.at("ProfileCount").to_number<int64_t>(),
            stats.at("ObjectCount").to_number<int64_t>(),
            stats.at("TotalSize").to_number<int64_t>()};
  }
  // "ActionType ObjectTypeName[/unique] PerformedBy" of each history record, oldest first.
  std::vector<std::string> History(const std::string& profile) {
    json::object out = Ok("ListProfileHistoryRecords",
                          R"({"DomainName": "d", "ProfileId": ")" + profile + R"("})");
    std::vector<std::string> lines;
    for (const auto& v : out["ProfileHistoryRecords"].as_array()) {
      const json::object& r = v.as_object();
      std::string line = std::string(r.at("ActionType").as_string()) + " " +
                         std::string(r.at("ObjectTypeName").as_string());
      if (r.contains("ProfileObjectUniqueKey")) {
        line += "/" + std::string(r.at("ProfileObjectUniqueKey").as_string());
      }
      lines.push_back(line + " " + std::string(r.at("PerformedBy").as_string()));
    }
    return lines;
  }
  int64_t Metering() {
    return Ok("GetDomain", R"({"DomainName": "d"})")
        .at("Stats")
        .at("MeteringProfileCount")
        .to_number<int64_t>();
  }
  int64_t Estimate(std::string_view segment_query) {
    json::object in{{"DomainName", "d"}, {"SegmentQuery", json::parse(segment_query)}};
    auto created = Call("CreateSegmentEstimate", in);
    EXPECT_TRUE(created.ok()) << created.error().message();
    if (!created.ok()) return -1;
    json::object got =
        Ok("GetSegmentEstimate", R"({"DomainName": "d", "EstimateId": ")" +
                                     std::string(created->at("EstimateId").as_string()) + R"("})");
    return std::stoll(std::string(got.at("Estimate").as_string()));
  }
  ExpiryPassStats Pass() {
    auto r = RunExpiryPass(*store_, clock_);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : ExpiryPassStats{-1, -1};
  }
  bool BatchGetFinds(const std::string& id) {
    json::object out =
        Ok("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + id + R"("]})");
    return out["Profiles"].as_array().size() == 1;
  }

  std::string RowOf(int64_t ms, const std::string& id) {
    return std::to_string(ms) + "/" + id;  // 13 digits until 2286
  }
  int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch())
        .count();
  }

  fixture::ManualClock clock_;
};

constexpr char kAccountRoot[] = "arn:aws:iam::123456789012:root";

TEST_F(ExpiryTest, AnObjectExpiresAfterItsTypesDaysAndLeavesAnExpiredRecord) {
  std::string p = Create(R"("EmailAddress": "a@x.com")");
  Ok("AddProfileKey", R"({"DomainName": "d", "ProfileId": ")" + p +
                          R"(", "KeyName": "_email", "Values": ["a@x.com"]})");
  Put("Visit", "v1", "a@x.com");
  clock_.Advance(kSecond);
  Put("Click", "c1", "a@x.com");
  // Kept alive by an update after the Click (the Click fixed the profile's expiry at 1 day).
  clock_.Advance(kSecond);
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + p + R"(", "FirstName": "Ada"})");
  EXPECT_EQ(Stats(), (std::vector<int64_t>{1, 2, Stats()[2]}));
  int64_t visit_size = Stats()[2] / 2;

  clock_.Advance(kDayMs - 2 * kSecond);  // one day after the Click: still there
  EXPECT_EQ(Objects("Click", p), (std::vector<std::string>{"c1"}));
  EXPECT_EQ(Pass().objects, 0);
  clock_.Advance(kSecond);  // past it: hidden before any sweep
  EXPECT_TRUE(Objects("Click", p).empty());
  EXPECT_EQ(Objects("Visit", p), (std::vector<std::string>{"v1"}));

  ExpiryPassStats pass = Pass();
  EXPECT_EQ(pass.objects, 1);
  EXPECT_EQ(pass.profiles, 0);
  EXPECT_EQ(Stats(), (std::vector<int64_t>{1, 1, visit_size}));
  std::vector<std::string> history = History(p);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back(), "EXPIRED Click/c1 profile.amazonaws.com");
  EXPECT_EQ(Pass().objects, 0);  // nothing left due
  EXPECT_TRUE(BatchGetFinds(p));
}

TEST_F(ExpiryTest, AProfileExpiresDomainDaysAfterItsLastUpdate) {
  std::string p = Create(R"("EmailAddress": "a@x.com", "FirstName": "Ada")");
  clock_.Advance(9 * kDayMs);
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + p + R"(", "LastName": "L"})");
  clock_.Advance(10 * kDayMs - kSecond);
  EXPECT_EQ(Pass().profiles, 0);
  EXPECT_TRUE(BatchGetFinds(p));
  EXPECT_EQ(Search("_email", "a@x.com").size(), 1u);

  clock_.Advance(kSecond);
  EXPECT_FALSE(BatchGetFinds(p));  // hidden before the sweep
  EXPECT_TRUE(Search("_email", "a@x.com").empty());
  EXPECT_EQ(Pass().profiles, 1);
  EXPECT_EQ(Stats()[0], 0);
  EXPECT_EQ(History(p), (std::vector<std::string>{"CREATED _profile " + std::string(kAccountRoot),
                                                  "UPDATED _profile " + std::string(kAccountRoot),
                                                  "EXPIRED _profile profile.amazonaws.com"}));
  // Its rows went with it: a new profile with the same email is found alone.
  std::string q = Create(R"("EmailAddress": "a@x.com")");
  EXPECT_EQ(Search("_email", "a@x.com"), (std::set<std::string>{q}));
}

TEST_F(ExpiryTest, UpdatesLeaveAProfilesExpiryRowWhereItIsUntilTheSweepMovesIt) {
  int64_t created = NowMs();
  std::string p = Create(R"("EmailAddress": "a@x.com")");
  for (int day = 1; day <= 3; ++day) {
    clock_.Advance(kDayMs);
    Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + p + R"(", "LastName": "L)" +
                            std::to_string(day) + R"("})");
  }
  int64_t updated = NowMs();
  EXPECT_EQ(IndexValues("exp/pd"), (std::vector<std::string>{RowOf(created, p)}));

  // The row falls due on day 10, the profile on day 13: the sweep moves the row, once.
  clock_.Advance(7 * kDayMs);
  store::StoreStats before = store_->Stats();
  EXPECT_EQ(Pass().profiles, 0);
  EXPECT_EQ(store_->Stats().write_transactions - before.write_transactions, 1);
  EXPECT_EQ(IndexValues("exp/pd"), (std::vector<std::string>{RowOf(updated, p)}));
  EXPECT_TRUE(BatchGetFinds(p));
  EXPECT_EQ(Stats()[0], 1);
  EXPECT_EQ(History(p).size(), 4u);  // moving the row is no update
  before = store_->Stats();
  EXPECT_EQ(Pass().profiles, 0);
  EXPECT_EQ(store_->Stats().write_transactions, before.write_transactions);

  clock_.Advance(3 * kDayMs);
  EXPECT_EQ(Stats()[0], 0);  // GetDomain expires what is due first
  EXPECT_TRUE(IndexValues("exp/pd").empty());
  EXPECT_FALSE(BatchGetFinds(p));
}

TEST_F(ExpiryTest, AProfileStoredWithItsExactExpiryRowKeepsThatRow) {
  // As a profile stored before "_xr" existed: no "_xr", its row at its last update.
  std::string p = Create(R"("EmailAddress": "a@x.com")");
  clock_.Advance(kDayMs);
  int64_t updated = NowMs();
  ASSERT_TRUE(store_
                  ->Write([&](store::Txn& txn) -> Status {
                    ASSIGN_OR_RETURN(json::object before, LoadProfile(txn, kDomainD, p, true));
                    json::object after = before;
                    after.erase(kExpiryRowMember);
                    after[kProfileUpdatedMember] = updated;
                    return SaveProfile(txn, kDomainD, &before, after, nullptr);
                  })
                  .ok());
  ASSERT_EQ(IndexValues("exp/pd"), (std::vector<std::string>{RowOf(updated, p)}));

  clock_.Advance(kDayMs);
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + p + R"(", "LastName": "L"})");
  EXPECT_EQ(IndexValues("exp/pd"), (std::vector<std::string>{RowOf(updated, p)}));
  clock_.Advance(10 * kDayMs);
  EXPECT_EQ(Stats()[0], 0);
  EXPECT_TRUE(IndexValues("exp/pd").empty());
}

TEST_F(ExpiryTest, AProfileIngestedWithATypesDaysExpiresWithItsObjects) {
  Put("Click", "c1", "b@x.com");
  Put("Visit", "v1", "b@x.com");  // an ingestion of the domain's days: 10 days from now
  std::string p = ProfileOf("b@x.com");
  ASSERT_FALSE(p.empty());
  clock_.Advance(kDayMs + kSecond);
  ExpiryPassStats first = Pass();
  EXPECT_EQ(first.objects, 1);  // the Click; the profile was updated by the Visit since
  EXPECT_EQ(first.profiles, 0);
  Put("Click", "c2", "b@x.com");  // the latest update fixes the profile's expiry at one day
  clock_.Advance(kDayMs + kSecond);
  ExpiryPassStats second = Pass();
  EXPECT_EQ(second.profiles, 1);
  EXPECT_EQ(Stats(), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(History(p).back(), "EXPIRED _profile profile.amazonaws.com");
}

TEST_F(ExpiryTest, ObjectExpiryIsFixedAtIngestionButDomainDaysApplyAsTheyAre) {
  std::string p = Create(R"("EmailAddress": "c@x.com")");
  Ok("AddProfileKey", R"({"DomainName": "d", "ProfileId": ")" + p +
                          R"(", "KeyName": "_email", "Values": ["c@x.com"]})");
  Put("Click", "c1", "c@x.com");
  Put("Visit", "v1", "c@x.com");
  // A longer ExpirationDays applies to new data only (AWS); a longer domain default applies to
  // everything that follows it.
  Ok("PutProfileObjectType", TypeJson("Click", R"("ExpirationDays": 30)"));
  Ok("UpdateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 20})");
  clock_.Advance(15 * kDayMs);
  ExpiryPassStats pass = Pass();
  EXPECT_EQ(pass.objects, 1);
  EXPECT_EQ(pass.profiles, 0);
  EXPECT_TRUE(Objects("Click", p).empty());
  EXPECT_EQ(Objects("Visit", p), (std::vector<std::string>{"v1"}));
  Ok("UpdateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 5})");
  EXPECT_EQ(Objects("Visit", p),
            (std::vector<std::string>{"<Profile " + p + " does not exist in domain d>"}));
  pass = Pass();
  EXPECT_EQ(pass.profiles, 1);
  EXPECT_EQ(Stats(), (std::vector<int64_t>{0, 0, 0}));
}

TEST_F(ExpiryTest, ExpiryLeavesCalculatedAttributesAsDeleteProfileObjectWould) {
  for (const char* stat : {"SUM", "COUNT", "MAXIMUM", "AVERAGE", "LAST_OCCURRENCE"}) {
    std::string name = stat;
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    Ok("CreateCalculatedAttributeDefinition",
       R"({"DomainName": "d", "CalculatedAttributeName": ")" + name + R"(", "Statistic": ")" +
           stat +
           R"(", "AttributeDetails": {"Attributes": [{"Name": "amount"}], "Expression": "{Visit.amount}"}})");
  }
  // Two profiles with the same history; one loses v1 to expiry, the other by DeleteProfileObject.
  Put("Visit", "a1", "e@x.com", 50);
  Put("Visit", "b1", "f@x.com", 50);
  clock_.Advance(5 * kDayMs);
  Put("Visit", "a2", "e@x.com", 7);
  Put("Visit", "b2", "f@x.com", 7);
  std::string expired = ProfileOf("e@x.com"), deleted = ProfileOf("f@x.com");
  clock_.Advance(5 * kDayMs + kSecond);
  Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Visit", "ProfileId": ")" +
                                deleted + R"(", "ProfileObjectUniqueKey": "b1"})");
  EXPECT_EQ(Pass().objects, 1);
  for (const char* name : {"sum", "count", "maximum", "average", "last_occurrence"}) {
    auto value = [&](const std::string& profile) {
      auto r = Call("GetCalculatedAttributeForProfile",
                    R"({"DomainName": "d", "ProfileId": ")" + profile +
                        R"(", "CalculatedAttributeName": ")" + name + R"("})");
      EXPECT_TRUE(r.ok()) << r.error().message();
      return r.ok() && r->contains("Value") ? std::string(r->at("Value").as_string()) : "<none>";
    };
    EXPECT_EQ(value(expired), value(deleted)) << name;
  }
  auto r =
      Call("GetCalculatedAttributeForProfile", R"({"DomainName": "d", "ProfileId": ")" + expired +
                                                   R"(", "CalculatedAttributeName": "sum"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::stod(std::string(r->at("Value").as_string())), 7.0);
}

TEST_F(ExpiryTest, APassReadsOnlyWhatIsDue) {
  for (int i = 0; i < 50; ++i) Put("Visit", "v" + std::to_string(i), "g@x.com");
  Put("Click", "c1", "h@x.com");
  Put("Visit", "v-h", "h@x.com");
  store::StoreStats before = store_->Stats();
  EXPECT_EQ(Pass().objects, 0);
  store::StoreStats after = store_->Stats();
  EXPECT_EQ(after.write_transactions, before.write_transactions);
  clock_.Advance(kDayMs + kSecond);
  before = store_->Stats();
  EXPECT_EQ(Pass().objects, 1);
  after = store_->Stats();
  EXPECT_EQ(after.write_transactions - before.write_transactions, 1);
}

TEST_F(ExpiryTest, DeletingTheDomainDropsItFromTheSweep) {
  Put("Click", "c1", "i@x.com");
  Ok("DeleteDomain", R"({"DomainName": "d"})");
  clock_.Advance(2 * kDayMs);
  EXPECT_EQ(Pass().objects, 0);
  int64_t registered = -1;
  ASSERT_TRUE(store_
                  ->Read([&](store::Txn& txn) -> Status {
                    ASSIGN_OR_RETURN(registered, txn.Count(kSystemScope, kExpiryRegistryKind, ""));
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(registered, 0);
}

// ---- Reads that count stored data, before any sweep ran
// ------------------------------------------ Issue 14: expired data is "never served once past
// their time". GetDomain's Stats, calculated attributes (Get, List, BatchGet) and segments
// (estimate, membership, snapshot) run the due part of the sweep first (ExpireDueNow), so no Pass()
// precedes these reads.

constexpr int64_t kHour = 3600 * kSecond;
using V = std::vector<int64_t>;

TEST_F(ExpiryTest, GetDomainStatsLeaveOutExpiredObjectsAndProfiles) {
  Put("Visit", "v1", "a@x.com");
  int64_t visit_size = Stats()[2];
  Put("Click", "c1", "a@x.com");
  Put("Visit", "v2", "a@x.com");  // the profile lives the domain's 10 days from here
  std::string gone = Create(R"("FirstName": "Gone")");
  clock_.Advance(kDayMs);  // c1 is due; nothing else is
  EXPECT_EQ(Stats(), (V{2, 2, 2 * visit_size}));
  EXPECT_EQ(Metering(), 2);
  EXPECT_EQ(Pass().objects, 0);  // the read removed it already

  clock_.Advance(9 * kDayMs);  // `gone` and the first profile with v1 and v2 are all due
  EXPECT_EQ(Stats(), (V{0, 0, 0}));
  EXPECT_EQ(Metering(), 0);
  ExpiryPassStats pass = Pass();
  EXPECT_EQ(pass.profiles + pass.objects, 0);
}

TEST_F(ExpiryTest, MeteringLeavesOutExpiredObjects) {
  for (int i = 0; i < 101; ++i) Put("Click", "c" + std::to_string(i), "m@x.com");
  clock_.Advance(kHour);
  Put("Visit", "v1", "m@x.com");
  EXPECT_EQ(Metering(), 2);  // 102 objects: counts as two
  clock_.Advance(kDayMs - kHour);
  EXPECT_EQ(Metering(), 1);
  EXPECT_EQ(Stats()[1], 1);
}

TEST_F(ExpiryTest, CalculatedAttributesLeaveOutExpiredObjects) {
  Ok("CreateCalculatedAttributeDefinition",
     R"({"DomainName": "d", "CalculatedAttributeName": "clicks", "Statistic": "SUM",
         "AttributeDetails": {"Attributes": [{"Name": "amount"}], "Expression": "{Click.amount}"}})");
  Put("Click", "c1", "e@x.com", 5);
  clock_.Advance(12 * kHour);
  Put("Click", "c2", "e@x.com", 7);  // the profile lives a day from here
  std::string p = ProfileOf("e@x.com");
  ASSERT_FALSE(p.empty());
  auto value = [](const json::object& item) {
    return std::stod(std::string(item.at("Value").as_string()));
  };
  std::string get =
      R"({"DomainName": "d", "ProfileId": ")" + p + R"(", "CalculatedAttributeName": "clicks"})";
  EXPECT_EQ(value(Ok("GetCalculatedAttributeForProfile", get)), 12.0);

  clock_.Advance(12 * kHour);  // c1 is due
  EXPECT_EQ(value(Ok("GetCalculatedAttributeForProfile", get)), 7.0);
  EXPECT_EQ(Pass().objects, 0);

  // The same through ListCalculatedAttributesForProfile, with two more objects due.
  Put("Click", "c3", "e@x.com", 100);
  clock_.Advance(kHour);
  Put("Click", "c4", "e@x.com", 3);
  Put("Visit", "v1", "e@x.com");  // keeps the profile the domain's days
  clock_.Advance(23 * kHour);     // c2 and c3 are due, c4 not yet
  json::object listed = Ok("ListCalculatedAttributesForProfile",
                           R"({"DomainName": "d", "ProfileId": ")" + p + R"("})");
  ASSERT_EQ(listed.at("Items").as_array().size(), 1u);
  EXPECT_EQ(value(listed.at("Items").as_array()[0].as_object()), 3.0);
  EXPECT_EQ(Pass().objects, 0);
}

TEST_F(ExpiryTest, BatchGetCalculatedAttributeLeavesOutExpiredObjects) {
  Ok("CreateCalculatedAttributeDefinition",
     R"({"DomainName": "d", "CalculatedAttributeName": "clicks", "Statistic": "COUNT",
         "AttributeDetails": {"Attributes": [{"Name": "amount"}], "Expression": "{Click.amount}"}})");
  Put("Click", "c1", "f@x.com");
  clock_.Advance(kHour);
  Put("Click", "c2", "f@x.com");
  std::string p = ProfileOf("f@x.com");
  clock_.Advance(kDayMs - kHour);  // c1 is due
  json::object out = Ok("BatchGetCalculatedAttributeForProfile",
                        R"({"DomainName": "d", "CalculatedAttributeName": "clicks",
                            "ProfileIds": [")" +
                            p + R"("]})");
  ASSERT_EQ(out.at("CalculatedAttributeValues").as_array().size(), 1u);
  EXPECT_EQ(std::stod(std::string(
                out.at("CalculatedAttributeValues").as_array()[0].at("Value").as_string())),
            1.0);
}

TEST_F(ExpiryTest, SegmentsLeaveOutExpiredProfiles) {
  std::string old = Create(R"("LastName": "Lee", "FirstName": "Old")");
  clock_.Advance(5 * kDayMs);
  std::string young = Create(R"("LastName": "Lee", "FirstName": "Young")");
  constexpr std::string_view kLees = R"({"Groups": [{"Dimensions": [{"ProfileAttributes":
      {"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}}}]}]})";
  EXPECT_EQ(Estimate(kLees), 2);
  json::object define{{"DomainName", "d"},
                      {"SegmentDefinitionName", "lees"},
                      {"DisplayName", "lees"},
                      {"SegmentGroups", json::parse(kLees)}};
  ASSERT_TRUE(Call("CreateSegmentDefinition", define).ok());

  clock_.Advance(5 * kDayMs);  // `old` is due
  EXPECT_EQ(Estimate(kLees), 1);
  json::object membership{{"DomainName", "d"},
                          {"SegmentDefinitionName", "lees"},
                          {"ProfileIds", json::array{json::value(old), json::value(young)}}};
  auto r = Call("GetSegmentMembership", membership);
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::map<std::string, std::string> found;
  for (const auto& item : r->at("Profiles").as_array()) {
    found[std::string(item.at("ProfileId").as_string())] =
        std::string(item.at("QueryResult").as_string());
  }
  EXPECT_EQ(found, (std::map<std::string, std::string>{{young, "PRESENT"}}));

  clock_.Advance(kSecond);
  std::string dir = (dir_ / "out").string();
  json::object snapshot{{"DomainName", "d"},
                        {"SegmentDefinitionName", "lees"},
                        {"DataFormat", "JSONL"},
                        {"DestinationUri", "file://" + dir}};
  // A profile that falls due just before the snapshot is left out of it.
  std::string late = Create(R"("LastName": "Lee", "FirstName": "Late")");
  clock_.Advance(5 * kDayMs);  // `young` is due; `late` is not
  auto created = Call("CreateSegmentSnapshot", snapshot);
  ASSERT_TRUE(created.ok()) << created.error().message();
  std::ifstream f(dir + "/" + std::string(created->at("SnapshotId").as_string()) + ".jsonl");
  std::stringstream ss;
  ss << f.rdbuf();
  std::set<std::string> ids;
  std::istringstream lines(ss.str());
  for (std::string line; std::getline(lines, line);) {
    ids.insert(std::string(Obj(line).at("ProfileId").as_string()));
  }
  EXPECT_EQ(ids, std::set<std::string>{late});
}

// ---- Event-stream records of object removals (docs/events.md) ---------------------------------

class ObjectRemovalEventsTest : public ExpiryTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ExpiryTest::SetUp());
    Ok("CreateEventStream", R"({"DomainName": "d", "EventStreamName": "s",
         "Uri": "arn:aws:kinesis:us-east-1:123456789012:stream/events"})");
  }
  // "ObjectTypeName:EventType[:ProfileObjectUniqueKey]" of the outbox, in the order the
  // delivery sends a profile's records.
  std::vector<std::string> Events(json::object* last = nullptr) {
    std::vector<std::string> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      out.clear();
                      ASSIGN_OR_RETURN(auto docs, txn.Scan({"123456789012", "d"}, kEventOutboxKind,
                                                           "s/", "", 1000));
                      for (const auto& doc : docs) {
                        json::object entry = json::parse(doc.body).as_object();
                        json::object event = json::parse(entry.at("Data").as_string()).as_object();
                        std::string line = std::string(event.at("ObjectTypeName").as_string()) +
                                           ":" + std::string(event.at("EventType").as_string());
                        if (event.contains("ProfileObjectUniqueKey")) {
                          line += ":" + std::string(event.at("ProfileObjectUniqueKey").as_string());
                        }
                        out.push_back(line);
                        if (last) *last = event;
                      }
                      return OkStatus();
                    })
                    .ok());
    return out;
  }
};

TEST_F(ObjectRemovalEventsTest, DeleteProfileObjectSendsDeletedWithTheObject) {
  Put("Visit", "v1", "j@x.com", 3);
  std::string p = ProfileOf("j@x.com");
  clock_.Advance(kSecond);
  Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Visit", "ProfileId": ")" + p +
                                R"(", "ProfileObjectUniqueKey": "v1"})");
  json::object last;
  EXPECT_EQ(Events(&last),
            (std::vector<std::string>{"_profile:CREATED", "Visit:CREATED:v1", "Visit:DELETED:v1"}));
  EXPECT_EQ(last.at("AssociatedProfileId").as_string(), p);
  EXPECT_EQ(last.at("Object").at("amount").as_string(), "3");
  EXPECT_EQ(History(p).back(), "DELETED_BY_CUSTOMER Visit/v1 " + std::string(kAccountRoot));
  EXPECT_TRUE(BatchGetFinds(p));  // an object's deletion does not end the profile's history
}

TEST_F(ObjectRemovalEventsTest, ExpiryAndTheObjectLimitSendDeleted) {
  Ok("PutProfileObjectType", TypeJson("Visit", R"("MaxProfileObjectCount": 1)"));
  Put("Visit", "v1", "k@x.com");
  clock_.Advance(kSecond);
  Put("Visit", "v2", "k@x.com");  // over the limit: v1 goes
  clock_.Advance(kSecond);
  Put("Click", "c1", "k@x.com");
  Put("Visit", "v3", "k@x.com");  // keeps the profile beyond the Click's day; v2 goes
  clock_.Advance(kDayMs + kSecond);
  EXPECT_EQ(Pass().objects, 1);
  EXPECT_EQ(Events(),
            (std::vector<std::string>{"_profile:CREATED", "Visit:CREATED:v1", "Visit:CREATED:v2",
                                      "Visit:DELETED:v1", "Click:CREATED:c1", "Visit:CREATED:v3",
                                      "Visit:DELETED:v2", "Click:DELETED:c1"}));
  // The limit leaves no history record (AWS documents none); expiry leaves EXPIRED.
  std::vector<std::string> history = History(ProfileOf("k@x.com"));
  EXPECT_EQ(history.back(), "EXPIRED Click/c1 profile.amazonaws.com");
  EXPECT_EQ(std::count_if(history.begin(), history.end(),
                          [](const std::string& h) { return h.starts_with("DELETED"); }),
            0);
}

TEST_F(ObjectRemovalEventsTest, AnExpiredProfileSendsDeleted) {
  std::string p = Create(R"("FirstName": "Ada")");
  clock_.Advance(10 * kDayMs + kSecond);
  EXPECT_EQ(Pass().profiles, 1);
  json::object last;
  EXPECT_EQ(Events(&last), (std::vector<std::string>{"_profile:CREATED", "_profile:DELETED"}));
  EXPECT_EQ(last.at("Object").at("FirstName").as_string(), "Ada");
}

}  // namespace
}  // namespace profiled::service
