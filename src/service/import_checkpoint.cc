#include "service/import_checkpoint.h"

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/ids.h"
#include "service/common.h"

namespace profiled::service {
namespace json = boost::json;

namespace {

constexpr std::string_view kFileFormat = "profiled-import-progress/1";

json::object JobMembers(const ImportJob& job) {
  return {{"account", job.account},
          {"domain", job.domain},
          {"kind", job.kind},
          {"file_format", job.format},
          {"object_type", job.object_type}};
}

Result<json::object> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto doc = ParseStored(text.str());
  if (!doc.ok() || GetStringOr(*doc, "format", "") != kFileFormat) {
    return Error::BadRequest(path + " is not a profiled import progress file");
  }
  return doc;
}

SourcePosition PositionOf(const json::object& o) {
  return {GetInt(o, "offset").value_or(0), GetInt(o, "records").value_or(0)};
}

}  // namespace

std::string CheckpointPath(std::string_view input) {
  return std::string(input).append(".profiled-progress");
}

Result<ImportCheckpoint> ImportCheckpoint::Start(store::Store& store, std::string_view input,
                                                 const ImportJob& job, bool resume) {
  std::string path = CheckpointPath(input);
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  RequestContext ctx{job.account, "", ""};
  if (!resume) {
    if (exists) {
      return Error::BadRequest(path +
                               " exists: an import of this file was interrupted. Pass --resume "
                               "to continue it after its last committed batch, or delete the "
                               "file to start over");
    }
    RETURN_IF_ERROR(
        store.Read([&](store::Txn& txn) { return RequireDomain(txn, ctx, job.domain); }));
    ImportCheckpoint checkpoint(store, path, job, RandomHex(32));
    RETURN_IF_ERROR(checkpoint.WriteFile({}));
    return checkpoint;
  }
  if (!exists) {
    return Error::BadRequest("nothing to resume: there is no " + path +
                             " (it is removed when an import completes)");
  }
  ASSIGN_OR_RETURN(json::object file, ReadFile(path));
  json::object want = JobMembers(job);
  for (const auto& [name, value] : want) {
    std::string had = GetStringOr(file, name, "");
    if (had != value.as_string()) {
      return Error::BadRequest("the interrupted import had " + std::string(name) + " '" + had +
                               "', not '" + std::string(value.as_string()) +
                               "': resume it with the options it was started with");
    }
  }
  ImportCheckpoint checkpoint(store, path, job, GetStringOr(file, "token", ""));
  std::optional<std::string> body;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, job.domain));
    ASSIGN_OR_RETURN(body,
                     txn.Get(DomainScope(ctx, job.domain), kImportProgressKind, checkpoint.token_));
    return OkStatus();
  }));
  if (body) {
    ASSIGN_OR_RETURN(json::object stored, ParseStored(*body));
    checkpoint.start_ = PositionOf(stored);
    checkpoint.resumed_ = true;
  }
  return checkpoint;
}

Status ImportCheckpoint::Record(store::Txn& txn, const SourcePosition& end) const {
  json::object doc{{"offset", end.offset}, {"records", end.records}, {"file", path_}};
  RequestContext ctx{job_.account, "", ""};
  return txn.Put(DomainScope(ctx, job_.domain), kImportProgressKind, token_, Serialize(doc));
}

void ImportCheckpoint::Committed(const SourcePosition& end) { (void)WriteFile(end); }

Status ImportCheckpoint::WriteFile(const SourcePosition& at) const {
  json::object doc = JobMembers(job_);
  doc["format"] = kFileFormat;
  doc["token"] = token_;
  doc["offset"] = at.offset;
  doc["records"] = at.records;
  std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << json::serialize(doc) << '\n';
    out.close();
    if (!out) return Error::Internal("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    return Error::Internal("cannot rename " + tmp + " to " + path_);
  }
  return OkStatus();
}

Status ImportCheckpoint::Finish() {
  RequestContext ctx{job_.account, "", ""};
  RETURN_IF_ERROR(store_->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(bool gone,
                     txn.Delete(DomainScope(ctx, job_.domain), kImportProgressKind, token_));
    (void)gone;
    return OkStatus();
  }));
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  if (ec) return Error::Internal("cannot remove " + path_ + ": " + ec.message());
  return OkStatus();
}

}  // namespace profiled::service
