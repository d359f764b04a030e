// The upload-job runner: reads a started job's file from its stored chunks, row by row, and
// writes each batch of rows in one transaction that also advances the job's position and
// counters, so a batch is applied entirely or not at all, and a stop, a restart or a second
// server resumes exactly where the last committed batch ended.
#include <algorithm>
#include <boost/json/array.hpp>
#include <map>
#include <vector>

#include "common/ids.h"
#include "common/log.h"
#include "service/background.h"
#include "service/common.h"
#include "service/domain_stats.h"
#include "service/event_outbox.h"
#include "service/expiry.h"
#include "service/history.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
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

struct Row {
  json::object input;  // the profile members the row gives (UpdateProfile's input shape)
  std::pair<std::string, std::string> key;
  bool custom_key = false;
};

// The row as profile input, or why it is refused (then it is counted failed, nothing written).
std::optional<Row> PrepareRow(const JobPlan& plan, std::string_view unique_name,
                              const std::vector<std::string>& fields, size_t column_count) {
  if (fields.size() != column_count) return std::nullopt;
  const std::string& unique = fields[plan.unique_column];
  if (unique.empty()) return std::nullopt;
  Row row;
  for (const ColumnTarget& t : plan.targets) {
    const std::string& value = fields[t.column];
    if (value.empty()) continue;  // an empty cell gives nothing
    if (value.size() > (t.path == "AdditionalInformation" ? 1000u : 255u)) return std::nullopt;
    SetProfileString(row.input, t.path, value);
  }
  if (!NewProfileFromCreate(row.input, "check").ok()) return std::nullopt;
  row.key = UniqueKeyRow(plan, unique_name, unique);
  row.custom_key = row.key.first == unique_name;
  return row;
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

// The job's DataExpiry (days) and the domain's DefaultExpirationDays (docs/expiry.md).
struct UploadExpiry {
  int64_t days = 0;
  int64_t domain_days = 0;
};

// Creates or updates the row's profile, as CreateProfile / UpdateProfile would.
Status ApplyRow(store::Txn& txn, store::Scope scope, const RequestContext& ctx, const Row& row,
                double now, const UploadExpiry& expiry, DomainStatsBatch& stats, bool* created) {
  ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(scope, std::string(kKeyIndexPrefix) + row.key.first,
                                              row.key.second, "", 1));
  if (!refs.empty()) {
    ASSIGN_OR_RETURN(json::object before, LoadProfile(txn, scope, refs.front(), true));
    json::object after = ApplyProfileUpdate(before, row.input);
    RETURN_IF_ERROR(
        AppendHistory(txn, scope, ctx, after, "UPDATED", Serialize(PublicProfile(after)), now));
    StampUploadedProfile(after, expiry.days, expiry.domain_days, &before, now);
    *created = false;
    return SaveProfile(txn, scope, &before, after);
  }
  std::string id = NewProfileId();
  ASSIGN_OR_RETURN(json::object profile, NewProfileFromCreate(row.input, id));
  if (row.custom_key) AddCustomKey(profile, row.key.first, {row.key.second});
  ASSIGN_OR_RETURN(
      PreparedRecord record,
      PrepareProfileHistory(ctx, profile, "CREATED", Serialize(PublicProfile(profile)), now));
  StampUploadedProfile(profile, expiry.days, expiry.domain_days, nullptr, now);
  ASSIGN_OR_RETURN(PreparedProfile prepared, PrepareNewProfile(profile));
  RETURN_IF_ERROR(StorePreparedRecord(txn, scope, record));
  RETURN_IF_ERROR(StoreNewProfile(txn, scope, prepared));
  stats.Add(id, {.profiles = 1});
  *created = true;
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

Result<bool> RunBatch(const ServiceEnv& env, std::string_view account, std::string_view domain,
                      std::string_view job_id, size_t max_rows, UploadCursor& cursor) {
  RequestContext ctx{std::string(account), "", ""};
  store::Scope scope = DomainScope(ctx, domain);
  std::string running = UploadRunningId(account, domain, job_id);
  std::optional<std::string> body;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(body, txn.Get(scope, kUploadJobKind, job_id));
    return OkStatus();
  }));
  auto forget = [&]() -> Result<bool> {
    RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
      RETURN_IF_ERROR(txn.Delete(kSystemScope, kUploadRunningKind, running));
      return OkStatus();
    }));
    return false;
  };
  if (!body) return forget();  // the job (or its domain) was deleted
  ASSIGN_OR_RETURN(json::object job, ParseStored(*body));
  if (GetStringOr(job, "Status", "") != "IN_PROGRESS") return forget();
  int64_t position = GetInt(job, "_position").value_or(0);
  JobPlan plan = PlanJob(job);
  BatchRead read;
  std::vector<std::optional<Row>> rows;
  if (plan.error.empty()) {
    RETURN_IF_ERROR(ReadBatch(*env.store, scope, GetStringOr(job, "_file", ""), position, max_rows,
                              cursor, read));
    size_t column_count = GetArray(job, "_columns")->size();
    std::string unique_name = GetStringOr(job, "UniqueKey", "");
    rows.reserve(read.records.size());
    for (const auto& record : read.records) {
      rows.push_back(PrepareRow(plan, unique_name, record, column_count));
    }
  }
  bool more = false;
  Status written = env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto stored, txn.GetForUpdate(scope, kUploadJobKind, job_id));
    if (!stored) return OkStatus();
    ASSIGN_OR_RETURN(json::object current, ParseStored(*stored));
    // Stopped, or another server's batch got here first: write nothing.
    if (GetStringOr(current, "Status", "") != "IN_PROGRESS" ||
        GetInt(current, "_position").value_or(0) != position) {
      more = GetStringOr(current, "Status", "") == "IN_PROGRESS";
      return OkStatus();
    }
    double now = env.clock->NowEpochSeconds();
    int64_t created = Counter(current, "CreatedRecords");
    int64_t updated = Counter(current, "UpdatedRecords");
    int64_t failed = Counter(current, "FailedRecords") + read.malformed;
    json::object& summary = current["ResultsSummary"].emplace_object();
    if (!plan.error.empty()) {
      summary["CreatedRecords"] = created;
      summary["UpdatedRecords"] = updated;
      summary["FailedRecords"] = failed;
      Finish(current, now, plan.error);
    } else {
      ASSIGN_OR_RETURN(json::object domain_doc, LoadDomain(txn, ctx, domain));
      // CreateUploadJob always stores DataExpiry (14 when the request had none).
      UploadExpiry expiry{GetInt(current, "DataExpiry").value_or(14),
                          ExpiryViewOf(domain_doc, *env.clock).domain_days};
      DomainStatsBatch stats;
      for (const auto& row : rows) {
        if (!row) {
          ++failed;
          continue;
        }
        bool was_created = false;
        RETURN_IF_ERROR(ApplyRow(txn, scope, ctx, *row, now, expiry, stats, &was_created));
        ++(was_created ? created : updated);
      }
      RETURN_IF_ERROR(stats.Apply(txn, scope));
      summary["CreatedRecords"] = created;
      summary["UpdatedRecords"] = updated;
      summary["FailedRecords"] = failed;
      current["_position"] = read.end;
      if (read.at_end) {
        Finish(current, now);
      } else {
        more = true;
      }
    }
    if (!more) {
      // Done: the file is no longer needed.
      RETURN_IF_ERROR(txn.Delete(kSystemScope, kUploadRunningKind, running));
      RETURN_IF_ERROR(DropUploadFile(txn, scope, current));
    }
    return txn.Put(scope, kUploadJobKind, job_id, Serialize(current));
  });
  if (!written.ok()) {
    cursor.valid = false;
    return written.error();
  }
  if (!more) cursor.valid = false;
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

// Runs `job` until it ends or `stop()` says so; gives up after a few failed batches in a row.
void RunJob(const ServiceEnv& env, const RunningJob& job, size_t max_rows,
            const std::function<bool()>& stop) {
  UploadCursor cursor;
  int failures = 0;
  while (!stop()) {
    auto more = RunBatch(env, job.account, job.domain, job.job_id, max_rows, cursor);
    if (more.ok()) {
      failures = 0;
      if (!*more) return;
      continue;
    }
    log::Warn("upload job " + job.job_id + ": batch failed: " + more.error().message());
    if (++failures >= 5) {
      Status s = FailJob(env, job.account, job.domain, job.job_id);
      if (!s.ok()) log::Error("upload job " + job.job_id + ": " + s.error().message());
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
