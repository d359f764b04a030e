// The upload-job runner: reads a started job's file from its stored chunks, row by row, and
// writes each batch of rows in one transaction that also advances the job's position and
// counters, so a batch is applied entirely or not at all, and a stop, a restart or a second
// server resumes exactly where the last committed batch ended.
#include <algorithm>
#include <boost/json/array.hpp>
#include <future>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "common/ids.h"
#include "common/log.h"
#include "service/attribute_index.h"
#include "service/background.h"
#include "service/common.h"
#include "service/event_outbox.h"
#include "service/profile_batch.h"
#include "service/profile_patch.h"
#include "service/rule_match_index.h"
#include "service/search_keys.h"
#include "service/upload_csv.h"
#include "service/upload_job.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// Where a runner is in a job's file between batches, so that a chunk is read once, not once per
// batch. A cursor whose offset is not the job's stored position is discarded.
struct UploadCursor {
  CsvReader reader{0};
  int64_t next_chunk = 0;
  bool valid = false;
};

// One CSV column's place in the profile.
struct ColumnTarget {
  size_t column;
  std::string path;  // "FirstName", "Address.City", "Attributes.tier"
};

struct JobPlan {
  std::vector<ColumnTarget> targets;
  size_t unique_column = 0;
  std::string unique_path;
  std::string error;  // a mapping the file cannot satisfy: the job fails with it
};

JobPlan PlanJob(const json::object& job) {
  JobPlan plan;
  std::vector<std::string> columns;
  if (const json::array* header = GetArray(job, "_columns")) {
    for (const auto& c : *header) columns.emplace_back(c.is_string() ? c.get_string() : "");
  }
  auto find = [&](std::string_view name) -> std::optional<size_t> {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == name) return i;
    }
    return std::nullopt;
  };
  std::string unique = GetStringOr(job, "UniqueKey", "");
  if (const json::object* fields = GetObject(job, "Fields")) {
    for (const auto& [name, field] : *fields) {
      const json::object& f = field.as_object();
      // The column is the map key; a Source "_source.<Column>" names it too.
      std::optional<size_t> column = find(name);
      std::string source = GetStringOr(f, "Source", "");
      if (!column && source.starts_with("_source.")) column = find(source.substr(8));
      if (!column) {
        plan.error = "The file has no column " + std::string(name) + " (Fields)";
        return plan;
      }
      std::string path = UploadTargetPath(GetStringOr(f, "Target", ""));
      plan.targets.push_back({*column, path});
      if (name == unique) {
        plan.unique_column = *column;
        plan.unique_path = path;
      }
    }
  }
  return plan;
}

// The search key that decides create vs update: the predefined key the unique column's member
// derives (_email, _phone, _account), else a custom key named after the column.
std::pair<std::string, std::string> UniqueKeyRow(const JobPlan& plan, std::string_view column_name,
                                                 std::string_view value) {
  json::object only;
  SetProfileString(only, plan.unique_path, value);
  for (auto& [name, v] : DeriveSearchKeys(only)) {
    if (name == "_email" || name == "_phone" || name == "_account") return {name, v};
  }
  return {std::string(column_name), std::string(value)};
}

// The row as a batch item (create, or patch the profile its unique key finds), or nullopt when
// it is refused (then it is counted failed, nothing written).
Result<std::optional<ProfileBatchItem>> PrepareRow(const RequestContext& ctx, const JobPlan& plan,
                                                   int64_t expiry_days,
                                                   std::string_view unique_name,
                                                   const std::vector<std::string>& fields,
                                                   size_t column_count, double now,
                                                   bool attribute_rows) {
  std::optional<ProfileBatchItem> none;
  if (fields.size() != column_count) return none;
  const std::string& unique = fields[plan.unique_column];
  if (unique.empty()) return none;
  ProfileBatchItem item;
  item.match = ProfileBatchItem::Match::kSearchKey;
  item.change = ProfileBatchItem::Change::kPatch;
  for (const ColumnTarget& t : plan.targets) {
    const std::string& value = fields[t.column];
    if (value.empty()) continue;  // an empty cell gives nothing
    if (value.size() > (t.path == "AdditionalInformation" ? 1000u : 255u)) return none;
    SetProfileString(item.input, t.path, value);
  }
  auto profile = NewProfileFromCreate(item.input, NewProfileId());
  if (!profile.ok()) return none;
  std::tie(item.key_name, item.key_value) = UniqueKeyRow(plan, unique_name, unique);
  if (item.key_name == unique_name) AddCustomKey(*profile, item.key_name, {item.key_value});
  item.upload_expiry_days = expiry_days;
  ASSIGN_OR_RETURN(item.create,
                   PrepareCreate(ctx, std::move(*profile), now, expiry_days, attribute_rows));
  return std::optional<ProfileBatchItem>(std::move(item));
}

struct BatchRead {
  std::vector<std::vector<std::string>> records;
  int64_t malformed = 0;  // a quote never closed: the rest of the file is one failed record
  int64_t end = 0;        // file offset after the batch
  bool at_end = false;
};

// Feeds the cursor's next chunk (from byte `skip` of it), or ends the input after the last.
Status FeedNextChunk(store::Store& store, store::Scope scope, std::string_view file,
                     UploadCursor& cursor, size_t skip = 0) {
  std::optional<std::string> chunk;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(chunk,
                     txn.Get(scope, kUploadFileKind, UploadChunkId(file, cursor.next_chunk)));
    return OkStatus();
  }));
  ++cursor.next_chunk;
  if (chunk) {
    cursor.reader.Feed(std::string_view(*chunk).substr(std::min(skip, chunk->size())));
  } else {
    cursor.reader.Finish();
  }
  return OkStatus();
}

Status ReadBatch(store::Store& store, store::Scope scope, std::string_view file, int64_t position,
                 size_t max_rows, UploadCursor& cursor, BatchRead& out) {
  if (!cursor.valid || cursor.reader.offset() != position) {
    // Start at the position inside its chunk: read that chunk and drop what comes before.
    cursor.next_chunk = position / static_cast<int64_t>(kUploadChunkBytes);
    cursor.reader = CsvReader(position);
    cursor.valid = true;
    RETURN_IF_ERROR(FeedNextChunk(store, scope, file, cursor, position % kUploadChunkBytes));
  }
  std::vector<std::string> fields;
  while (out.records.size() < max_rows) {
    CsvReader::Next next = cursor.reader.Read(&fields);
    if (next == CsvReader::Next::kRecord) {
      out.records.push_back(fields);
      continue;
    }
    if (next == CsvReader::Next::kMalformed) {
      ++out.malformed;
      continue;
    }
    if (next == CsvReader::Next::kEnd) {
      out.at_end = true;
      break;
    }
    RETURN_IF_ERROR(FeedNextChunk(store, scope, file, cursor));
  }
  out.end = cursor.reader.offset();
  return OkStatus();
}

int64_t Counter(const json::object& job, std::string_view name) {
  const json::object* s = GetObject(job, "ResultsSummary");
  return s ? GetInt(*s, name).value_or(0) : 0;
}

void Finish(json::object& job, double now, std::string_view reason = "") {
  int64_t ok = Counter(job, "CreatedRecords") + Counter(job, "UpdatedRecords");
  int64_t failed = Counter(job, "FailedRecords");
  if (!reason.empty() || (failed > 0 && ok == 0)) {
    job["Status"] = "FAILED";
    job["StatusReason"] = "VALIDATION_FAILURE";
  } else if (failed > 0) {
    job["Status"] = "PARTIALLY_SUCCEEDED";
  } else {
    job["Status"] = "SUCCEEDED";
  }
  if (!reason.empty()) job["_reason"] = reason;
  job["CompletedAt"] = now;
}

// What a job's run keeps between batches.
struct JobRun {
  std::string account, domain, job_id;
  JobPlan plan;
  std::string file;
  size_t column_count = 0;
  std::string unique_name;
  int64_t expiry_days = 14;  // DataExpiry (CreateUploadJob always stores it)
  RequestContext ctx() const { return RequestContext{account, "", ""}; }
  store::Scope scope(const RequestContext& c) const { return DomainScope(c, domain); }
};

// One batch, prepared without a transaction: its rows as batch items (or counted refused).
struct PreparedBatch {
  int64_t start = 0;  // file offset of its first row: the job's position it must find
  std::vector<ProfileBatchItem> items;
  int64_t failed = 0;  // refused rows and unreadable records
  int64_t end = 0;
  bool at_end = false;
};

// The job's run and its position; nullopt (and the job no longer listed as running) when it is
// gone or no longer IN_PROGRESS.
Result<std::optional<std::pair<JobRun, int64_t>>> LoadRun(const ServiceEnv& env,
                                                          std::string_view account,
                                                          std::string_view domain,
                                                          std::string_view job_id) {
  JobRun run{std::string(account), std::string(domain), std::string(job_id), {}, "", 0, ""};
  RequestContext ctx = run.ctx();
  std::optional<std::string> body;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(body, txn.Get(run.scope(ctx), kUploadJobKind, job_id));
    return OkStatus();
  }));
  std::optional<json::object> job;
  if (body) {
    ASSIGN_OR_RETURN(job, ParseStored(*body));
  }
  if (!job || GetStringOr(*job, "Status", "") != "IN_PROGRESS") {
    // The job (or its domain) was deleted, or it ended.
    RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
      RETURN_IF_ERROR(
          txn.Delete(kSystemScope, kUploadRunningKind, UploadRunningId(account, domain, job_id)));
      return OkStatus();
    }));
    return std::optional<std::pair<JobRun, int64_t>>();
  }
  run.plan = PlanJob(*job);
  run.file = GetStringOr(*job, "_file", "");
  const json::array* columns = GetArray(*job, "_columns");
  run.column_count = columns ? columns->size() : 0;
  run.unique_name = GetStringOr(*job, "UniqueKey", "");
  run.expiry_days = GetInt(*job, "DataExpiry").value_or(14);
  int64_t position = GetInt(*job, "_position").value_or(0);
  return std::optional<std::pair<JobRun, int64_t>>(std::make_pair(std::move(run), position));
}

Result<PreparedBatch> PrepareBatch(const ServiceEnv& env, const JobRun& run, int64_t position,
                                   size_t max_rows, UploadCursor& cursor) {
  PreparedBatch batch;
  batch.start = position;
  if (!run.plan.error.empty()) return batch;
  RequestContext ctx = run.ctx();
  BatchRead read;
  RETURN_IF_ERROR(
      ReadBatch(*env.store, run.scope(ctx), run.file, position, max_rows, cursor, read));
  double now = env.clock->NowEpochSeconds();
  const bool attribute_rows = AttributeRowsLikelyKept(*env.store, ctx, run.domain);
  batch.items.reserve(read.records.size());
  batch.failed = read.malformed;
  for (const auto& record : read.records) {
    ASSIGN_OR_RETURN(auto item, PrepareRow(ctx, run.plan, run.expiry_days, run.unique_name, record,
                                           run.column_count, now, attribute_rows));
    if (item) {
      batch.items.push_back(std::move(*item));
    } else {
      ++batch.failed;
    }
  }
  batch.end = read.end;
  batch.at_end = read.at_end;
  return batch;
}

// Writes the batch, the job's counters and position in one transaction; returns whether the job
// has more to do. Writes nothing when the job was stopped or its position is not the batch's
// start (another server's batch got there first).
Result<bool> CommitBatch(const ServiceEnv& env, const JobRun& run, const PreparedBatch& batch,
                         bool* wrote) {
  RequestContext ctx = run.ctx();
  store::Scope scope = run.scope(ctx);
  bool more = false;
  DomainMatching matching;
  Status written = env.store->Write([&](store::Txn& txn) -> Status {
    more = false;
    *wrote = false;
    ASSIGN_OR_RETURN(auto stored, txn.GetForUpdate(scope, kUploadJobKind, run.job_id));
    if (!stored) return OkStatus();
    ASSIGN_OR_RETURN(json::object current, ParseStored(*stored));
    if (GetStringOr(current, "Status", "") != "IN_PROGRESS" ||
        GetInt(current, "_position").value_or(0) != batch.start) {
      more = GetStringOr(current, "Status", "") == "IN_PROGRESS";
      return OkStatus();
    }
    double now = env.clock->NowEpochSeconds();
    int64_t created = Counter(current, "CreatedRecords");
    int64_t updated = Counter(current, "UpdatedRecords");
    int64_t failed = Counter(current, "FailedRecords") + batch.failed;
    if (run.plan.error.empty()) {
      ASSIGN_OR_RETURN(matching, LoadDomainMatching(txn, ctx, run.domain));
      ProfileBatchCounts counts;
      RETURN_IF_ERROR(WriteProfileBatch(txn, scope, ctx, batch.items, matching, now, &counts));
      created += counts.created;
      updated += counts.updated;
      current["_position"] = batch.end;
    }
    json::object& summary = current["ResultsSummary"].emplace_object();
    summary["CreatedRecords"] = created;
    summary["UpdatedRecords"] = updated;
    summary["FailedRecords"] = failed;
    if (!run.plan.error.empty()) {
      Finish(current, now, run.plan.error);
    } else if (batch.at_end) {
      Finish(current, now);
    } else {
      more = true;
    }
    if (!more) {
      // Done: the file is no longer needed.
      RETURN_IF_ERROR(txn.Delete(kSystemScope, kUploadRunningKind,
                                 UploadRunningId(run.account, run.domain, run.job_id)));
      RETURN_IF_ERROR(DropUploadFile(txn, scope, current));
    }
    *wrote = true;
    return txn.Put(scope, kUploadJobKind, run.job_id, Serialize(current));
  });
  RETURN_IF_ERROR(written);
  RunAutoMerges(env, ctx, run.domain, matching);
  return more;
}

Result<bool> RunBatch(const ServiceEnv& env, std::string_view account, std::string_view domain,
                      std::string_view job_id, size_t max_rows, UploadCursor& cursor) {
  ASSIGN_OR_RETURN(auto loaded, LoadRun(env, account, domain, job_id));
  if (!loaded) return false;
  auto& [run, position] = *loaded;
  auto batch = PrepareBatch(env, run, position, max_rows, cursor);
  bool wrote = false;
  Result<bool> more =
      batch.ok() ? CommitBatch(env, run, *batch, &wrote) : Result<bool>(batch.error());
  if (!more.ok() || !*more) cursor.valid = false;
  return more;
}

// Marks a job that cannot go on (its batches keep failing) FAILED with INTERNAL_FAILURE.
Status FailJob(const ServiceEnv& env, std::string_view account, std::string_view domain,
               std::string_view job_id) {
  RequestContext ctx{std::string(account), "", ""};
  store::Scope scope = DomainScope(ctx, domain);
  return env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(
        txn.Delete(kSystemScope, kUploadRunningKind, UploadRunningId(account, domain, job_id)));
    ASSIGN_OR_RETURN(auto stored, txn.GetForUpdate(scope, kUploadJobKind, job_id));
    if (!stored) return OkStatus();
    ASSIGN_OR_RETURN(json::object job, ParseStored(*stored));
    if (GetStringOr(job, "Status", "") != "IN_PROGRESS") return OkStatus();
    RETURN_IF_ERROR(DropUploadFile(txn, scope, job));
    job["Status"] = "FAILED";
    job["StatusReason"] = "INTERNAL_FAILURE";
    job["CompletedAt"] = env.clock->NowEpochSeconds();
    return txn.Put(scope, kUploadJobKind, job_id, Serialize(job));
  });
}

struct RunningJob {
  std::string account, domain, job_id;
};

Result<std::vector<RunningJob>> RunningJobs(store::Store& store) {
  std::vector<store::Document> docs;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(docs, txn.Scan(kSystemScope, kUploadRunningKind, "", "", 1000));
    return OkStatus();
  }));
  std::vector<RunningJob> jobs;
  for (const auto& d : docs) {
    size_t a = d.id.find('/'), b = d.id.rfind('/');
    if (a == std::string::npos || a == b) continue;
    jobs.push_back({d.id.substr(0, a), d.id.substr(a + 1, b - a - 1), d.id.substr(b + 1)});
  }
  return jobs;
}

// Runs the job from its stored position while the batches follow on from each other: each batch
// is written while the next one is read and prepared. Returns OK when the job ended, `stop()`
// said so, or a batch found the job elsewhere than where this run expected (the caller runs
// again from the stored position); the error of a batch that failed.
Status RunFromStoredPosition(const ServiceEnv& env, const RunningJob& job, size_t max_rows,
                             const std::function<bool()>& stop, UploadCursor& cursor, bool* again) {
  *again = false;
  ASSIGN_OR_RETURN(auto loaded, LoadRun(env, job.account, job.domain, job.job_id));
  if (!loaded) return OkStatus();
  const JobRun& run = loaded->first;
  ASSIGN_OR_RETURN(PreparedBatch batch, PrepareBatch(env, run, loaded->second, max_rows, cursor));
  for (;;) {
    bool last = batch.at_end || !run.plan.error.empty();
    bool wrote = false;
    auto commit =
        std::async(std::launch::async, [&] { return CommitBatch(env, run, batch, &wrote); });
    std::optional<Result<PreparedBatch>> next;
    if (!last && !stop()) next = PrepareBatch(env, run, batch.end, max_rows, cursor);
    Result<bool> more = commit.get();
    RETURN_IF_ERROR(more);
    if (!*more || stop()) return OkStatus();
    if (!wrote || !next) {
      *again = true;
      return OkStatus();
    }
    RETURN_IF_ERROR(*next);
    batch = std::move(**next);
  }
}

// Runs `job` until it ends or `stop()` says so; gives up after a few failed batches in a row.
void RunJob(const ServiceEnv& env, const RunningJob& job, size_t max_rows,
            const std::function<bool()>& stop) {
  const auto burst = env.store->BeginWriteBurst();
  UploadCursor cursor;
  int failures = 0;
  while (!stop()) {
    bool again = false;
    Status s = RunFromStoredPosition(env, job, max_rows, stop, cursor, &again);
    if (s.ok()) {
      failures = 0;
      if (!again) return;
      continue;
    }
    cursor.valid = false;
    log::Warn("upload job " + job.job_id + ": batch failed: " + s.error().message());
    if (++failures >= 5) {
      Status failed = FailJob(env, job.account, job.domain, job.job_id);
      if (!failed.ok()) log::Error("upload job " + job.job_id + ": " + failed.error().message());
      return;
    }
  }
}

}  // namespace

Result<bool> RunUploadBatch(const ServiceEnv& env, std::string_view account,
                            std::string_view domain, std::string_view job_id, size_t max_rows) {
  UploadCursor cursor;
  return RunBatch(env, account, domain, job_id, max_rows, cursor);
}

Status RunUploadJobsToEnd(const ServiceEnv& env, size_t max_rows) {
  ASSIGN_OR_RETURN(auto jobs, RunningJobs(*env.store));
  for (const auto& job : jobs) RunJob(env, job, max_rows, [] { return false; });
  return OkStatus();
}

void RunUploadJobsTask(const ServiceEnv& env, const TaskSignal& signal) {
  constexpr size_t kBatchRows = 2000;
  do {
    auto jobs = RunningJobs(*env.store);
    if (!jobs.ok()) {
      log::Warn("upload jobs: " + jobs.error().message());
      continue;
    }
    for (const auto& job : *jobs) {
      RunJob(env, job, kBatchRows, [&] { return signal.Stopping(); });
    }
  } while (!signal.WaitFor(std::chrono::seconds(1)));
}

}  // namespace profiled::service
