// Identity-resolution jobs: scheduling, the queue and the run (see ml_jobs.h).
#include "service/ml_jobs.h"

#include <boost/json/array.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/log.h"
#include "service/auto_merge.h"
#include "service/background.h"
#include "service/common.h"
#include "service/destinations.h"
#include "service/matching.h"
#include "service/merge.h"
#include "service/ml_auto_merge.h"
#include "service/ml_matcher.h"
#include "service/rule_match_index.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr store::Scope kSystem{"", ""};
constexpr std::string_view kDays[] = {"SUNDAY",   "MONDAY", "TUESDAY", "WEDNESDAY",
                                      "THURSDAY", "FRIDAY", "SATURDAY"};

std::string QueueId(std::string_view account, std::string_view domain, std::string_view job) {
  return std::string(account) + "/" + std::string(domain) + "/" + std::string(job);
}

// "{account}/{domain}[/{job}]" split back.
std::vector<std::string> SplitId(std::string_view id) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = id.find('/', start);
    parts.emplace_back(id.substr(start, slash == std::string_view::npos ? id.npos : slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

Result<std::optional<json::object>> LoadJob(store::Txn& txn, store::Scope scope,
                                            std::string_view job_id, bool for_update) {
  ASSIGN_OR_RETURN(auto body, for_update ? txn.GetForUpdate(scope, kMlJobKind, job_id)
                                         : txn.Get(scope, kMlJobKind, job_id));
  if (!body) return std::optional<json::object>();
  ASSIGN_OR_RETURN(json::object job, ParseStored(*body));
  return std::optional<json::object>(std::move(job));
}

// Applies `change` to the stored job (absent: nothing) and stamps LastUpdatedAt.
Status UpdateJob(const ServiceEnv& env, store::Scope scope, std::string_view job_id,
                 const std::function<void(json::object&)>& change) {
  return env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto job, LoadJob(txn, scope, job_id, /*for_update=*/true));
    if (!job) return OkStatus();
    change(*job);
    (*job)["LastUpdatedAt"] = env.clock->NowEpochSeconds();
    return txn.Put(scope, kMlJobKind, job_id, Serialize(*job));
  });
}

Status SetStatus(const ServiceEnv& env, store::Scope scope, std::string_view job_id,
                 std::string_view status) {
  return UpdateJob(env, scope, job_id, [&](json::object& job) { job["Status"] = status; });
}

// Deletes the domain's jobs past their expiration, and the oldest beyond kMlJobsKept.
Status ExpireJobs(store::Txn& txn, store::Scope scope, double now) {
  std::vector<std::pair<std::string, double>> finished;  // ids sort by creation time
  RETURN_IF_ERROR(
      ForEachDocument(txn, scope, kMlJobKind, "", "", [&](const store::Document& doc) -> Status {
        ASSIGN_OR_RETURN(json::object job, ParseStored(doc.body));
        auto it = job.find("JobExpirationTime");
        if (it != job.end() && it->value().is_number()) {
          finished.emplace_back(doc.id, it->value().to_number<double>());
        }
        return OkStatus();
      }));
  size_t over = finished.size() > kMlJobsKept ? finished.size() - kMlJobsKept : 0;
  for (size_t i = 0; i < finished.size(); ++i) {
    if (i < over || finished[i].second <= now) {
      RETURN_IF_ERROR(txn.Delete(scope, kMlJobKind, finished[i].first));
    }
  }
  return OkStatus();
}

// The domain's profiles as match records, read a batch per store call (the documents of one
// batch at a time; the records are what the matcher needs in memory).
Result<std::vector<MatchRecord>> ReadRecords(const ServiceEnv& env, store::Scope scope) {
  std::vector<MatchRecord> records;
  std::string after;
  while (true) {
    size_t batch_rows = 0;
    RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto docs, txn.Scan(scope, kProfileKind, "", after, kWalkBatch));
      batch_rows = docs.size();
      for (const store::Document& doc : docs) {
        ASSIGN_OR_RETURN(json::object profile, ParseStored(doc.body));
        records.push_back(MatchRecordFromProfile(profile));
      }
      if (!docs.empty()) after = docs.back().id;
      return OkStatus();
    }));
    if (batch_rows < kWalkBatch) return records;
  }
}

struct MergeOutcome {
  int64_t merged = 0;
  std::vector<std::string> gone;  // profiles merged away
  std::string error;              // the first failure
};

// AutoMerging over the job's groups, each merge in a transaction of its own.
MergeOutcome ApplyAutoMerging(const ServiceEnv& env, const RequestContext& ctx,
                              std::string_view domain, const json::object& auto_merging,
                              const std::vector<MlMatch>& matches) {
  MergeOutcome outcome;
  store::Scope scope = DomainScope(ctx, domain);
  RuleMatchingConfig conflict = ConflictConfig(GetObject(auto_merging, "ConflictResolution"));
  for (const MlMatch& match : matches) {
    std::vector<json::object> profiles;
    Status read = env.store->Read([&](store::Txn& txn) -> Status {
      profiles.clear();
      for (const std::string& id : match.profile_ids) {
        ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, id));
        if (!body) continue;  // deleted since the job read it
        ASSIGN_OR_RETURN(json::object p, ParseStored(*body));
        profiles.push_back(std::move(p));
      }
      return OkStatus();
    });
    if (!read.ok()) {
      if (outcome.error.empty()) outcome.error = read.error().message();
      continue;
    }
    for (const MlMergePlan& plan : PlanMlMerges(profiles, auto_merging, match.confidence)) {
      std::vector<json::object> group;
      for (size_t i : plan.members) group.push_back(profiles[i]);
      std::string main_id = AutoMergeMainId(group);
      json::object sources = AutoMergeFieldSources(group, conflict);
      std::vector<std::string> merged_ids;
      for (const json::object& p : group) {
        std::string id = GetStringOr(p, "ProfileId", "");
        if (id != main_id) merged_ids.push_back(id);
      }
      DomainMatching matching;
      Status merged = env.store->Write([&](store::Txn& txn) -> Status {
        ASSIGN_OR_RETURN(matching, LoadDomainMatching(txn, ctx, domain));
        return MergeProfilesInTxn(txn, ctx, domain, matching, main_id, merged_ids, &sources,
                                  env.clock->NowEpochSeconds());
      });
      if (!merged.ok()) {
        if (outcome.error.empty()) outcome.error = merged.error().message();
        continue;
      }
      RunAutoMerges(env, ctx, domain, matching);
      outcome.merged += static_cast<int64_t>(merged_ids.size());
      outcome.gone.insert(outcome.gone.end(), merged_ids.begin(), merged_ids.end());
    }
  }
  std::sort(outcome.gone.begin(), outcome.gone.end());
  return outcome;
}

// The groups as they stand after the merges: merged-away profiles leave their group, and a
// group left with one profile is no match any more.
std::vector<MlMatch> AfterMerges(std::vector<MlMatch> matches,
                                 const std::vector<std::string>& gone) {
  if (gone.empty()) return matches;
  std::vector<MlMatch> out;
  for (MlMatch& m : matches) {
    std::erase_if(m.profile_ids, [&](const std::string& id) {
      return std::binary_search(gone.begin(), gone.end(), id);
    });
    if (m.profile_ids.size() < 2) continue;
    m.match_id = MlMatchId(m.profile_ids);
    out.push_back(std::move(m));
  }
  return out;
}

// Writes generation `gen` of the results, switches GetMatches to it, then deletes the previous.
Status StoreResults(const ServiceEnv& env, store::Scope scope, const std::string& gen,
                    const std::vector<MlMatch>& matches, double now) {
  constexpr size_t kPerTxn = 200;
  for (size_t start = 0; start < matches.size(); start += kPerTxn) {
    RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
      for (size_t i = start; i < std::min(matches.size(), start + kPerTxn); ++i) {
        const MlMatch& m = matches[i];
        json::object doc;
        json::array ids;
        for (const std::string& id : m.profile_ids) {
          ids.emplace_back(id);
          RETURN_IF_ERROR(txn.Put(scope, kMlProfileMatchKind, gen + "/" + id, m.match_id));
        }
        doc["ProfileIds"] = std::move(ids);
        doc["ConfidenceScore"] = m.confidence;
        RETURN_IF_ERROR(txn.Put(scope, kMlMatchKind, gen + "/" + m.match_id, Serialize(doc)));
      }
      return OkStatus();
    }));
  }
  std::string previous;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kMlResultKind, kMlResultId));
    if (body) {
      ASSIGN_OR_RETURN(json::object old, ParseStored(*body));
      previous = GetStringOr(old, "Generation", "");
    }
    json::object result;
    result["Generation"] = gen;
    result["JobId"] = gen;
    result["MatchGenerationDate"] = now;
    result["PotentialMatches"] = static_cast<int64_t>(matches.size());
    return txn.Put(scope, kMlResultKind, kMlResultId, Serialize(result));
  }));
  if (previous.empty() || previous == gen) return OkStatus();
  return env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.DeleteKind(scope, kMlMatchKind, previous + "/"));
    RETURN_IF_ERROR(txn.DeleteKind(scope, kMlProfileMatchKind, previous + "/"));
    return OkStatus();
  });
}

// The results as JSON lines under S3Exporting (via the outbound S3 client); the location.
Result<json::object> ExportResults(const ServiceEnv& env, const json::object& s3,
                                   std::string_view job_id, const std::vector<MlMatch>& matches,
                                   double generated) {
  if (env.destinations == nullptr || env.destinations->objects == nullptr) {
    return Error::Unavailable("no S3 endpoint is configured (--s3-endpoint)");
  }
  std::string bucket = GetStringOr(s3, "S3BucketName", "");
  std::string key = GetStringOr(s3, "S3KeyName", "");
  if (!key.empty() && key.back() != '/') key += '/';
  key += std::string(job_id) + ".jsonl";
  std::string body;
  for (const MlMatch& m : matches) {
    json::object line;
    line["MatchId"] = m.match_id;
    json::array ids;
    for (const std::string& id : m.profile_ids) ids.emplace_back(id);
    line["ProfileIds"] = std::move(ids);
    line["ConfidenceScore"] = m.confidence;
    line["MatchGenerationDate"] = generated;
    body += Serialize(line);
    body += '\n';
  }
  RETURN_IF_ERROR(env.destinations->objects->PutObject(bucket, key, body, "application/x-ndjson"));
  json::object location, inner;
  inner["S3BucketName"] = bucket;
  inner["S3KeyName"] = key;
  location["S3Exporting"] = std::move(inner);
  return location;
}

// The job after it was claimed: everything from reading the profiles to the final status.
Status RunClaimedJob(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain,
                     const std::string& job_id, const json::object& matching) {
  store::Scope scope = DomainScope(ctx, domain);
  ASSIGN_OR_RETURN(std::vector<MatchRecord> records, ReadRecords(env, scope));
  int64_t reviewed = static_cast<int64_t>(records.size());
  RETURN_IF_ERROR(UpdateJob(env, scope, job_id, [&](json::object& job) {
    job["Status"] = "FIND_MATCHING";
    json::object stats;
    stats["NumberOfProfilesReviewed"] = reviewed;
    job["JobStats"] = std::move(stats);
  }));
  std::vector<MlMatch> matches = FindMatches(records, kDefaultMatchThreshold);
  records = std::vector<MatchRecord>();
  int64_t found = static_cast<int64_t>(matches.size());
  std::vector<std::string> problems;
  const json::object* auto_merging = GetObject(matching, "AutoMerging");
  MergeOutcome merges;
  if (auto_merging && GetBool(*auto_merging, "Enabled").value_or(false)) {
    RETURN_IF_ERROR(SetStatus(env, scope, job_id, "MERGING"));
    merges = ApplyAutoMerging(env, ctx, domain, *auto_merging, matches);
    if (!merges.error.empty()) problems.push_back("some merges failed: " + merges.error);
    matches = AfterMerges(std::move(matches), merges.gone);
  }
  double generated = env.clock->NowEpochSeconds();
  RETURN_IF_ERROR(StoreResults(env, scope, job_id, matches, generated));
  std::optional<json::object> location;
  const json::object* exporting = GetObject(matching, "ExportingConfig");
  if (const json::object* s3 = exporting ? GetObject(*exporting, "S3Exporting") : nullptr) {
    auto exported = ExportResults(env, *s3, job_id, matches, generated);
    if (exported.ok()) {
      location = std::move(*exported);
    } else {
      problems.push_back("exporting the results failed: " + exported.error().message());
    }
  }
  return UpdateJob(env, scope, job_id, [&](json::object& job) {
    double end = env.clock->NowEpochSeconds();
    job["Status"] = problems.empty() ? "COMPLETED" : "PARTIAL_SUCCESS";
    job["JobEndTime"] = end;
    job["JobExpirationTime"] = end + kMlJobRetentionSeconds;
    json::object stats;
    stats["NumberOfProfilesReviewed"] = reviewed;
    stats["NumberOfMatchesFound"] = found;
    stats["NumberOfMergesDone"] = merges.merged;
    job["JobStats"] = std::move(stats);
    if (location) job["ExportingLocation"] = *location;
    if (!problems.empty()) {
      std::string message;
      for (const std::string& p : problems) message += (message.empty() ? "" : "; ") + p;
      job["Message"] = message.substr(0, 2048);
    }
  });
}

// The weekly schedule of a Matching member (AWS's default when it names none).
std::pair<std::string, std::string> ScheduleOf(const json::object& matching) {
  const json::object* s = GetObject(matching, "JobSchedule");
  if (!s) return {"SATURDAY", "00:00"};
  return {GetStringOr(*s, "DayOfTheWeek", "SATURDAY"), GetStringOr(*s, "Time", "00:00")};
}

// Queues the jobs whose scheduled instant has come since the schedule row last queued one.
Status QueueScheduledJobs(const ServiceEnv& env) {
  std::vector<store::Document> rows;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    rows.clear();
    return ForEachDocument(txn, kSystem, kMlScheduleKind, "", "",
                           [&](const store::Document& doc) -> Status {
                             rows.push_back(doc);
                             return OkStatus();
                           });
  }));
  double now = env.clock->NowEpochSeconds();
  for (const store::Document& row : rows) {
    ASSIGN_OR_RETURN(json::object schedule, ParseStored(row.body));
    int64_t due =
        LastScheduledInstant(GetStringOr(schedule, "DayOfTheWeek", "SATURDAY"),
                             GetStringOr(schedule, "Time", "00:00"), static_cast<int64_t>(now));
    auto since = GetInt(schedule, "Since").value_or(0);
    if (due <= since) continue;
    std::vector<std::string> parts = SplitId(row.id);
    if (parts.size() != 2) continue;
    RequestContext ctx{parts[0], GetStringOr(schedule, "Region", ""), "", ""};
    Status queued = env.store->Write([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(kSystem, kMlScheduleKind, row.id));
      if (!body) return OkStatus();
      ASSIGN_OR_RETURN(json::object current, ParseStored(*body));
      if (GetInt(current, "Since").value_or(0) >= due) return OkStatus();  // another server did
      current["Since"] = due;
      RETURN_IF_ERROR(txn.Put(kSystem, kMlScheduleKind, row.id, Serialize(current)));
      auto job = EnqueueIdentityResolutionJob(txn, ctx, parts[1], now);
      if (!job.ok() && job.error().code() == ErrorCode::kNotFound) {  // the domain is gone
        RETURN_IF_ERROR(txn.Delete(kSystem, kMlScheduleKind, row.id));
        return OkStatus();
      }
      RETURN_IF_ERROR(job);
      return OkStatus();
    });
    if (!queued.ok())
      log::Warn("identity resolution schedule " + row.id + ": " + queued.error().message());
  }
  return OkStatus();
}

}  // namespace

int64_t LastScheduledInstant(std::string_view day, std::string_view time, int64_t now) {
  int weekday = 6;
  for (int i = 0; i < 7; ++i) {
    if (kDays[i] == day) weekday = i;
  }
  int hours = 0, minutes = 0;
  std::sscanf(std::string(time).c_str(), "%d:%d", &hours, &minutes);
  constexpr int64_t kDay = 86400, kWeek = 7 * kDay;
  // 1970-01-01 was a Thursday (weekday 4): the Sunday that starts its week is 4 days earlier.
  constexpr int64_t kFirstSunday = -4 * kDay;
  int64_t offset = weekday * kDay + hours * 3600 + minutes * 60;
  int64_t week_start = kFirstSunday + ((now - kFirstSunday) / kWeek) * kWeek;
  int64_t instant = week_start + offset;
  return instant <= now ? instant : instant - kWeek;
}

Status NoteMatchingSchedule(store::Txn& txn, const RequestContext& ctx,
                            const json::object& domain) {
  std::string name = GetStringOr(domain, "DomainName", "");
  std::string row_id = ctx.account_id + "/" + name;
  const json::object* matching = GetObject(domain, "Matching");
  if (!matching || !GetBool(*matching, "Enabled").value_or(false)) {
    ASSIGN_OR_RETURN(bool had, txn.Delete(kSystem, kMlScheduleKind, row_id));
    if (!had) return OkStatus();
    // AWS: turning Identity Resolution off deletes the PENDING jobs.
    store::Scope scope = DomainScope(ctx, name);
    return ForEachDocument(
        txn, scope, kMlJobKind, "", "", [&](const store::Document& doc) -> Status {
          ASSIGN_OR_RETURN(json::object job, ParseStored(doc.body));
          if (GetStringOr(job, "Status", "") != "PENDING") return OkStatus();
          RETURN_IF_ERROR(txn.Delete(scope, kMlJobKind, doc.id));
          RETURN_IF_ERROR(txn.Delete(kSystem, kMlQueueKind, QueueId(ctx.account_id, name, doc.id)));
          return OkStatus();
        });
  }
  const json::object* auto_merging = GetObject(*matching, "AutoMerging");
  const json::object* conflict =
      auto_merging ? GetObject(*auto_merging, "ConflictResolution") : nullptr;
  if (conflict) {
    Status checked = CheckConflictResolution(*conflict);
    if (!checked.ok()) {
      return Error::BadRequest("Matching.AutoMerging." + checked.error().message());
    }
  }
  auto [day, time] = ScheduleOf(*matching);
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(kSystem, kMlScheduleKind, row_id));
  json::object row;
  if (body) {
    ASSIGN_OR_RETURN(row, ParseStored(*body));
  } else {
    // The first run is the next scheduled instant after Matching was enabled.
    auto saved = domain.find("LastUpdatedAt");
    row["Since"] = saved != domain.end() && saved->value().is_number()
                       ? static_cast<int64_t>(saved->value().to_number<double>())
                       : int64_t{0};
  }
  row["Region"] = ctx.region;
  row["DayOfTheWeek"] = day;
  row["Time"] = time;
  return txn.Put(kSystem, kMlScheduleKind, row_id, Serialize(row));
}

Result<std::string> EnqueueIdentityResolutionJob(store::Txn& txn, const RequestContext& ctx,
                                                 std::string_view domain, double now) {
  RETURN_IF_ERROR(RequireMatchingEnabled(txn, ctx, domain));
  ASSIGN_OR_RETURN(json::object stored, LoadDomain(txn, ctx, domain));
  store::Scope scope = DomainScope(ctx, domain);
  RETURN_IF_ERROR(ExpireJobs(txn, scope, now));
  std::string job_id = NewProfileIdAt(static_cast<int64_t>(now * 1000));
  json::object job;
  job["DomainName"] = std::string(domain);
  job["JobId"] = job_id;
  job["Status"] = "PENDING";
  job["JobStartTime"] = now;
  job["LastUpdatedAt"] = now;
  const json::object* matching = GetObject(stored, "Matching");
  if (const json::object* am = matching ? GetObject(*matching, "AutoMerging") : nullptr) {
    job["AutoMerging"] = *am;
  }
  RETURN_IF_ERROR(txn.Put(scope, kMlJobKind, job_id, Serialize(job)));
  json::object queued;
  queued["Region"] = ctx.region;
  RETURN_IF_ERROR(
      txn.Put(kSystem, kMlQueueKind, QueueId(ctx.account_id, domain, job_id), Serialize(queued)));
  return job_id;
}

void RunIdentityResolutionJob(const ServiceEnv& env, const RequestContext& ctx,
                              std::string_view domain, std::string_view job_id) {
  store::Scope scope = DomainScope(ctx, domain);
  std::string id(job_id);
  std::optional<json::object> matching;
  // Claim: PENDING -> PREPROCESSING and off the queue, in one transaction, so that one server
  // runs it. A domain gone or no longer matching drops the job.
  Status claimed = env.store->Write([&](store::Txn& txn) -> Status {
    matching.reset();
    RETURN_IF_ERROR(txn.Delete(kSystem, kMlQueueKind, QueueId(ctx.account_id, domain, id)));
    ASSIGN_OR_RETURN(auto job, LoadJob(txn, scope, id, /*for_update=*/true));
    if (!job || GetStringOr(*job, "Status", "") != "PENDING") return OkStatus();
    auto stored = LoadDomain(txn, ctx, domain);
    if (!stored.ok() || !MatchingEnabled(*stored)) {
      RETURN_IF_ERROR(txn.Delete(scope, kMlJobKind, id));
      return OkStatus();
    }
    matching = *GetObject(*stored, "Matching");
    double now = env.clock->NowEpochSeconds();
    (*job)["Status"] = "PREPROCESSING";
    (*job)["JobStartTime"] = now;
    (*job)["LastUpdatedAt"] = now;
    return txn.Put(scope, kMlJobKind, id, Serialize(*job));
  });
  if (!claimed.ok()) {
    log::Warn("identity resolution job " + id + ": " + claimed.error().message());
    return;
  }
  if (!matching) return;
  Status ran = RunClaimedJob(env, ctx, domain, id, *matching);
  if (ran.ok()) return;
  log::Warn("identity resolution job " + id + " failed: " + ran.error().message());
  Status failed = UpdateJob(env, scope, id, [&](json::object& job) {
    double end = env.clock->NowEpochSeconds();
    job["Status"] = "FAILED";
    job["Message"] = ran.error().message().substr(0, 2048);
    job["JobEndTime"] = end;
    job["JobExpirationTime"] = end + kMlJobRetentionSeconds;
  });
  if (!failed.ok()) log::Warn("identity resolution job " + id + ": " + failed.error().message());
}

Status RunDueIdentityResolutionJobs(const ServiceEnv& env) {
  RETURN_IF_ERROR(QueueScheduledJobs(env));
  std::vector<store::Document> queue;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    queue.clear();
    return ForEachDocument(txn, kSystem, kMlQueueKind, "", "",
                           [&](const store::Document& doc) -> Status {
                             queue.push_back(doc);
                             return OkStatus();
                           });
  }));
  for (const store::Document& row : queue) {
    std::vector<std::string> parts = SplitId(row.id);
    if (parts.size() != 3) continue;
    ASSIGN_OR_RETURN(json::object queued, ParseStored(row.body));
    RequestContext ctx{parts[0], GetStringOr(queued, "Region", ""), "", ""};
    RunIdentityResolutionJob(env, ctx, parts[1], parts[2]);
  }
  return OkStatus();
}

void RunIdentityResolutionTask(const ServiceEnv& env, const TaskSignal& signal) {
  do {
    Status ran = RunDueIdentityResolutionJobs(env);
    if (!ran.ok()) log::Warn("identity resolution jobs: " + ran.error().message());
  } while (!signal.WaitFor(std::chrono::seconds(30)));
}

}  // namespace profiled::service
