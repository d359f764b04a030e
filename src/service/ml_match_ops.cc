// The identity-resolution operations (see ml_jobs.h): the jobs, their results (GetMatches,
// GetSimilarProfiles ML_BASED_MATCHING) and the auto-merging dry run (GetAutoMergingPreview).
#include <boost/json/array.hpp>
#include <functional>

#include "service/background.h"
#include "service/common.h"
#include "service/matching.h"
#include "service/ml_auto_merge.h"
#include "service/ml_jobs.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kListJobsPurpose = "ListIdentityResolutionJobs";
constexpr std::string_view kMatchesPurpose = "GetMatches";
// GetAutoMergingPreview reviews up to this many groups of the last job ("a sample").
constexpr size_t kPreviewSample = 1000;

// The served results ({"Generation", "MatchGenerationDate", "PotentialMatches"}), if any job has
// completed.
Result<std::optional<json::object>> CurrentResult(store::Txn& txn, store::Scope scope) {
  ASSIGN_OR_RETURN(auto body, txn.Get(scope, kMlResultKind, kMlResultId));
  if (!body) return std::optional<json::object>();
  ASSIGN_OR_RETURN(json::object result, ParseStored(*body));
  return std::optional<json::object>(std::move(result));
}

Result<json::object> StartJob(const ServiceEnv& env, const RequestContext& ctx,
                              const json::object& in, const std::function<void()>& wake) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string job_id;
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(job_id,
                     EnqueueIdentityResolutionJob(txn, ctx, domain, env.clock->NowEpochSeconds()));
    return OkStatus();
  }));
  wake();
  json::object out;
  out["JobId"] = job_id;
  return out;
}

Result<json::object> GetJob(const ServiceEnv& env, const RequestContext& ctx,
                            const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string job_id = GetStringOr(in, "JobId", "");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kMlJobKind, job_id));
    if (!body) {
      return Error::NotFound("Identity Resolution Job " + job_id + " not found in domain " +
                             domain);
    }
    ASSIGN_OR_RETURN(out, ParseStored(*body));
    return OkStatus();
  }));
  return out;
}

Result<json::object> ListJobs(const ServiceEnv& env, const RequestContext& ctx,
                              const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kListJobsPurpose));
  size_t page = PageSize(in, kMatchingMaxPage, kMatchingMaxPage);
  std::vector<json::object> jobs;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    // At most kMlJobsKept finished jobs are kept, so the list is read whole and served newest
    // first (JobIds start with their creation time).
    return ForEachDocument(txn, DomainScope(ctx, domain), kMlJobKind, "", "",
                           [&](const store::Document& doc) -> Status {
                             ASSIGN_OR_RETURN(json::object job, ParseStored(doc.body));
                             jobs.push_back(std::move(job));
                             return OkStatus();
                           });
  }));
  std::reverse(jobs.begin(), jobs.end());
  json::array list;
  json::object out;
  for (const json::object& job : jobs) {
    std::string id = GetStringOr(job, "JobId", "");
    if (!cursor.empty() && id >= cursor) continue;
    if (list.size() == page) {
      out["NextToken"] =
          EncodeToken(kListJobsPurpose, GetStringOr(list.back().as_object(), "JobId", ""));
      break;
    }
    json::object item;
    for (std::string_view member : {"DomainName", "JobId", "Status", "JobStartTime", "JobEndTime",
                                    "JobStats", "ExportingLocation", "Message"}) {
      if (auto it = job.find(member); it != job.end()) item[member] = it->value();
    }
    list.emplace_back(std::move(item));
  }
  out["IdentityResolutionJobsList"] = std::move(list);
  return out;
}

}  // namespace

Result<json::object> MlGetMatches(const ServiceEnv& env, const RequestContext& ctx,
                                  const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kMatchesPurpose));
  size_t page = PageSize(in, kMatchingMaxPage, kMatchingMaxPage);
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireMatchingEnabled(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(auto result, CurrentResult(txn, scope));
    json::array matches;
    if (!result) {  // no job has completed yet
      out["Matches"] = std::move(matches);
      out["PotentialMatches"] = 0;
      return OkStatus();
    }
    std::string prefix = GetStringOr(*result, "Generation", "") + "/";
    // A token of an earlier job's results starts the new results from the top.
    std::string after = cursor.starts_with(prefix) ? cursor : "";
    ASSIGN_OR_RETURN(auto docs, txn.Scan(scope, kMlMatchKind, prefix, after, page + 1));
    for (size_t i = 0; i < docs.size() && i < page; ++i) {
      ASSIGN_OR_RETURN(json::object doc, ParseStored(docs[i].body));
      json::object item;
      item["MatchId"] = docs[i].id.substr(prefix.size());
      item["ProfileIds"] = doc["ProfileIds"];
      item["ConfidenceScore"] = doc["ConfidenceScore"];
      matches.emplace_back(std::move(item));
    }
    if (docs.size() > page) out["NextToken"] = EncodeToken(kMatchesPurpose, docs[page - 1].id);
    out["Matches"] = std::move(matches);
    out["MatchGenerationDate"] = (*result)["MatchGenerationDate"];
    out["PotentialMatches"] = (*result)["PotentialMatches"];
    return OkStatus();
  }));
  return out;
}

namespace {

// The MatchId of the group GetSimilarProfiles' search names ("" when the profile found is in
// no group). SearchKey: "MatchId", "ProfileId" or "_profileId" (SearchValue a ProfileId), or any
// search key (SearchValue one of its values: the first profiles under it that are in a group).
Result<std::string> FindMlGroup(store::Txn& txn, store::Scope scope, const std::string& gen,
                                const std::string& key, const std::string& value) {
  if (key == "MatchId") {
    ASSIGN_OR_RETURN(auto doc, txn.Get(scope, kMlMatchKind, gen + "/" + value));
    if (!doc) return Error::NotFound("No match group has MatchId " + value);
    return value;
  }
  constexpr size_t kProfilesTried = 20;
  ASSIGN_OR_RETURN(auto ids, ProfilesOfSimilarSearch(txn, scope, key, value, kProfilesTried));
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(auto match_id, txn.Get(scope, kMlProfileMatchKind, gen + "/" + id));
    if (match_id) return *match_id;
  }
  return std::string();
}

}  // namespace

Result<json::object> MlSimilarProfiles(const ServiceEnv& env, const RequestContext& ctx,
                                       const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string key = GetStringOr(in, "SearchKey", "");
  std::string value = GetStringOr(in, "SearchValue", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kSimilarProfilesPurpose));
  size_t page = PageSize(in, kMatchingMaxPage, kMatchingMaxPage);
  json::object out;
  out["MatchType"] = "ML_BASED_MATCHING";
  json::array ids;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireMatchingEnabled(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(auto result, CurrentResult(txn, scope));
    if (!result) return OkStatus();  // no job has completed: nothing is similar yet
    std::string gen = GetStringOr(*result, "Generation", "");
    ASSIGN_OR_RETURN(std::string match_id, FindMlGroup(txn, scope, gen, key, value));
    if (match_id.empty()) return OkStatus();
    ASSIGN_OR_RETURN(auto body, txn.Get(scope, kMlMatchKind, gen + "/" + match_id));
    if (!body) return OkStatus();
    ASSIGN_OR_RETURN(json::object group, ParseStored(*body));
    // The cursor is "{MatchId}/{last ProfileId}": a token of another group starts over.
    std::string after;
    if (cursor.starts_with(match_id + "/")) after = cursor.substr(match_id.size() + 1);
    std::string last;
    const json::array* members = GetArray(group, "ProfileIds");
    for (const json::value& v : members ? *members : json::array()) {
      std::string id(v.as_string());
      if (id <= after) continue;
      if (ids.size() == page) {
        out["NextToken"] = EncodeToken(kSimilarProfilesPurpose, match_id + "/" + last);
        break;
      }
      ids.emplace_back(id);
      last = id;
    }
    out["MatchId"] = match_id;
    out["ConfidenceScore"] = group["ConfidenceScore"];
    return OkStatus();
  }));
  out["ProfileIds"] = std::move(ids);
  return out;
}

namespace {

// A dry run of AutoMerging over (a sample of) the last job's groups: counts, merges nothing.
Result<json::object> AutoMergingPreview(const ServiceEnv& env, const RequestContext& ctx,
                                        const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  if (const json::object* cr = GetObject(in, "ConflictResolution")) {
    RETURN_IF_ERROR(CheckConflictResolution(*cr));
  }
  json::object auto_merging;
  for (std::string_view member : {"Consolidation", "MinAllowedConfidenceScoreForMerging"}) {
    if (auto it = in.find(member); it != in.end()) auto_merging[member] = it->value();
  }
  int64_t groups = 0, profiles = 0, will_merge = 0;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireMatchingEnabled(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(auto result, CurrentResult(txn, scope));
    if (!result) return OkStatus();
    std::string prefix = GetStringOr(*result, "Generation", "") + "/";
    return ForEachDocument(
        txn, scope, kMlMatchKind, prefix, "", [&](const store::Document& doc) -> Result<WalkStep> {
          if (static_cast<size_t>(groups) == kPreviewSample) return WalkStep::kStop;
          ASSIGN_OR_RETURN(json::object group, ParseStored(doc.body));
          std::vector<json::object> members;
          const json::array* ids = GetArray(group, "ProfileIds");
          for (const json::value& v : ids ? *ids : json::array()) {
            ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, v.as_string()));
            if (!body) continue;  // deleted or merged since the job
            ASSIGN_OR_RETURN(json::object p, ParseStored(*body));
            members.push_back(std::move(p));
          }
          ++groups;
          profiles += static_cast<int64_t>(members.size());
          auto score = group.find("ConfidenceScore");
          double confidence = score != group.end() && score->value().is_number()
                                  ? score->value().to_number<double>()
                                  : 0.0;
          for (const MlMergePlan& plan : PlanMlMerges(members, auto_merging, confidence)) {
            will_merge += static_cast<int64_t>(plan.members.size()) - 1;
          }
          return WalkStep::kNext;
        });
  }));
  json::object out;
  out["DomainName"] = domain;
  out["NumberOfMatchesInSample"] = groups;
  out["NumberOfProfilesInSample"] = profiles;
  out["NumberOfProfilesWillBeMerged"] = will_merge;
  return out;
}

}  // namespace

void RegisterIdentityResolutionOperations(Registry& registry, const ServiceEnv& env) {
  std::function<void()> wake = [] {};
  if (env.background) {
    Background* background = env.background;
    size_t handle = background->Start("identity-resolution", [env](const TaskSignal& signal) {
      RunIdentityResolutionTask(env, signal);
    });
    wake = [background, handle] { background->Wake(handle); };
  }
  registry.Register("ProfiledStartIdentityResolutionJob",
                    [env, wake](const RequestContext& ctx, json::object in) {
                      return StartJob(env, ctx, in, wake);
                    });
  registry.Register("GetIdentityResolutionJob", WithEnv(env, GetJob));
  registry.Register("ListIdentityResolutionJobs", WithEnv(env, ListJobs));
  registry.Register("GetAutoMergingPreview", WithEnv(env, AutoMergingPreview));
}

}  // namespace profiled::service
