// Upload jobs through the registry on each store: CreateUploadJob's checks, the signed path and
// the PUT of the file, StartUploadJob and the batches (create vs update by the unique key, bad
// rows counted and never written), StopUploadJob between batches, ListUploadJobs paging.
#include "service/upload_job.h"

#include <boost/json/serialize.hpp>
#include <set>
#include <string>

#include "service/expiry.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

constexpr std::string_view kFields = R"("Fields": {
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "first": {"Source": "_source.first", "Target": "_profile.FirstName"},
    "city":  {"Source": "_source.city", "Target": "_profile.Address.City"},
    "tier":  {"Source": "_source.tier", "Target": "_profile.Attributes.tier"}},
  "UniqueKey": "email")";

class UploadJobTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
  }

  std::string NewJob() {
    std::string in =
        R"({"DomainName": "d", "DisplayName": "people.csv", )" + std::string(kFields) + "}";
    return std::string(Ok("CreateUploadJob", in).at("JobId").as_string());
  }

  // PUTs `csv` to the job's signed Url as the api layer would bind it.
  Result<json::object> Put(const std::string& job, const std::string& csv) {
    json::object path = Ok("GetUploadJobPath", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
    std::string url(path.at("Url").as_string());
    json::object in;
    size_t start = url.find("/_profiled/uploads/") + 19;
    size_t q = url.find('?');
    in["UploadId"] = url.substr(start, q - start);
    std::string query = url.substr(q + 1);
    size_t amp = query.find('&');
    for (std::string_view kv :
         {std::string_view(query).substr(0, amp), std::string_view(query).substr(amp + 1)}) {
      size_t eq = kv.find('=');
      in[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    in["Body"] = csv;
    RequestContext anonymous{"", "us-east-1", "put"};
    return (*registry_.Find("ProfiledPutUploadFile"))(anonymous, in);
  }

  json::object Job(const std::string& job) {
    return Ok("GetUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
  }
  json::object Profile(const std::string& id) {
    json::object found = Ok("SearchProfiles", R"({"DomainName": "d", "KeyName": "_profileId",
                                                  "Values": [")" +
                                                  id + "\"]}");
    return found.at("Items").as_array().at(0).as_object();
  }
  int64_t Summary(const json::object& job, std::string_view name) {
    return job.at("ResultsSummary").at(name).as_int64();
  }
};

TEST_F(UploadJobTest, CreateRefusesTargetsThatAreNoProfileAttribute) {
  auto r = Call("CreateUploadJob", R"({"DomainName": "d", "DisplayName": "x",
      "Fields": {"a": {"Target": "_profile.NoSuchMember"}}, "UniqueKey": "a"})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("Fields.a.Target"), std::string::npos);
  r = Call("CreateUploadJob", R"({"DomainName": "d", "DisplayName": "x",
      "Fields": {"a": {"Target": "_profile.FirstName"}}, "UniqueKey": "b"})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("UniqueKey"), std::string::npos);
  r = Call("CreateUploadJob", R"({"DomainName": "nope", "DisplayName": "x",
      "Fields": {"a": {"Target": "_profile.FirstName"}}, "UniqueKey": "a"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST_F(UploadJobTest, IngestsRowsCreatesThenUpdatesByUniqueKeyAndCountsBadRows) {
  std::string existing = Create(R"("EmailAddress": "old@x.com", "LastName": "Kept")");
  std::string job = NewJob();
  json::object created = Job(job);
  EXPECT_EQ(created.at("Status"), "CREATED");
  EXPECT_EQ(created.at("DataExpiry"), 14);
  ASSERT_FALSE(Call("StartUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}").ok())
      << "no file yet";

  std::string csv =
      "email,first,city,tier\n"
      "old@x.com,Ann,Oslo,gold\n"     // updates the existing profile
      "new@x.com,\"Bo, Jr\",Rome,\n"  // creates
      "new@x.com,Bob,,silver\n"       // updates the one just created
      ",NoKey,Paris,x\n"              // no unique key: failed
      "short,row\n"                   // wrong number of columns: failed
      "b@x.com," +
      std::string(300, 'n') + ",,\n";  // too long: failed
  ASSERT_TRUE(Put(job, csv).ok());
  Ok("StartUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
  EXPECT_EQ(Job(job).at("Status"), "IN_PROGRESS");
  // Two rows per batch: several transactions.
  for (int i = 0; i < 10; ++i) {
    auto more = RunUploadBatch(env_, ctx_.account_id, "d", job, 2);
    ASSERT_TRUE(more.ok()) << more.error().message();
    if (!*more) break;
  }
  json::object done = Job(job);
  EXPECT_EQ(done.at("Status"), "PARTIALLY_SUCCEEDED") << json::serialize(done);
  EXPECT_EQ(Summary(done, "CreatedRecords"), 1);
  EXPECT_EQ(Summary(done, "UpdatedRecords"), 2);
  EXPECT_EQ(Summary(done, "FailedRecords"), 3);
  EXPECT_TRUE(done.contains("CompletedAt"));

  json::object old = Profile(existing);
  EXPECT_EQ(old.at("FirstName"), "Ann");
  EXPECT_EQ(old.at("LastName"), "Kept");
  EXPECT_EQ(old.at("Attributes").at("tier"), "gold");
  auto found = Search("_email", "new@x.com");
  ASSERT_EQ(found.size(), 1u);
  json::object bob = Profile(*found.begin());
  EXPECT_EQ(bob.at("FirstName"), "Bob");
  EXPECT_EQ(bob.at("Address").at("City"), "Rome");
  EXPECT_TRUE(Search("_fullName", "NoKey").empty());
  EXPECT_EQ(Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").at("ProfileCount"), 2);
}

// The runner prepares a batch while the batch before it is written (upload_ingest.cc,
// RunFromStoredPosition): a key that batch creates must still be found when the row repeating it
// is written, one, two or three batches later, so that it updates the profile instead of making
// another.
TEST_F(UploadJobTest, RowsRepeatingAKeyOfTheBatchesBeforeUpdateTheirProfile) {
  std::string existing = Create(R"("EmailAddress": "old@x.com", "FirstName": "Old")");
  std::string job = NewJob();
  std::string csv =
      "email,first,city,tier\n"
      "a@x.com,A1,,\n"
      "b@x.com,B1,,\n"  // batch 1
      "a@x.com,A2,,\n"
      "c@x.com,C1,,\n"  // batch 2: a@x.com from the batch written meanwhile
      "b@x.com,B2,,\n"
      "old@x.com,Old2,,\n"  // batch 3
      "a@x.com,A3,,\n"
      "c@x.com,C2,,\n"  // batch 4
      "c@x.com,C3,,\n";
  ASSERT_TRUE(Put(job, csv).ok());
  Ok("StartUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
  ASSERT_TRUE(RunUploadJobsToEnd(env_, 2).ok());
  json::object done = Job(job);
  EXPECT_EQ(done.at("Status"), "SUCCEEDED") << json::serialize(done);
  EXPECT_EQ(Summary(done, "CreatedRecords"), 3);
  EXPECT_EQ(Summary(done, "UpdatedRecords"), 6);
  for (auto [email, first] : {std::pair{"a@x.com", "A3"}, std::pair{"b@x.com", "B2"},
                              std::pair{"c@x.com", "C3"}, std::pair{"old@x.com", "Old2"}}) {
    auto found = Search("_email", email);
    ASSERT_EQ(found.size(), 1u) << email;
    EXPECT_EQ(Profile(*found.begin()).at("FirstName"), first) << email;
  }
  EXPECT_EQ(*Search("_email", "old@x.com").begin(), existing);
  EXPECT_EQ(Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").at("ProfileCount"), 4);
}

// Uploaded rows keep the rule-based match rows as CreateProfile/UpdateProfile do (the profile
// store's writes keep them, whoever calls).
TEST_F(UploadJobTest, UploadedRowsCreateAndDissolveRuleBasedMatches) {
  Ok("UpdateDomain", R"({"DomainName": "d", "RuleBasedMatching": {"Enabled": true,
      "MatchingRules": [{"Rule": ["FirstName"]}]}})");
  std::string existing = Create(R"("EmailAddress": "old@x.com", "FirstName": "ann")");
  auto upload = [&](const std::string& csv) {
    std::string job = NewJob();
    ASSERT_TRUE(Put(job, csv).ok());
    Ok("StartUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
    ASSERT_TRUE(RunUploadJobsToEnd(env_).ok());
    EXPECT_EQ(Job(job).at("Status"), "SUCCEEDED");
  };
  auto match_ids = [&] { return Ok("ListRuleBasedMatches", R"({"DomainName": "d"})")["MatchIds"]; };
  ASSERT_NO_FATAL_FAILURE(upload("email,first,city,tier\nnew@x.com,Ann,Oslo,\n"));
  std::string created = *Search("_email", "new@x.com").begin();
  ASSERT_EQ(match_ids().as_array().size(), 1u);
  json::object similar = Ok("GetSimilarProfiles", R"({"DomainName": "d",
      "MatchType": "RULE_BASED_MATCHING", "SearchKey": "_profileId", "SearchValue": ")" +
                                                      existing + "\"}");
  std::set<std::string> members;
  for (const auto& id : similar.at("ProfileIds").as_array()) members.emplace(id.as_string());
  EXPECT_EQ(members, (std::set<std::string>{existing, created}));
  // An updating row moves the existing profile's rows: the group dissolves.
  ASSERT_NO_FATAL_FAILURE(upload("email,first,city,tier\nold@x.com,Zed,,\n"));
  EXPECT_TRUE(match_ids().as_array().empty());
}

TEST_F(UploadJobTest, StopBetweenBatchesKeepsWhatWasWritten) {
  std::string job = NewJob();
  std::string csv = "email,first,city,tier\n";
  for (int i = 0; i < 10; ++i) csv += "p" + std::to_string(i) + "@x.com,P,,\n";
  ASSERT_TRUE(Put(job, csv).ok());
  Ok("StartUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
  ASSERT_TRUE(RunUploadBatch(env_, ctx_.account_id, "d", job, 3).ok());
  Ok("StopUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
  auto more = RunUploadBatch(env_, ctx_.account_id, "d", job, 3);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  json::object stopped = Job(job);
  EXPECT_EQ(stopped.at("Status"), "STOPPED");
  EXPECT_EQ(Summary(stopped, "CreatedRecords"), 3);
  EXPECT_EQ(Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").at("ProfileCount"), 3);
  EXPECT_FALSE(Call("StopUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}").ok());
  EXPECT_FALSE(Put(job, csv).ok()) << "a started job's file cannot be replaced";
}

TEST_F(UploadJobTest, MissingColumnFailsTheJob) {
  std::string job = NewJob();
  ASSERT_TRUE(Put(job, "email,first\na@x.com,A\n").ok());
  Ok("StartUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
  ASSERT_TRUE(RunUploadJobsToEnd(env_).ok());
  json::object failed = Job(job);
  EXPECT_EQ(failed.at("Status"), "FAILED");
  EXPECT_EQ(failed.at("StatusReason"), "VALIDATION_FAILURE");
  EXPECT_EQ(Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").at("ProfileCount"), 0);
}

TEST_F(UploadJobTest, SignedUrlIsCheckedAndListPages) {
  std::string job = NewJob();
  json::object path = Ok("GetUploadJobPath", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
  EXPECT_EQ(path.at("ValidUntil").as_double(), 1700000000.0 + 3600);
  EXPECT_FALSE(path.at("ClientToken").as_string().empty());
  // A tampered signature is refused with 403-class InvalidSignature.
  json::object in;
  std::string url(path.at("Url").as_string());
  size_t start = url.find("/_profiled/uploads/") + 19;
  in["UploadId"] = url.substr(start, url.find('?') - start);
  in["X-Profiled-ValidUntil"] = "1700003600";
  in["X-Profiled-Signature"] = std::string(64, '0');
  in["Body"] = "email\n";
  auto r = (*registry_.Find("ProfiledPutUploadFile"))(RequestContext{}, in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidSignature);

  NewJob();
  NewJob();
  json::object page = Ok("ListUploadJobs", R"({"DomainName": "d", "MaxResults": 2})");
  EXPECT_EQ(page.at("Items").as_array().size(), 2u);
  ASSERT_TRUE(page.contains("NextToken"));
  json::object rest =
      Ok("ListUploadJobs", R"({"DomainName": "d", "NextToken": ")" +
                               std::string(page.at("NextToken").as_string()) + "\"}");
  EXPECT_EQ(rest.at("Items").as_array().size(), 1u);
  EXPECT_FALSE(rest.contains("NextToken"));
}

// DataExpiry (docs/expiry.md): an uploaded profile expires DataExpiry days after the job wrote
// it, and an existing profile keeps the longer of its own expiry and the job's (AWS: "Customer
// profiles will always respect the longest expiry time").
TEST_F(UploadJobTest, DataExpiryDecidesWhenUploadedProfilesExpire) {
  std::string existing = Create(R"("EmailAddress": "old@x.com")");  // the domain's 30 days
  std::string in = R"({"DomainName": "d", "DisplayName": "p.csv", "DataExpiry": 2, )" +
                   std::string(kFields) + "}";
  std::string job(Ok("CreateUploadJob", in).at("JobId").as_string());
  ASSERT_TRUE(Put(job, "email,first,city,tier\nold@x.com,Ann,,\nnew@x.com,Bo,,\n").ok());
  Ok("StartUploadJob", R"({"DomainName": "d", "JobId": ")" + job + "\"}");
  ASSERT_TRUE(RunUploadJobsToEnd(env_).ok());
  ASSERT_EQ(Search("_email", "new@x.com").size(), 1u);

  class Later final : public Clock {
   public:
    explicit Later(int64_t days) : days_(days) {}
    std::chrono::system_clock::time_point Now() const override {
      return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
             std::chrono::hours(24 * days_);
    }

   private:
    int64_t days_;
  };
  auto one_day = RunExpiryPass(*store_, Later(1));
  ASSERT_TRUE(one_day.ok());
  EXPECT_EQ(one_day->profiles, 0);
  auto three_days = RunExpiryPass(*store_, Later(3));
  ASSERT_TRUE(three_days.ok());
  EXPECT_EQ(three_days->profiles, 1);
  EXPECT_TRUE(Search("_email", "new@x.com").empty());
  EXPECT_EQ(Profile(existing).at("FirstName"), "Ann");
  auto month = RunExpiryPass(*store_, Later(31));
  ASSERT_TRUE(month.ok());
  EXPECT_EQ(month->profiles, 1);
}

}  // namespace
}  // namespace profiled::service
