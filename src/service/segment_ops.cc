// CreateSegmentEstimate, GetSegmentEstimate, GetSegmentMembership, CreateSegmentSnapshot and
// GetSegmentSnapshot: segments evaluated for real (segment_eval.h), on demand, as AWS recomputes
// a segment for each estimate, membership check and export.
//
// Estimates and snapshots are asynchronous jobs on AWS; here each finishes inside its Create
// call, so a client polling Get sees the state AWS ends in (SUCCEEDED; COMPLETED or FAILED).
// Their records are documents of the domain (kinds below), so DeleteDomain removes them.
#include "service/segment_ops.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/csv.h"
#include "common/ids.h"
#include "common/log.h"
#include "service/attribute_index.h"
#include "service/common.h"
#include "service/destinations.h"
#include "service/expiry.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"
#include "service/resource_crud.h"
#include "service/segment_eval.h"
#include "service/segment_sql.h"
#include "service/snapshot_sink.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kEstimateKind = "segment_estimate";  // id = EstimateId
constexpr std::string_view kSnapshotKind = "segment_snapshot";  // id = SnapshotId

Result<json::object> CreateSegmentEstimate(const ServiceEnv& env, const RequestContext& ctx,
                                           const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  const json::object* groups = GetObject(in, "SegmentQuery");
  auto sql = GetString(in, "SegmentSqlQuery");
  if ((groups != nullptr) == sql.has_value()) {
    return Error::BadRequest("Exactly one of SegmentQuery and SegmentSqlQuery must be given");
  }
  segment::Query query;
  if (groups) {
    ASSIGN_OR_RETURN(query, segment::ParseSegmentGroups(*groups));
  }
  // The walk narrows by the attribute index once it is complete (attribute_index.h).
  RETURN_IF_ERROR(EnsureAttributeRows(env, ctx, domain));
  int64_t count = 0;
  SegmentEvaluator::WalkStats stats;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    count = 0;
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    if (sql) {
      ASSIGN_OR_RETURN(query, segment::ParseSegmentSql(*sql));
    }
    SegmentEvaluator ev(txn, ctx, domain, env.clock->NowEpochSeconds());
    RETURN_IF_ERROR(ev.Check(query));
    RETURN_IF_ERROR(ev.ForEachMember(query, [&](const json::object&) -> Result<WalkStep> {
      ++count;
      return WalkStep::kNext;
    }));
    stats = ev.stats();
    return OkStatus();
  }));
  json::object doc;
  doc["EstimateId"] = NewProfileId();
  // How the count was found, for bench/segment_bench and for anyone wondering why one is slow.
  log::Info("segment estimate " + std::string(doc.at("EstimateId").as_string()) + " in domain " +
            domain + ": " + std::to_string(count) + " members, " +
            std::to_string(stats.profiles_read) + " profiles read (" +
            (stats.used_index       ? "attribute index"
             : stats.index_declined ? "every profile: the index entries hold too many"
                                    : "every profile") +
            ")");
  doc["Status"] = "SUCCEEDED";
  doc["Estimate"] = std::to_string(count);
  doc["CreatedAt"] = env.clock->NowEpochSeconds();
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    return txn.Put(DomainScope(ctx, domain), kEstimateKind, doc.at("EstimateId").as_string(),
                   Serialize(doc));
  }));
  json::object out;
  out["DomainName"] = domain;
  out["EstimateId"] = doc.at("EstimateId");
  out["StatusCode"] = 201;
  return out;
}

Result<json::object> LoadSegmentJob(store::Txn& txn, const RequestContext& ctx,
                                    std::string_view domain, std::string_view kind,
                                    std::string_view label, std::string_view id) {
  RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
  ASSIGN_OR_RETURN(auto body, txn.Get(DomainScope(ctx, domain), kind, id));
  if (!body) {
    return Error::NotFound(std::string(label) + " " + std::string(id) +
                           " does not exist in domain " + std::string(domain));
  }
  return ParseStored(*body);
}

Result<json::object> GetSegmentEstimate(const ServiceEnv& env, const RequestContext& ctx,
                                        const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string id = GetStringOr(in, "EstimateId", "");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(out, LoadSegmentJob(txn, ctx, domain, kEstimateKind, "Segment estimate", id));
    return OkStatus();
  }));
  out["DomainName"] = domain;
  out["StatusCode"] = 200;
  return out;
}

constexpr size_t kMaxMembershipIds = 100;

Result<json::object> GetSegmentMembership(const ServiceEnv& env, const RequestContext& ctx,
                                          const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string name = GetStringOr(in, "SegmentDefinitionName", "");
  std::vector<std::string> ids;
  if (const json::array* given = GetArray(in, "ProfileIds")) {
    for (const auto& v : *given) {
      if (v.is_string()) ids.emplace_back(v.get_string());
    }
  }
  if (ids.empty() || ids.size() > kMaxMembershipIds) {
    return Error::BadRequest("ProfileIds must hold 1 to 100 profile ids");
  }
  json::array profiles, failures;
  double now = env.clock->NowEpochSeconds();
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    profiles.clear();
    failures.clear();
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    SegmentEvaluator ev(txn, ctx, domain, now);
    ASSIGN_OR_RETURN(const segment::Query* query, ev.Definition(name));
    for (const std::string& id : ids) {
      auto profile = LoadProfile(txn, DomainScope(ctx, domain), id, false);
      if (!profile.ok()) {
        if (profile.error().code() != ErrorCode::kNotFound) return profile.error();
        json::object failure;
        failure["ProfileId"] = id;
        failure["Message"] = ProfileNotFoundMessage(id, domain);
        failure["Status"] = 404;
        failures.emplace_back(std::move(failure));
        continue;
      }
      ASSIGN_OR_RETURN(bool member, ev.Matches(*query, *profile));
      json::object item;
      item["ProfileId"] = id;
      item["QueryResult"] = member ? "PRESENT" : "ABSENT";
      item["Profile"] = PublicProfile(*profile);
      profiles.emplace_back(std::move(item));
    }
    return OkStatus();
  }));
  json::object out;
  out["SegmentDefinitionName"] = name;
  out["Profiles"] = std::move(profiles);
  if (!failures.empty()) out["Failures"] = std::move(failures);
  out["LastComputedAt"] = now;
  return out;
}

// The CSV columns: ProfileId, then the string attributes (segment_query.h's paths) some member
// holds, standard ones in the model's order, then Attributes.<key> in key order.
std::vector<std::string> CsvColumns(const std::set<std::string>& present) {
  std::vector<std::string> columns = {"ProfileId"};
  for (std::string_view m : ProfileStringMembers()) {
    if (present.count(std::string(m))) columns.emplace_back(m);
  }
  for (std::string_view m : ProfileAddressMembers()) {
    for (std::string_view f : AddressFields()) {
      std::string path = std::string(m) + "." + std::string(f);
      if (present.count(path)) columns.push_back(path);
    }
  }
  for (const std::string& p : present) {
    if (p.find('.') != std::string::npos &&
        columns.end() == std::find(columns.begin(), columns.end(), p)) {
      columns.push_back(p);
    }
  }
  return columns;
}

void CollectPaths(const json::object& profile, std::set<std::string>& present) {
  for (const auto& [k, v] : profile) {
    if (k.empty() || IsInternalMember(k)) continue;
    if (v.is_string()) {
      present.emplace(k);
    } else if (v.is_object()) {
      for (const auto& [sub, sv] : v.get_object()) {
        if (sv.is_string()) present.insert(std::string(k) + "." + std::string(sub));
      }
    }
  }
}

// Writes the members of `query` to the sink in `format`; the number written.
Status WriteSnapshot(SegmentEvaluator& ev, store::Txn& txn, store::Scope scope,
                     const segment::Query& query, std::string_view format, SnapshotSink& sink) {
  if (format == "JSONL") {
    return ev.ForEachMember(query, [&](const json::object& profile) -> Result<WalkStep> {
      RETURN_IF_ERROR(sink.Append(json::serialize(PublicProfile(profile)) + "\n"));
      return WalkStep::kNext;
    });
  }
  // CSV: the columns are known only once every member is seen, so the members are walked once
  // for their ids and columns, then read again by id for the rows.
  std::vector<std::string> ids;
  std::set<std::string> present;
  RETURN_IF_ERROR(ev.ForEachMember(query, [&](const json::object& profile) -> Result<WalkStep> {
    ids.push_back(GetStringOr(profile, "ProfileId", ""));
    CollectPaths(profile, present);
    return WalkStep::kNext;
  }));
  std::vector<std::string> columns = CsvColumns(present);
  std::string line;
  for (size_t i = 0; i < columns.size(); ++i) line += (i ? "," : "") + csv::Field(columns[i]);
  RETURN_IF_ERROR(sink.Append(line + "\r\n"));
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(json::object profile, LoadProfile(txn, scope, id, false));
    line.clear();
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i) line.push_back(',');
      if (auto v = segment::ProfileValue(profile, columns[i])) line += csv::Field(*v);
    }
    RETURN_IF_ERROR(sink.Append(line + "\r\n"));
  }
  return OkStatus();
}

Result<json::object> CreateSegmentSnapshot(const ServiceEnv& env, const RequestContext& ctx,
                                           const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string name = GetStringOr(in, "SegmentDefinitionName", "");
  std::string format = GetStringOr(in, "DataFormat", "");
  if (format == "ORC") {
    return Error::BadRequest(
        "DataFormat ORC is not supported by Profiled; export the segment as CSV or JSONL");
  }
  if (format != "CSV" && format != "JSONL") {
    return Error::BadRequest("DataFormat must be CSV, JSONL or ORC");
  }
  auto destination = GetString(in, "DestinationUri");
  if (!destination) {
    return Error::BadRequest(
        "DestinationUri is required (s3://bucket/prefix, or file:///absolute/dir locally)");
  }
  ObjectStorage* s3 = env.destinations ? env.destinations->objects : nullptr;
  RETURN_IF_ERROR(ValidateDestination(*destination, s3));
  json::object doc = PickMembers(in, {"DataFormat", "EncryptionKey", "RoleArn", "DestinationUri"});
  doc["SnapshotId"] = NewProfileId();
  doc["SegmentDefinitionName"] = name;
  doc["Status"] = "IN_PROGRESS";
  std::string id(doc.at("SnapshotId").as_string());
  auto put = [&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    return txn.Put(DomainScope(ctx, domain), kSnapshotKind, id, Serialize(doc));
  };
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireResourceOfKind(txn, ctx, domain, kSegmentDefinitionKind,
                                          "Segment definition", name));
    return put(txn);
  }));
  std::string object_name = id + (format == "CSV" ? ".csv" : ".jsonl");
  Status written = EnsureAttributeRows(env, ctx, domain);  // as CreateSegmentEstimate's
  if (written.ok())
    written = env.store->Read([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto sink,
                       OpenSnapshotSink(*destination, object_name,
                                        format == "CSV" ? "text/csv" : "application/x-ndjson", s3));
      SegmentEvaluator ev(txn, ctx, domain, env.clock->NowEpochSeconds());
      ASSIGN_OR_RETURN(const segment::Query* query, ev.Definition(name));
      RETURN_IF_ERROR(WriteSnapshot(ev, txn, DomainScope(ctx, domain), *query, format, *sink));
      return sink->Finish();
    });
  if (written.ok()) {
    doc["Status"] = "COMPLETED";
  } else {
    doc["Status"] = "FAILED";
    std::string message = written.error().message();
    doc["StatusMessage"] = message.substr(0, 1000);
  }
  RETURN_IF_ERROR(env.store->Write(put));
  json::object out;
  out["SnapshotId"] = id;
  return out;
}

Result<json::object> GetSegmentSnapshot(const ServiceEnv& env, const RequestContext& ctx,
                                        const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string name = GetStringOr(in, "SegmentDefinitionName", "");
  std::string id = GetStringOr(in, "SnapshotId", "");
  json::object out;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(out, LoadSegmentJob(txn, ctx, domain, kSnapshotKind, "Segment snapshot", id));
    if (GetStringOr(out, "SegmentDefinitionName", "") != name) {
      return Error::NotFound("Segment snapshot " + id + " does not exist for segment definition " +
                             name + " in domain " + domain);
    }
    return OkStatus();
  }));
  return out;
}

}  // namespace

Status CheckSegmentDefinition(store::Txn& txn, const RequestContext& ctx, std::string_view domain,
                              const json::object& doc, double now) {
  const json::object* groups = GetObject(doc, "SegmentGroups");
  if (!groups) return OkStatus();  // SQL is checked when it is evaluated (segment_sql.h)
  ASSIGN_OR_RETURN(segment::Query query, segment::ParseSegmentGroups(*groups));
  SegmentEvaluator ev(txn, ctx, std::string(domain), now);
  return ev.Check(query);
}

void RegisterSegmentEvaluationOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("CreateSegmentEstimate",
                    AfterDueExpiry(env, WithEnv(env, CreateSegmentEstimate)));
  registry.Register("GetSegmentEstimate", WithEnv(env, GetSegmentEstimate));
  registry.Register("GetSegmentMembership",
                    AfterDueExpiry(env, WithEnv(env, GetSegmentMembership)));
  registry.Register("CreateSegmentSnapshot",
                    AfterDueExpiry(env, WithEnv(env, CreateSegmentSnapshot)));
  registry.Register("GetSegmentSnapshot", WithEnv(env, GetSegmentSnapshot));
}

}  // namespace profiled::service
