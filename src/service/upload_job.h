// File: upload_job.h
// Upload jobs (docs/uploads.md): CreateUploadJob, GetUploadJobPath, StartUploadJob,
// StopUploadJob, GetUploadJob, ListUploadJobs, and the PUT to the signed Url
// (ProfiledPutUploadFile). upload_ingest.cc runs started jobs in the background.
//
// Store layout (domain scope unless said):
//   kUploadJobKind      id JobId                the job as GetUploadJob answers it, plus internal
//                                               members: "_file" (the stored file's name),
//                                               "_columns" (the CSV header), "_bytes" (file
//                                               size), "_position" (file offset of the next row)
//   kUploadFileKind     id "{JobId}/{nonce}/{%08d}"  the uploaded file in kUploadChunkBytes
//                                               pieces; "{JobId}/{nonce}" is the file's name
//   kUploadRunningKind  (system scope) id "{account}/{domain}/{JobId}": jobs IN_PROGRESS, which
//                                               any server's runner picks up (and resumes after
//                                               a restart)
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kUploadJobKind = "upload_job";
inline constexpr std::string_view kUploadFileKind = "upload_file";
inline constexpr std::string_view kUploadRunningKind = "upload_running";
inline constexpr size_t kUploadChunkBytes = 1 << 20;

// `file`: "{JobId}/{nonce}", the job's "_file".
std::string UploadChunkId(std::string_view file, int64_t index);
// Deletes the job's stored file (its chunks) and forgets its name. REQUIRES: a Write transaction.
Status DropUploadFile(store::Txn& txn, store::Scope scope, boost::json::object& job);
std::string UploadRunningId(std::string_view account, std::string_view domain,
                            std::string_view job_id);

// Registers the upload-job operations and starts the runner (when env.background is set).
void RegisterUploadJobOperations(Registry& registry, const ServiceEnv& env);

// Runs one batch (up to `max_rows` rows, one transaction) of the IN_PROGRESS job; returns
// whether the job has more to do. Exposed for tests, which run jobs without a Background.
Result<bool> RunUploadBatch(const ServiceEnv& env, std::string_view account,
                            std::string_view domain, std::string_view job_id, size_t max_rows);
// Runs every IN_PROGRESS job of every account to its end (tests run jobs with this).
Status RunUploadJobsToEnd(const ServiceEnv& env, size_t max_rows = 1000);

class TaskSignal;
// The runner task: picks up IN_PROGRESS jobs (of any server, or left by a restart) and runs
// them batch by batch until the task is asked to stop.
void RunUploadJobsTask(const ServiceEnv& env, const TaskSignal& signal);

// A profile member path ("FirstName", "Address.City", "Attributes.tier") from a Target
// ("_profile.FirstName"); empty when the Target names no profile string.
std::string UploadTargetPath(std::string_view target);

}  // namespace profiled::service
