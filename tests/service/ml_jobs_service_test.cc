// Identity-resolution jobs through the operations, on a real store (each store via
// PROFILED_TEST_STORE): a job started on demand runs PENDING -> COMPLETED with its JobStats;
// GetMatches (paging), GetSimilarProfiles ML_BASED_MATCHING, ListIdentityResolutionJobs;
// GetAutoMergingPreview merges nothing; AutoMerging merges when a job completes; the weekly
// JobSchedule queues a job when its instant passes; a job whose server stopped while it ran is
// run again (or FAILED after kMlMaxJobRuns runs), one another live server runs is left alone.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>

#include "service/common.h"
#include "service/ml_job_lease.h"
#include "service/ml_jobs.h"
#include "service/movable_clock.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
using fixture::MovableClock;
using fixture::Obj;
namespace json = boost::json;

class MlJobsTest : public fixture::ServiceTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenStore(clock_)); }

  void Domain(std::string_view matching) {
    Ok("CreateDomain", std::string(R"({"DomainName": "d", "DefaultExpirationDays": 5,
        "Matching": )") + std::string(matching) +
                           "}");
  }

  // Two customers entered twice each (a typo, another phone format, a swapped name), a family
  // member sharing the first customer's email and phone, and a stranger.
  void People() {
    john_ = Create(R"("FirstName": "John", "LastName": "Doe", "EmailAddress": "john.doe@x.com",
        "PhoneNumber": "+1 (555) 010-0000")");
    john2_ = Create(R"("FirstName": "Jhon", "LastName": "DOE", "EmailAddress": "JOHN.DOE@X.COM")");
    mary_ = Create(R"("FirstName": "Mary", "LastName": "Doe", "EmailAddress": "john.doe@x.com",
        "PhoneNumber": "5550100000")");
    ann_ = Create(R"("FirstName": "Ann", "LastName": "Lee", "PhoneNumber": "206-555-0199",
        "Address": {"Address1": "12 Oak St", "PostalCode": "98101"})");
    ann2_ = Create(R"("FirstName": "Lee", "LastName": "Ann", "PhoneNumber": "+1 206 555 0199",
        "Address": {"Address1": "12 Oak Street", "PostalCode": "98101"})");
    Create(R"("FirstName": "Zed", "LastName": "Stranger", "EmailAddress": "z@y.com")");
  }

  std::string StartJob() {
    json::object out = Ok("ProfiledStartIdentityResolutionJob", R"({"DomainName": "d"})");
    return out.contains("JobId") ? std::string(out["JobId"].as_string()) : "";
  }

  json::object Job(const std::string& id) {
    return Ok("GetIdentityResolutionJob", R"({"DomainName": "d", "JobId": ")" + id + "\"}");
  }

  // Every match group of GetMatches, page by page of `page`.
  std::vector<json::object> Matches(int page) {
    std::vector<json::object> all;
    std::string token;
    do {
      std::string in = R"({"DomainName": "d", "MaxResults": )" + std::to_string(page);
      if (!token.empty()) in += R"(, "NextToken": ")" + token + "\"";
      json::object out = Ok("GetMatches", in + "}");
      for (const auto& v : out["Matches"].as_array()) all.push_back(v.as_object());
      token = out.contains("NextToken") ? std::string(out["NextToken"].as_string()) : "";
    } while (!token.empty());
    return all;
  }

  static std::set<std::string> Ids(const json::object& o) {
    std::set<std::string> ids;
    for (const auto& v : o.at("ProfileIds").as_array()) ids.emplace(v.as_string());
    return ids;
  }

  // Makes job `id` look claimed by `owner` (a lease until `lease_until`, `runs` runs so far) and
  // interrupted in `status`, as a server that stopped mid-job leaves it.
  void Claimed(const std::string& id, std::string_view status, const std::string& owner,
               double lease_until, int64_t runs) {
    store::Scope system{"", ""}, scope = DomainScope(ctx_, "d");
    std::string queue_id = ctx_.account_id + "/d/" + id;
    ASSERT_TRUE(env_.store
                    ->Write([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(auto row, txn.Get(system, kMlQueueKind, queue_id));
                      if (!row) return Error::Internal("no queue row " + queue_id);
                      ASSIGN_OR_RETURN(json::object q, ParseStored(*row));
                      q["Owner"] = owner;
                      q["LeaseUntil"] = lease_until;
                      q["Runs"] = runs;
                      RETURN_IF_ERROR(txn.Put(system, kMlQueueKind, queue_id, Serialize(q)));
                      ASSIGN_OR_RETURN(auto body, txn.Get(scope, kMlJobKind, id));
                      ASSIGN_OR_RETURN(json::object job, ParseStored(*body));
                      job["Status"] = status;
                      return txn.Put(scope, kMlJobKind, id, Serialize(job));
                    })
                    .ok());
  }

  // How many result rows (groups, profiles) of generation `gen` are stored.
  std::pair<int64_t, int64_t> Rows(const std::string& gen) {
    std::pair<int64_t, int64_t> n;
    EXPECT_TRUE(env_.store
                    ->Read([&](store::Txn& txn) -> Status {
                      store::Scope scope = DomainScope(ctx_, "d");
                      ASSIGN_OR_RETURN(n.first, txn.Count(scope, kMlMatchKind, gen + "/"));
                      ASSIGN_OR_RETURN(n.second, txn.Count(scope, kMlProfileMatchKind, gen + "/"));
                      return OkStatus();
                    })
                    .ok());
    return n;
  }

  MovableClock clock_;
  std::string john_, john2_, mary_, ann_, ann2_;
};

TEST_F(MlJobsTest, AJobOnDemandFindsTheDuplicatesAndNotTheFamily) {
  Domain(R"({"Enabled": true})");
  People();
  json::object before = Ok("GetMatches", R"({"DomainName": "d"})");
  EXPECT_EQ(before["PotentialMatches"].as_int64(), 0);
  EXPECT_FALSE(before.contains("MatchGenerationDate"));

  std::string id = StartJob();
  ASSERT_EQ(id.size(), 32u);
  EXPECT_EQ(Job(id)["Status"], "PENDING");
  ASSERT_TRUE(RunDueIdentityResolutionJobs(env_).ok());
  json::object job = Job(id);
  EXPECT_EQ(job["Status"], "COMPLETED");
  EXPECT_EQ(job["DomainName"], "d");
  EXPECT_EQ(job["JobStats"].at("NumberOfProfilesReviewed").as_int64(), 6);
  EXPECT_EQ(job["JobStats"].at("NumberOfMatchesFound").as_int64(), 2);
  EXPECT_EQ(job["JobStats"].at("NumberOfMergesDone").as_int64(), 0);
  for (std::string_view t : {"JobStartTime", "JobEndTime", "LastUpdatedAt", "JobExpirationTime"}) {
    EXPECT_TRUE(job.contains(t)) << t;
  }
  EXPECT_LE(job["JobStartTime"].to_number<double>(), job["JobEndTime"].to_number<double>());

  std::vector<json::object> matches = Matches(1);  // one group per page
  ASSERT_EQ(matches.size(), 2u);
  std::set<std::set<std::string>> groups;
  for (const json::object& m : matches) {
    groups.insert(Ids(m));
    double score = m.at("ConfidenceScore").to_number<double>();
    EXPECT_GE(score, 0.0);
    EXPECT_LE(score, 1.0);
    EXPECT_EQ(m.at("MatchId").as_string().size(), 32u);
  }
  EXPECT_EQ(groups, (std::set<std::set<std::string>>{{john_, john2_}, {ann_, ann2_}}));
  json::object page = Ok("GetMatches", R"({"DomainName": "d"})");
  EXPECT_EQ(page["PotentialMatches"].as_int64(), 2);
  EXPECT_TRUE(page.contains("MatchGenerationDate"));

  json::object similar = Ok("GetSimilarProfiles", R"({"DomainName": "d", "MatchType":
      "ML_BASED_MATCHING", "SearchKey": "_profileId", "SearchValue": ")" +
                                                      ann2_ + "\"}");
  EXPECT_EQ(Ids(similar), (std::set<std::string>{ann_, ann2_}));
  EXPECT_TRUE(similar.contains("ConfidenceScore"));
  json::object by_email = Ok("GetSimilarProfiles", R"({"DomainName": "d", "MatchType":
      "ML_BASED_MATCHING", "SearchKey": "_email", "SearchValue": "z@y.com"})");
  EXPECT_TRUE(by_email["ProfileIds"].as_array().empty());  // the stranger is in no group

  // A second job gives the same groups the same MatchIds, and both jobs are listed newest first.
  std::vector<std::string> first_ids;
  for (const json::object& m : matches) first_ids.emplace_back(m.at("MatchId").as_string());
  std::string second = StartJob();
  ASSERT_TRUE(RunDueIdentityResolutionJobs(env_).ok());
  std::vector<std::string> second_ids;
  for (const json::object& m : Matches(100)) second_ids.emplace_back(m.at("MatchId").as_string());
  EXPECT_EQ(first_ids, second_ids);
  json::object list = Ok("ListIdentityResolutionJobs", R"({"DomainName": "d", "MaxResults": 1})");
  ASSERT_EQ(list["IdentityResolutionJobsList"].as_array().size(), 1u);
  EXPECT_EQ(list["IdentityResolutionJobsList"].as_array()[0].at("JobId").as_string(), second);
  json::object rest =
      Ok("ListIdentityResolutionJobs", R"({"DomainName": "d", "NextToken": ")" +
                                           std::string(list["NextToken"].as_string()) + "\"}");
  ASSERT_EQ(rest["IdentityResolutionJobsList"].as_array().size(), 1u);
  EXPECT_EQ(rest["IdentityResolutionJobsList"].as_array()[0].at("JobId").as_string(), id);
  EXPECT_FALSE(rest.contains("NextToken"));
}

TEST_F(MlJobsTest, ErrorsNameWhatIsWrong) {
  Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 5})");
  auto off = Call("ProfiledStartIdentityResolutionJob", R"({"DomainName": "d"})");
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(off.error().message().find("Matching"), std::string::npos);
  auto missing = Call("GetIdentityResolutionJob",
                      R"({"DomainName": "d", "JobId": "0123456789abcdef0123456789abcdef"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto nodomain = Call("ListIdentityResolutionJobs", R"({"DomainName": "nope"})");
  ASSERT_FALSE(nodomain.ok());
  EXPECT_EQ(nodomain.error().code(), ErrorCode::kNotFound);
  Ok("UpdateDomain", R"({"DomainName": "d", "Matching": {"Enabled": true}})");
  auto source = Call("GetAutoMergingPreview", R"({"DomainName": "d", "Consolidation":
      {"MatchingAttributesList": [["EmailAddress"]]}, "ConflictResolution":
      {"ConflictResolvingModel": "SOURCE"}})");
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.error().message().find("SourceName"), std::string::npos);
}

TEST_F(MlJobsTest, PreviewMergesNothingAndAutoMergingMergesWhenTheJobCompletes) {
  Domain(R"({"Enabled": true})");
  People();
  StartJob();
  ASSERT_TRUE(RunDueIdentityResolutionJobs(env_).ok());
  json::object preview = Ok("GetAutoMergingPreview", R"({"DomainName": "d", "Consolidation":
      {"MatchingAttributesList": [["PhoneNumber"]]}, "ConflictResolution":
      {"ConflictResolvingModel": "RECENCY"}})");
  EXPECT_EQ(preview["DomainName"], "d");
  EXPECT_EQ(preview["NumberOfMatchesInSample"].as_int64(), 2);
  EXPECT_EQ(preview["NumberOfProfilesInSample"].as_int64(), 4);
  EXPECT_EQ(preview["NumberOfProfilesWillBeMerged"].as_int64(), 1);  // only Ann's share a phone
  json::object strict = Ok("GetAutoMergingPreview", R"({"DomainName": "d", "Consolidation":
      {"MatchingAttributesList": [["EmailAddress"], ["PhoneNumber"]]}, "ConflictResolution":
      {"ConflictResolvingModel": "RECENCY"}, "MinAllowedConfidenceScoreForMerging": 1.0})");
  EXPECT_EQ(strict["NumberOfProfilesWillBeMerged"].as_int64(), 0);
  EXPECT_EQ(Search("_profileId", john2_).size(), 1u);  // the preview merged nothing
  EXPECT_EQ(Search("_profileId", ann2_).size(), 1u);

  Ok("UpdateDomain", R"({"DomainName": "d", "Matching": {"Enabled": true, "AutoMerging":
      {"Enabled": true, "Consolidation": {"MatchingAttributesList": [["EmailAddress"],
      ["PhoneNumber"]]}, "ConflictResolution": {"ConflictResolvingModel": "RECENCY"}}}})");
  std::string id = StartJob();
  ASSERT_TRUE(RunDueIdentityResolutionJobs(env_).ok());
  json::object job = Job(id);
  EXPECT_EQ(job["Status"], "COMPLETED") << job;
  EXPECT_EQ(job["JobStats"].at("NumberOfMatchesFound").as_int64(), 2);
  EXPECT_EQ(job["JobStats"].at("NumberOfMergesDone").as_int64(), 2);
  EXPECT_TRUE(job.contains("AutoMerging"));
  // The oldest profile of each group is kept; the other is gone, found under the main one.
  EXPECT_EQ(Search("_profileId", john2_).size(), 0u);
  EXPECT_EQ(Search("_profileId", ann2_).size(), 0u);
  EXPECT_EQ(Search("_phone", "+1 206 555 0199"), (std::set<std::string>{ann_}));
  EXPECT_EQ(Search("_profileId", mary_).size(), 1u);  // the family member stays herself
  // Merged groups are no matches any more.
  EXPECT_EQ(Ok("GetMatches", R"({"DomainName": "d"})")["PotentialMatches"].as_int64(), 0);
}

TEST_F(MlJobsTest, TheWeeklyScheduleQueuesAJobWhenItsInstantPasses) {
  clock_.Set(1764374400 + 3600);  // Saturday 01:00 UTC
  Domain(R"({"Enabled": true, "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "9:30"}})");
  People();
  ASSERT_TRUE(RunDueIdentityResolutionJobs(env_).ok());
  EXPECT_TRUE(
      Ok("ListIdentityResolutionJobs", R"({"DomainName": "d"})")["IdentityResolutionJobsList"]
          .as_array()
          .empty());
  clock_.Set(1764374400 + 2 * 86400 + 9 * 3600 + 31 * 60);  // Monday 09:31 UTC
  ASSERT_TRUE(RunDueIdentityResolutionJobs(env_).ok());
  ASSERT_TRUE(RunDueIdentityResolutionJobs(env_).ok());  // once per scheduled instant
  json::array jobs =
      Ok("ListIdentityResolutionJobs", R"({"DomainName": "d"})")["IdentityResolutionJobsList"]
          .as_array();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].at("Status"), "COMPLETED");
  EXPECT_EQ(Ok("GetMatches", R"({"DomainName": "d"})")["PotentialMatches"].as_int64(), 2);
}

TEST_F(MlJobsTest, AJobWhoseServerStoppedRunsAgainAndOneRunningElsewhereIsLeftAlone) {
  Domain(R"({"Enabled": true})");
  People();
  double now = clock_.NowEpochSeconds();
  // Three jobs claimed by servers that stopped mid-job (a lease that ran out; a process of this
  // host that no longer exists, its lease still running; this very pid with another start
  // token, as a restarted container's server is) and one a live server elsewhere runs.
  std::string lapsed = StartJob(), dead = StartJob(), reborn = StartJob(), elsewhere = StartJob();
  Claimed(lapsed, "FIND_MATCHING", "elsewhere:1:aa", now - 1, 1);
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  std::string host = MlJobRunnerId().substr(0, MlJobRunnerId().find(':'));
  Claimed(dead, "PREPROCESSING", host + ":" + std::to_string(child) + ":bb", now + 3600, 1);
  std::string me = MlJobRunnerId().substr(0, MlJobRunnerId().rfind(':'));
  Claimed(reborn, "MERGING", me + ":cc", now + 3600, 2);
  Claimed(elsewhere, "FIND_MATCHING", "elsewhere:1:dd", now + 3600, 1);
  // Rows the interrupted run of `lapsed` had written.
  ASSERT_TRUE(env_.store
                  ->Write([&](store::Txn& txn) -> Status {
                    store::Scope scope = DomainScope(ctx_, "d");
                    RETURN_IF_ERROR(txn.Put(scope, kMlMatchKind, lapsed + "/x", "{}"));
                    return txn.Put(scope, kMlProfileMatchKind, lapsed + "/p", "x");
                  })
                  .ok());

  ASSERT_TRUE(RunDueIdentityResolutionJobs(env_).ok());
  for (const std::string& id : {lapsed, dead, reborn}) {
    json::object job = Job(id);
    EXPECT_EQ(job["Status"], "COMPLETED") << job;
    EXPECT_EQ(job["JobStats"].at("NumberOfMatchesFound").as_int64(), 2);
  }
  EXPECT_EQ(Job(elsewhere)["Status"], "FIND_MATCHING");
  // Only the last job's results stay, and the interrupted run's rows are gone with the rest.
  std::vector<json::object> matches = Matches(100);
  ASSERT_EQ(matches.size(), 2u);
  std::string served = std::string(Ok("GetMatches", R"({"DomainName": "d"})")
                                       .at("Matches")
                                       .as_array()[0]
                                       .at("MatchId")
                                       .as_string());
  int64_t kept = 0;
  for (const std::string& id : {lapsed, dead, reborn}) {
    auto [groups, profiles] = Rows(id);
    if (groups == 0 && profiles == 0) continue;
    ++kept;
    EXPECT_EQ(groups, 2);
    EXPECT_EQ(profiles, 4);
  }
  EXPECT_EQ(kept, 1);
  EXPECT_EQ(served.size(), 32u);

  // Its lease runs out after the third run: FAILED, saying why, and its queue row is gone.
  Claimed(elsewhere, "FIND_MATCHING", "elsewhere:1:dd", now - 1, kMlMaxJobRuns);
  ASSERT_TRUE(RunDueIdentityResolutionJobs(env_).ok());
  json::object failed = Job(elsewhere);
  EXPECT_EQ(failed["Status"], "FAILED");
  EXPECT_NE(GetStringOr(failed, "Message", "").find("interrupted 3 times"), std::string::npos)
      << failed;
  EXPECT_TRUE(failed.contains("JobEndTime"));
  EXPECT_EQ(Matches(100).size(), 2u);  // the results served are untouched
  int64_t queued = -1;
  ASSERT_TRUE(env_.store
                  ->Read([&](store::Txn& txn) -> Status {
                    ASSIGN_OR_RETURN(queued, txn.Count({"", ""}, kMlQueueKind, ""));
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(queued, 0);
}

TEST(MlSchedule, LastScheduledInstant) {
  constexpr int64_t kSat = 1764374400;  // Saturday 2025-11-29 00:00 UTC
  EXPECT_EQ(LastScheduledInstant("SATURDAY", "00:00", kSat), kSat);
  EXPECT_EQ(LastScheduledInstant("SATURDAY", "00:00", kSat - 1), kSat - 7 * 86400);
  EXPECT_EQ(LastScheduledInstant("SUNDAY", "23:59", kSat), kSat - 6 * 86400 + 23 * 3600 + 59 * 60);
  EXPECT_EQ(LastScheduledInstant("MONDAY", "9:30", kSat + 2 * 86400 + 9 * 3600 + 30 * 60),
            kSat + 2 * 86400 + 9 * 3600 + 30 * 60);
}

}  // namespace
}  // namespace profiled::service
