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
#include "service/ml_job_lease.h"
#include "service/ml_matcher.h"
#include "service/rule_match_index.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

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

Result<std::optional<json::object>> LoadMlJob(store::Txn& txn, store::Scope scope,
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
    ASSIGN_OR_RETURN(auto job, LoadMlJob(txn, scope, job_id, /*for_update=*/true));
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

// A job stopped because the server is stopping (it is run again at the next start).
constexpr std::string_view kStopping = "the server is stopping";
bool Stopping(const TaskSignal* signal) { return signal != nullptr && signal->Stopping(); }
Status StopIfStopping(const TaskSignal* signal) {
  return Stopping(signal) ? Error::Unavailable(std::string(kStopping)) : OkStatus();
}

// The domain's profiles as match records, read a batch per store call (the documents of one
// batch at a time; the packed records are what the matcher needs in memory).
Result<MatchRecords> ReadRecords(const ServiceEnv& env, store::Scope scope,
                                 const TaskSignal* signal) {
  MatchRecords records;
  std::string after;
  while (true) {
    RETURN_IF_ERROR(StopIfStopping(signal));
    size_t batch_rows = 0;
    RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto docs, txn.Scan(scope, kProfileKind, "", after, kWalkBatch));
      batch_rows = docs.size();
      for (const store::Document& doc : docs) {
        ASSIGN_OR_RETURN(json::object profile, ParseStored(doc.body));
        records.Add(MatchRecordFromProfile(profile));
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

// One merge AutoMerging makes: the main profile, those merged into it, the field sources.
struct PlannedMerge {
  std::string main_id;
  std::vector<std::string> merged_ids;
  json::object sources;
};

// The merges of a chunk of groups, from their profiles as stored now (one read transaction).
Result<std::vector<PlannedMerge>> PlanChunk(const ServiceEnv& env, store::Scope scope,
                                            const json::object& auto_merging,
                                            const RuleMatchingConfig& conflict,
                                            const MlMatch* begin, const MlMatch* end) {
  std::vector<PlannedMerge> planned;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    planned.clear();
    for (const MlMatch* match = begin; match != end; ++match) {
      std::vector<json::object> profiles;
      for (const std::string& id : match->profile_ids) {
        ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, id));
        if (!body) continue;  // deleted since the job read it
        ASSIGN_OR_RETURN(json::object p, ParseStored(*body));
        profiles.push_back(std::move(p));
      }
      for (const MlMergePlan& plan : PlanMlMerges(profiles, auto_merging, match->confidence)) {
        std::vector<json::object> group;
        for (size_t i : plan.members) group.push_back(profiles[i]);
        PlannedMerge merge;
        merge.main_id = AutoMergeMainId(group);
        merge.sources = AutoMergeFieldSources(group, conflict);
        for (const json::object& p : group) {
          std::string id = GetStringOr(p, "ProfileId", "");
          if (id != merge.main_id) merge.merged_ids.push_back(id);
        }
        planned.push_back(std::move(merge));
      }
    }
    return OkStatus();
  }));
  return planned;
}

// AutoMerging over the job's groups: kMergesPerTxn groups' merges per transaction (a commit
// each would be most of the time at a million profiles); a chunk that fails is merged again one
// merge per transaction, so that one bad merge does not hold the others back.
Result<MergeOutcome> ApplyAutoMerging(const ServiceEnv& env, const RequestContext& ctx,
                                      std::string_view domain, const json::object& auto_merging,
                                      const std::vector<MlMatch>& matches,
                                      const TaskSignal* signal) {
  constexpr size_t kMergesPerTxn = 50;
  MergeOutcome outcome;
  store::Scope scope = DomainScope(ctx, domain);
  RuleMatchingConfig conflict = ConflictConfig(GetObject(auto_merging, "ConflictResolution"));
  auto note_error = [&](const Status& s) {
    if (!s.ok() && outcome.error.empty()) outcome.error = s.error().message();
  };
  auto merge = [&](const PlannedMerge* begin, const PlannedMerge* end) {
    DomainMatching matching;
    Status merged = env.store->Write([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(matching, LoadDomainMatching(txn, ctx, domain));
      for (const PlannedMerge* m = begin; m != end; ++m) {
        RETURN_IF_ERROR(MergeProfilesInTxn(txn, ctx, domain, matching, m->main_id, m->merged_ids,
                                           &m->sources, env.clock->NowEpochSeconds()));
      }
      return OkStatus();
    });
    if (!merged.ok()) return merged;
    RunAutoMerges(env, ctx, domain, matching);
    for (const PlannedMerge* m = begin; m != end; ++m) {
      outcome.merged += static_cast<int64_t>(m->merged_ids.size());
      outcome.gone.insert(outcome.gone.end(), m->merged_ids.begin(), m->merged_ids.end());
    }
    return OkStatus();
  };
  for (size_t start = 0; start < matches.size(); start += kMergesPerTxn) {
    RETURN_IF_ERROR(StopIfStopping(signal));
    const MlMatch* first = matches.data() + start;
    const MlMatch* last = matches.data() + std::min(matches.size(), start + kMergesPerTxn);
    auto planned = PlanChunk(env, scope, auto_merging, conflict, first, last);
    if (!planned.ok()) {
      note_error(planned.error());
      continue;
    }
    if (planned->empty()) continue;
    const PlannedMerge* begin = planned->data();
    const PlannedMerge* end = begin + planned->size();
    if (merge(begin, end).ok()) continue;
    for (const PlannedMerge* m = begin; m != end; ++m) note_error(merge(m, m + 1));
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

// Writes generation `gen` of the results (GetMatches still serves the previous one).
Status StoreRows(const ServiceEnv& env, store::Scope scope, const std::string& gen,
                 const std::vector<MlMatch>& matches, const TaskSignal* signal) {
  constexpr size_t kPerTxn = 500;
  for (size_t start = 0; start < matches.size(); start += kPerTxn) {
    RETURN_IF_ERROR(StopIfStopping(signal));
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
  return OkStatus();
}

// Deletes the result rows nobody serves: the generations the served result lists as "Stale"
// (replaced ones), and `own`'s (rows an interrupted or failed run of that job wrote) unless it
// is the one served.
Status DropUnservedResults(const ServiceEnv& env, store::Scope scope, const std::string& own) {
  return env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kMlResultKind, kMlResultId));
    std::vector<std::string> drop;
    json::object result;
    if (body) {
      ASSIGN_OR_RETURN(result, ParseStored(*body));
      if (const json::array* stale = GetArray(result, "Stale")) {
        for (const json::value& gen : *stale) {
          if (gen.is_string()) drop.emplace_back(gen.as_string());
        }
      }
    }
    if (!own.empty() && GetStringOr(result, "Generation", "") != own) drop.push_back(own);
    for (const std::string& gen : drop) {
      RETURN_IF_ERROR(txn.DeleteKind(scope, kMlMatchKind, gen + "/"));
      RETURN_IF_ERROR(txn.DeleteKind(scope, kMlProfileMatchKind, gen + "/"));
    }
    if (!body || result.erase("Stale") == 0) return OkStatus();
    return txn.Put(scope, kMlResultKind, kMlResultId, Serialize(result));
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

bool Terminal(std::string_view status) {
  return status == "COMPLETED" || status == "PARTIAL_SUCCESS" || status == "FAILED";
}

// Ends the job (`end` sets its Status, Message, JobStats...) and takes it off the queue, in one
// transaction; with `gen`, also switches GetMatches to that generation of the results (the one
// served until then is listed as stale, for DropUnservedResults).
Status FinishJob(const ServiceEnv& env, store::Scope scope, const std::string& queue_id,
                 const std::string& job_id, const std::optional<std::string>& gen,
                 int64_t potential_matches, const std::function<void(json::object&)>& end) {
  return env.store->Write([&](store::Txn& txn) -> Status {
    double now = env.clock->NowEpochSeconds();
    RETURN_IF_ERROR(txn.Delete(kSystemScope, kMlQueueKind, queue_id));
    ASSIGN_OR_RETURN(auto job, LoadMlJob(txn, scope, job_id, /*for_update=*/true));
    if (!job) {  // the domain was deleted meanwhile: nothing of the job stays
      if (!gen) return OkStatus();
      RETURN_IF_ERROR(txn.DeleteKind(scope, kMlMatchKind, *gen + "/"));
      RETURN_IF_ERROR(txn.DeleteKind(scope, kMlProfileMatchKind, *gen + "/"));
      return OkStatus();
    }
    end(*job);
    (*job)["JobEndTime"] = now;
    (*job)["JobExpirationTime"] = now + kMlJobRetentionSeconds;
    (*job)["LastUpdatedAt"] = now;
    RETURN_IF_ERROR(txn.Put(scope, kMlJobKind, job_id, Serialize(*job)));
    if (!gen) return OkStatus();
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kMlResultKind, kMlResultId));
    json::object result;
    json::array stale;
    if (body) {
      ASSIGN_OR_RETURN(result, ParseStored(*body));
      if (const json::array* was = GetArray(result, "Stale")) stale = *was;
      std::string previous = GetStringOr(result, "Generation", "");
      if (!previous.empty() && previous != *gen) stale.emplace_back(previous);
    }
    result["Generation"] = *gen;
    result["JobId"] = *gen;
    result["MatchGenerationDate"] = now;
    result["PotentialMatches"] = potential_matches;
    if (!stale.empty()) result["Stale"] = std::move(stale);
    return txn.Put(scope, kMlResultKind, kMlResultId, Serialize(result));
  });
}

// The job after it was claimed: everything from reading the profiles to the final status.
Status RunClaimedJob(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain,
                     const std::string& job_id, const json::object& matching,
                     const TaskSignal* signal) {
  store::Scope scope = DomainScope(ctx, domain);
  std::string queue_id = QueueId(ctx.account_id, domain, job_id);
  MlJobLease lease(env, queue_id);
  // What an interrupted run of this job, or the end of the previous job, left behind.
  RETURN_IF_ERROR(DropUnservedResults(env, scope, job_id));
  ASSIGN_OR_RETURN(MatchRecords records, ReadRecords(env, scope, signal));
  int64_t reviewed = static_cast<int64_t>(records.size());
  RETURN_IF_ERROR(UpdateJob(env, scope, job_id, [&](json::object& job) {
    job["Status"] = "FIND_MATCHING";
    json::object stats;
    stats["NumberOfProfilesReviewed"] = reviewed;
    job["JobStats"] = std::move(stats);
  }));
  RETURN_IF_ERROR(StopIfStopping(signal));
  std::vector<MlMatch> matches =
      FindMatches(records, kDefaultMatchThreshold, nullptr, [&] { return Stopping(signal); });
  RETURN_IF_ERROR(StopIfStopping(signal));
  records = MatchRecords();
  int64_t found = static_cast<int64_t>(matches.size());
  std::vector<std::string> problems;
  const json::object* auto_merging = GetObject(matching, "AutoMerging");
  MergeOutcome merges;
  if (auto_merging && GetBool(*auto_merging, "Enabled").value_or(false)) {
    RETURN_IF_ERROR(SetStatus(env, scope, job_id, "MERGING"));
    ASSIGN_OR_RETURN(merges, ApplyAutoMerging(env, ctx, domain, *auto_merging, matches, signal));
    if (!merges.error.empty()) problems.push_back("some merges failed: " + merges.error);
    matches = AfterMerges(std::move(matches), merges.gone);
  }
  RETURN_IF_ERROR(StoreRows(env, scope, job_id, matches, signal));
  double generated = env.clock->NowEpochSeconds();
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
  RETURN_IF_ERROR(FinishJob(env, scope, queue_id, job_id, job_id,
                            static_cast<int64_t>(matches.size()), [&](json::object& job) {
                              job["Status"] = problems.empty() ? "COMPLETED" : "PARTIAL_SUCCESS";
                              json::object stats;
                              stats["NumberOfProfilesReviewed"] = reviewed;
                              stats["NumberOfMatchesFound"] = found;
                              stats["NumberOfMergesDone"] = merges.merged;
                              job["JobStats"] = std::move(stats);
                              if (location) job["ExportingLocation"] = *location;
                              if (!problems.empty()) {
                                std::string message;
                                for (const std::string& p : problems)
                                  message += (message.empty() ? "" : "; ") + p;
                                job["Message"] = message.substr(0, 2048);
                              }
                            }));
  // The generation just replaced. A failure here only delays it to the next job.
  Status dropped = DropUnservedResults(env, scope, "");
  if (!dropped.ok()) {
    log::Warn("identity resolution job " + job_id + ": " + dropped.error().message());
  }
  return OkStatus();
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
    return ForEachDocument(txn, kSystemScope, kMlScheduleKind, "", "",
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
      ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(kSystemScope, kMlScheduleKind, row.id));
      if (!body) return OkStatus();
      ASSIGN_OR_RETURN(json::object current, ParseStored(*body));
      if (GetInt(current, "Since").value_or(0) >= due) return OkStatus();  // another server did
      current["Since"] = due;
      RETURN_IF_ERROR(txn.Put(kSystemScope, kMlScheduleKind, row.id, Serialize(current)));
      auto job = EnqueueIdentityResolutionJob(txn, ctx, parts[1], now);
      if (!job.ok() && job.error().code() == ErrorCode::kNotFound) {  // the domain is gone
        RETURN_IF_ERROR(txn.Delete(kSystemScope, kMlScheduleKind, row.id));
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
    ASSIGN_OR_RETURN(bool had, txn.Delete(kSystemScope, kMlScheduleKind, row_id));
    if (!had) return OkStatus();
    // AWS: turning Identity Resolution off deletes the PENDING jobs.
    store::Scope scope = DomainScope(ctx, name);
    return ForEachDocument(
        txn, scope, kMlJobKind, "", "", [&](const store::Document& doc) -> Status {
          ASSIGN_OR_RETURN(json::object job, ParseStored(doc.body));
          if (GetStringOr(job, "Status", "") != "PENDING") return OkStatus();
          RETURN_IF_ERROR(txn.Delete(scope, kMlJobKind, doc.id));
          RETURN_IF_ERROR(
              txn.Delete(kSystemScope, kMlQueueKind, QueueId(ctx.account_id, name, doc.id)));
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
  ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(kSystemScope, kMlScheduleKind, row_id));
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
  return txn.Put(kSystemScope, kMlScheduleKind, row_id, Serialize(row));
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
  RETURN_IF_ERROR(txn.Put(kSystemScope, kMlQueueKind, QueueId(ctx.account_id, domain, job_id),
                          Serialize(queued)));
  return job_id;
}

void RunIdentityResolutionJob(const ServiceEnv& env, const RequestContext& ctx,
                              std::string_view domain, std::string_view job_id,
                              const TaskSignal* signal) {
  store::Scope scope = DomainScope(ctx, domain);
  std::string id(job_id);
  std::string queue_id = QueueId(ctx.account_id, domain, id);
  std::optional<json::object> matching;
  // Claim, in one transaction, so that one server runs it: a PENDING job, or one whose runner is
  // gone (ml_job_lease.h: a restart resumes it from the start); the queue row names this process
  // until the job ends. A domain gone or no longer matching drops the job; a job interrupted
  // kMlMaxJobRuns times is FAILED.
  Status claimed = env.store->Write([&](store::Txn& txn) -> Status {
    matching.reset();
    ASSIGN_OR_RETURN(auto row_body, txn.GetForUpdate(kSystemScope, kMlQueueKind, queue_id));
    if (!row_body) return OkStatus();  // ended meanwhile
    ASSIGN_OR_RETURN(json::object row, ParseStored(*row_body));
    ASSIGN_OR_RETURN(auto job, LoadMlJob(txn, scope, id, /*for_update=*/true));
    std::string status = job ? GetStringOr(*job, "Status", "") : "";
    if (!job || Terminal(status)) {
      RETURN_IF_ERROR(txn.Delete(kSystemScope, kMlQueueKind, queue_id));
      return OkStatus();
    }
    double now = env.clock->NowEpochSeconds();
    int64_t runs = GetInt(row, "Runs").value_or(0);
    if (status != "PENDING") {
      if (!MlJobRunnerGone(row, now)) return OkStatus();  // running, here or elsewhere
      log::Warn("identity resolution job " + id + " was interrupted in " + status +
                " (its server stopped); " +
                (runs >= kMlMaxJobRuns ? "failing it" : "running it again"));
      if (runs >= kMlMaxJobRuns) {
        (*job)["Status"] = "FAILED";
        (*job)["Message"] = "The job was interrupted " + std::to_string(runs) +
                            " times (the server running it stopped); it is not run again";
        (*job)["JobEndTime"] = now;
        (*job)["JobExpirationTime"] = now + kMlJobRetentionSeconds;
        (*job)["LastUpdatedAt"] = now;
        RETURN_IF_ERROR(txn.Delete(kSystemScope, kMlQueueKind, queue_id));
        return txn.Put(scope, kMlJobKind, id, Serialize(*job));
      }
    }
    auto stored = LoadDomain(txn, ctx, domain);
    if (!stored.ok() || !MatchingEnabled(*stored)) {
      RETURN_IF_ERROR(txn.Delete(scope, kMlJobKind, id));
      RETURN_IF_ERROR(txn.Delete(kSystemScope, kMlQueueKind, queue_id));
      return OkStatus();
    }
    matching = *GetObject(*stored, "Matching");
    row["Owner"] = MlJobRunnerId();
    row["LeaseUntil"] = now + kMlLeaseSeconds;
    row["Runs"] = runs + 1;
    RETURN_IF_ERROR(txn.Put(kSystemScope, kMlQueueKind, queue_id, Serialize(row)));
    if (status == "PENDING") (*job)["JobStartTime"] = now;
    (*job)["Status"] = "PREPROCESSING";
    (*job)["LastUpdatedAt"] = now;
    return txn.Put(scope, kMlJobKind, id, Serialize(*job));
  });
  if (!claimed.ok()) {
    log::Warn("identity resolution job " + id + ": " + claimed.error().message());
    return;
  }
  if (!matching) return;
  Status ran = RunClaimedJob(env, ctx, domain, id, *matching, signal);
  if (ran.ok()) return;
  if (Stopping(signal)) {
    // Left in its status, its queue row released without counting the run: the next start
    // runs it again.
    Status released = env.store->Write([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(kSystemScope, kMlQueueKind, queue_id));
      if (!body) return OkStatus();
      ASSIGN_OR_RETURN(json::object row, ParseStored(*body));
      if (GetStringOr(row, "Owner", "") != MlJobRunnerId()) return OkStatus();
      row.erase("Owner");
      row.erase("LeaseUntil");
      row["Runs"] = std::max<int64_t>(0, GetInt(row, "Runs").value_or(1) - 1);
      return txn.Put(kSystemScope, kMlQueueKind, queue_id, Serialize(row));
    });
    log::Info("identity resolution job " + id + " stopped with the server; it runs again at " +
              "the next start" + (released.ok() ? "" : ": " + released.error().message()));
    return;
  }
  log::Warn("identity resolution job " + id + " failed: " + ran.error().message());
  Status failed = FinishJob(env, scope, queue_id, id, std::nullopt, 0, [&](json::object& job) {
    job["Status"] = "FAILED";
    job["Message"] = ran.error().message().substr(0, 2048);
  });
  if (failed.ok()) failed = DropUnservedResults(env, scope, id);
  if (!failed.ok()) log::Warn("identity resolution job " + id + ": " + failed.error().message());
}

Status RunDueIdentityResolutionJobs(const ServiceEnv& env, const TaskSignal* signal) {
  RETURN_IF_ERROR(QueueScheduledJobs(env));
  std::vector<store::Document> queue;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    queue.clear();
    return ForEachDocument(txn, kSystemScope, kMlQueueKind, "", "",
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
    if (Stopping(signal)) break;
    RunIdentityResolutionJob(env, ctx, parts[1], parts[2], signal);
  }
  return OkStatus();
}

void RunIdentityResolutionTask(const ServiceEnv& env, const TaskSignal& signal) {
  do {
    Status ran = RunDueIdentityResolutionJobs(env, &signal);
    if (!ran.ok()) log::Warn("identity resolution jobs: " + ran.error().message());
  } while (!signal.WaitFor(std::chrono::seconds(30)));
}

}  // namespace profiled::service
