// File: ml_jobs.h
// Identity-resolution jobs (the domain's Matching; docs/matching.md, "ML-style matching"): the
// fuzzy matcher of ml_matcher.h run over a domain's profiles, weekly on Matching.JobSchedule and
// on demand (ProfiledStartIdentityResolutionJob), with AWS's statuses:
//   PENDING -> PREPROCESSING (profiles read, a batch per store call) -> FIND_MATCHING ->
//   MERGING (only with AutoMerging.Enabled) -> COMPLETED | PARTIAL_SUCCESS (some merges or the
//   export failed; Message says which) | FAILED (Message says why).
// The results replace the previous job's when the job ends: GetMatches, GetSimilarProfiles
// (ML_BASED_MATCHING) and GetAutoMergingPreview read the last completed job's.
//
// Store layout (domain scope unless said):
//   kMlJobKind          id JobId                 the job as GetIdentityResolutionJob answers it
//   kMlResultKind       id "current"             {"Generation", "JobId", "MatchGenerationDate",
//                                                 "PotentialMatches", "Stale"}: which results
//                                                 are served (Stale: generations to delete)
//   kMlMatchKind        id "{gen}/{MatchId}"     {"ProfileIds", "ConfidenceScore"}
//   kMlProfileMatchKind id "{gen}/{ProfileId}"   the MatchId of the profile's group
//   kMlQueueKind        (system scope) id "{account}/{domain}/{JobId}"  {"Region", "Owner",
//                       "LeaseUntil", "Runs"}: jobs not ended; a claimed one names its runner
//                       (ml_job_lease.h) and how many runs it was given
//   kMlScheduleKind     (system scope) id "{account}/{domain}"  {"Region", "DayOfTheWeek",
//                       "Time", "Since"}: domains with Matching enabled, for the scheduler
// A generation is the JobId that wrote it. A job writes its generation, then in one transaction
// ends and switches the served result to it (listing the replaced one as "Stale"), then deletes
// the stale rows; rows of a run interrupted by a restart are deleted when the job runs again.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kMlJobKind = "ml_job";
inline constexpr std::string_view kMlResultKind = "ml_result";
inline constexpr std::string_view kMlResultId = "current";
inline constexpr std::string_view kMlMatchKind = "ml_match";
inline constexpr std::string_view kMlProfileMatchKind = "ml_profile_match";
inline constexpr std::string_view kMlQueueKind = "ml_job_queue";
inline constexpr std::string_view kMlScheduleKind = "ml_schedule";

// A finished job is kept this long (JobExpirationTime), and at most kMlJobsKept jobs per domain.
inline constexpr int64_t kMlJobRetentionSeconds = 30 * 24 * 3600;
inline constexpr size_t kMlJobsKept = 100;

// Called wherever a domain document is saved (CreateDomain, UpdateDomain): keeps the domain's
// kMlScheduleKind row in step with its Matching (Enabled: a row with the JobSchedule, or AWS's
// default, Saturday 00:00 UTC; otherwise none, and its PENDING jobs are deleted, as AWS does).
// BadRequest naming the member for an AutoMerging Profiled cannot run (SOURCE without
// SourceName).
Status NoteMatchingSchedule(store::Txn& txn, const RequestContext& ctx,
                            const boost::json::object& domain);

// The latest instant at or before `now` (epoch seconds) that the weekly schedule names
// (DayOfTheWeek, Time "H:MM" or "HH:MM", UTC).
int64_t LastScheduledInstant(std::string_view day, std::string_view time, int64_t now);

// Creates a PENDING job of the domain (BadRequest when Matching is not enabled) and queues it;
// returns its JobId. REQUIRES: a Write transaction.
Result<std::string> EnqueueIdentityResolutionJob(store::Txn& txn, const RequestContext& ctx,
                                                 std::string_view domain, double now);

class TaskSignal;
// A job interrupted this many times (its server stopped while it ran) is FAILED, not run again.
inline constexpr int64_t kMlMaxJobRuns = 3;

// Runs one queued job to its end: a PENDING one, or one whose runner is gone (ml_job_lease.h);
// nothing for a job another live server runs. With `signal`, a stopping server leaves the job to
// the next start (between batches).
void RunIdentityResolutionJob(const ServiceEnv& env, const RequestContext& ctx,
                              std::string_view domain, std::string_view job_id,
                              const TaskSignal* signal = nullptr);
// Queues the jobs the schedules made due, then runs every queued job (tests call this).
Status RunDueIdentityResolutionJobs(const ServiceEnv& env, const TaskSignal* signal = nullptr);

// The background task: RunDueIdentityResolutionJobs every 30 s and whenever woken.
void RunIdentityResolutionTask(const ServiceEnv& env, const TaskSignal& signal);

// GetIdentityResolutionJob, ListIdentityResolutionJobs, GetMatches, GetAutoMergingPreview,
// ProfiledStartIdentityResolutionJob, and the ML branch of GetSimilarProfiles (ml_match_ops.cc);
// starts the task when env.background is set.
void RegisterIdentityResolutionOperations(Registry& registry, const ServiceEnv& env);
Result<boost::json::object> MlGetMatches(const ServiceEnv& env, const RequestContext& ctx,
                                         const boost::json::object& in);
Result<boost::json::object> MlSimilarProfiles(const ServiceEnv& env, const RequestContext& ctx,
                                              const boost::json::object& in);

}  // namespace profiled::service
