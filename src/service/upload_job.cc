// CreateUploadJob, GetUploadJobPath, StartUploadJob, StopUploadJob, GetUploadJob, ListUploadJobs
// and ProfiledPutUploadFile (the PUT to the signed Url). docs/uploads.md has the rules.
#include "service/upload_job.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cstdio>
#include <memory>
#include <vector>

#include "common/ids.h"
#include "service/background.h"
#include "service/common.h"
#include "service/event_outbox.h"
#include "service/operations.h"
#include "service/profile_patch.h"
#include "service/upload_body.h"
#include "service/upload_csv.h"
#include "service/upload_url.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr int64_t kUrlLifetimeSeconds = 3600;
constexpr int64_t kDefaultDataExpiryDays = 14;  // "the system default of 2 weeks"
constexpr std::string_view kListUploadJobsPurpose = "ListUploadJobs";
// The header row must end within this many bytes (the reader holds them until it does).
constexpr int64_t kMaxHeaderBytes = 4 << 20;

Error JobNotFound(std::string_view job_id, std::string_view domain) {
  return Error::NotFound("Upload job " + std::string(job_id) + " not found in domain " +
                         std::string(domain));
}

Result<json::object> LoadUploadJob(store::Txn& txn, store::Scope scope, std::string_view job_id,
                                   bool for_update) {
  std::optional<std::string> body;
  if (for_update) {
    ASSIGN_OR_RETURN(body, txn.GetForUpdate(scope, kUploadJobKind, job_id));
  } else {
    ASSIGN_OR_RETURN(body, txn.Get(scope, kUploadJobKind, job_id));
  }
  if (!body) return JobNotFound(job_id, scope.domain);
  return ParseStored(*body);
}

std::string StatusOf(const json::object& job) { return GetStringOr(job, "Status", ""); }

Result<json::object> CreateUploadJob(const ServiceEnv& env, const RequestContext& ctx,
                                     const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  const json::object* fields = GetObject(in, "Fields");
  std::string unique_key = GetStringOr(in, "UniqueKey", "");
  if (!fields || fields->empty()) return Error::BadRequest("Fields must map at least one column");
  for (const auto& [column, field] : *fields) {
    const json::object* f = field.if_object();
    std::string target = f ? GetStringOr(*f, "Target", "") : "";
    if (UploadTargetPath(target).empty()) {
      return Error::BadRequest("Fields." + std::string(column) + ".Target '" + target +
                               "' names no profile attribute: use _profile.<Member>, "
                               "_profile.<Address>.<Field> or _profile.Attributes.<Key>");
    }
  }
  if (!fields->contains(unique_key)) {
    return Error::BadRequest("UniqueKey '" + unique_key + "' is not a column of Fields");
  }
  json::object job;
  std::string id = RandomHex(32);
  job["JobId"] = id;
  job["DisplayName"] = GetStringOr(in, "DisplayName", "");
  job["Fields"] = *fields;
  job["UniqueKey"] = unique_key;
  job["DataExpiry"] = GetInt(in, "DataExpiry").value_or(kDefaultDataExpiryDays);
  job["Status"] = "CREATED";
  job["CreatedAt"] = env.clock->NowEpochSeconds();
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    return txn.Put(DomainScope(ctx, domain), kUploadJobKind, id, Serialize(job));
  }));
  json::object out;
  out["JobId"] = id;
  return out;
}

Result<json::object> GetUploadJob(const ServiceEnv& env, const RequestContext& ctx,
                                  const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string id = GetStringOr(in, "JobId", "");
  json::object job;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(job, LoadUploadJob(txn, DomainScope(ctx, domain), id, false));
    return OkStatus();
  }));
  return job;  // the output shape drops the internal members
}

Result<json::object> ListUploadJobs(const ServiceEnv& env, const RequestContext& ctx,
                                    const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  ASSIGN_OR_RETURN(std::string after, CursorFromInput(in, kListUploadJobsPurpose));
  size_t limit = PageSize(in, 20, 500);
  std::vector<store::Document> page;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(page,
                     txn.Scan(DomainScope(ctx, domain), kUploadJobKind, "", after, limit + 1));
    return OkStatus();
  }));
  json::object out;
  json::array items;
  for (size_t i = 0; i < page.size() && i < limit; ++i) {
    ASSIGN_OR_RETURN(json::object job, ParseStored(page[i].body));
    items.push_back(std::move(job));
  }
  if (page.size() > limit)
    out["NextToken"] = EncodeToken(kListUploadJobsPurpose, page[limit - 1].id);
  out["Items"] = std::move(items);
  return out;
}

Result<json::object> GetUploadJobPath(const ServiceEnv& env, const RequestContext& ctx,
                                      const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string id = GetStringOr(in, "JobId", "");
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    RETURN_IF_ERROR(LoadUploadJob(txn, DomainScope(ctx, domain), id, false));
    return OkStatus();
  }));
  ASSIGN_OR_RETURN(std::string secret, UploadSecret(*env.store));
  UploadLocation where{ctx.account_id, domain, id};
  int64_t valid_until = static_cast<int64_t>(env.clock->NowEpochSeconds()) + kUrlLifetimeSeconds;
  std::string host = ctx.host.empty() ? "localhost" : ctx.host;
  json::object out;
  out["Url"] = "http://" + host + "/_profiled/uploads/" + UploadId(where) + "?" +
               std::string(kValidUntilParam) + "=" + std::to_string(valid_until) + "&" +
               std::string(kSignatureParam) + "=" + SignUpload(secret, where, valid_until);
  out["ClientToken"] = UploadClientToken(secret, where, valid_until);
  out["ValidUntil"] = static_cast<double>(valid_until);
  return out;
}

// The PUT of the file to the signed Url: replaces the file of a CREATED job.
Result<json::object> PutUploadFile(const ServiceEnv& env, const RequestContext&,
                                   const json::object& in) {
  ASSIGN_OR_RETURN(UploadLocation where, ParseUploadId(GetStringOr(in, "UploadId", "")));
  ASSIGN_OR_RETURN(std::string secret, UploadSecret(*env.store));
  std::string valid_until = GetStringOr(in, kValidUntilParam, "");
  RETURN_IF_ERROR(VerifyUploadUrl(secret, where, valid_until, GetStringOr(in, kSignatureParam, ""),
                                  static_cast<int64_t>(env.clock->NowEpochSeconds())));
  if (auto key = GetString(in, kCustomerKeyHeader)) {
    int64_t until = std::stoll(valid_until);  // verified above
    if (*key != UploadClientToken(secret, where, until)) {
      return Error(ErrorCode::kInvalidSignature,
                   "The customer key (" + std::string(kCustomerKeyHeader) +
                       ") is not the ClientToken that GetUploadJobPath returned with this Url");
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<UploadBody> body, OpenUploadBody(in));
  RequestContext owner{where.account, "", ""};
  store::Scope scope = DomainScope(owner, where.domain);
  auto check_created = [&](const json::object& job) -> Status {
    if (StatusOf(job) == "CREATED") return OkStatus();
    return Error::BadRequest("Upload job " + where.job_id + " is " + StatusOf(job) +
                             ": its file can be uploaded only before StartUploadJob");
  };
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, owner, where.domain));
    ASSIGN_OR_RETURN(json::object job, LoadUploadJob(txn, scope, where.job_id, false));
    return check_created(job);
  }));
  // The chunks go in transactions of their own (a large file in one transaction would be held
  // in memory again by an embedded store), under a name of their own: the job names them only
  // once all are stored, and a concurrent PUT writes under another name. One transaction's
  // chunks are all the file that is in memory at once.
  std::string file = where.job_id + "/" + RandomHex(8);
  constexpr size_t kChunksPerTxn = 16;
  CsvReader header_reader;
  std::vector<std::string> columns;
  bool header_done = false;
  int64_t size = 0;
  Status stored = [&]() -> Status {
    for (int64_t index = 0;;) {
      std::vector<std::string> chunks;
      for (size_t n = 0; n < kChunksPerTxn; ++n) {
        std::string chunk;
        ASSIGN_OR_RETURN(bool more, body->Next(kUploadChunkBytes, &chunk));
        if (!more) break;
        size += static_cast<int64_t>(chunk.size());
        if (!header_done && size <= kMaxHeaderBytes) {
          header_reader.Feed(chunk);
          header_done = header_reader.Read(&columns) == CsvReader::Next::kRecord;
        }
        chunks.push_back(std::move(chunk));
      }
      if (chunks.empty()) return OkStatus();
      RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
        for (size_t i = 0; i < chunks.size(); ++i) {
          RETURN_IF_ERROR(txn.Put(scope, kUploadFileKind,
                                  UploadChunkId(file, index + static_cast<int64_t>(i)), chunks[i]));
        }
        return OkStatus();
      }));
      index += static_cast<int64_t>(chunks.size());
    }
  }();
  if (stored.ok() && !header_done) {
    if (size <= kMaxHeaderBytes) {  // the whole file was fed: its last line may end without LF
      header_reader.Finish();
      header_done = header_reader.Read(&columns) == CsvReader::Next::kRecord;
    }
    if (!header_done) {
      stored = Error::BadRequest(
          "The uploaded file has no header row: its first line must name the "
          "columns of Fields");
    }
  }
  auto drop_chunks = [&] {
    (void)env.store->Write([&](store::Txn& txn) -> Status {
      RETURN_IF_ERROR(txn.DeleteKind(scope, kUploadFileKind, file + "/"));
      return OkStatus();
    });
  };
  if (!stored.ok()) {
    drop_chunks();
    return stored.error();
  }
  json::array header;
  for (auto& c : columns) header.emplace_back(c);
  Status named = env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, owner, where.domain));
    ASSIGN_OR_RETURN(json::object job, LoadUploadJob(txn, scope, where.job_id, true));
    RETURN_IF_ERROR(check_created(job));
    RETURN_IF_ERROR(DropUploadFile(txn, scope, job));
    job["_file"] = file;
    job["_columns"] = header;
    job["_bytes"] = size;
    job["_position"] = header_reader.offset();
    return txn.Put(scope, kUploadJobKind, where.job_id, Serialize(job));
  });
  if (!named.ok()) {
    drop_chunks();
    return named.error();
  }
  json::object out;
  out["JobId"] = where.job_id;
  out["Bytes"] = size;
  return out;
}

Result<json::object> StartUploadJob(const ServiceEnv& env, const RequestContext& ctx,
                                    const json::object& in, const std::function<void()>& wake) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string id = GetStringOr(in, "JobId", "");
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(json::object job, LoadUploadJob(txn, scope, id, true));
    if (StatusOf(job) != "CREATED") {
      return Error::BadRequest("Upload job " + id + " is " + StatusOf(job) +
                               ": only a CREATED job can be started");
    }
    if (!job.contains("_file")) {
      return Error::BadRequest("Upload job " + id +
                               " has no file: PUT the CSV to the Url of GetUploadJobPath first");
    }
    job["Status"] = "IN_PROGRESS";
    json::object summary;
    summary["UpdatedRecords"] = 0;
    summary["CreatedRecords"] = 0;
    summary["FailedRecords"] = 0;
    job["ResultsSummary"] = std::move(summary);
    RETURN_IF_ERROR(txn.Put(scope, kUploadJobKind, id, Serialize(job)));
    return txn.Put(kSystemScope, kUploadRunningKind, UploadRunningId(ctx.account_id, domain, id),
                   "{}");
  }));
  wake();
  return json::object();
}

Result<json::object> StopUploadJob(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string id = GetStringOr(in, "JobId", "");
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(json::object job, LoadUploadJob(txn, scope, id, true));
    std::string status = StatusOf(job);
    if (status != "CREATED" && status != "IN_PROGRESS") {
      return Error::BadRequest("Upload job " + id + " is " + status + ": it cannot be stopped");
    }
    RETURN_IF_ERROR(DropUploadFile(txn, scope, job));
    job["Status"] = "STOPPED";
    job["CompletedAt"] = env.clock->NowEpochSeconds();
    RETURN_IF_ERROR(txn.Put(scope, kUploadJobKind, id, Serialize(job)));
    RETURN_IF_ERROR(
        txn.Delete(kSystemScope, kUploadRunningKind, UploadRunningId(ctx.account_id, domain, id)));
    return OkStatus();
  }));
  return json::object();
}

}  // namespace

std::string UploadChunkId(std::string_view file, int64_t index) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%08lld", static_cast<long long>(index));
  return std::string(file) + "/" + digits;
}

Status DropUploadFile(store::Txn& txn, store::Scope scope, boost::json::object& job) {
  auto file = GetString(job, "_file");
  if (!file) return OkStatus();
  RETURN_IF_ERROR(txn.DeleteKind(scope, kUploadFileKind, std::string(*file) + "/"));
  job.erase("_file");
  return OkStatus();
}

std::string UploadRunningId(std::string_view account, std::string_view domain,
                            std::string_view job_id) {
  return std::string(account) + "/" + std::string(domain) + "/" + std::string(job_id);
}

std::string UploadTargetPath(std::string_view target) {
  constexpr std::string_view kPrefix = "_profile.";
  if (!target.starts_with(kPrefix)) return "";
  std::string_view path = target.substr(kPrefix.size());
  return IsProfileStringPath(path) ? std::string(path) : "";
}

void RegisterUploadJobOperations(Registry& registry, const ServiceEnv& env) {
  std::function<void()> wake = [] {};
  if (env.background) {
    Background* background = env.background;
    size_t handle = background->Start(
        "upload-jobs", [env](const TaskSignal& signal) { RunUploadJobsTask(env, signal); });
    wake = [background, handle] { background->Wake(handle); };
  }
  registry.Register("CreateUploadJob", WithEnv(env, CreateUploadJob));
  registry.Register("GetUploadJob", WithEnv(env, GetUploadJob));
  registry.Register("ListUploadJobs", WithEnv(env, ListUploadJobs));
  registry.Register("GetUploadJobPath", WithEnv(env, GetUploadJobPath));
  registry.Register("StopUploadJob", WithEnv(env, StopUploadJob));
  registry.Register("StartUploadJob", [env, wake](const RequestContext& ctx, json::object in) {
    return StartUploadJob(env, ctx, in, wake);
  });
  registry.Register("ProfiledPutUploadFile", WithEnv(env, PutUploadFile));
}

}  // namespace profiled::service
