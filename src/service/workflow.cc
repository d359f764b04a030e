#include "service/workflow.h"

#include <boost/json/array.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "common/log.h"
#include "service/background.h"
#include "service/common.h"
#include "service/destinations.h"
#include "service/object_type.h"
#include "service/store_walk.h"
#include "service/workflow_source.h"
#include "service/workflow_tasks.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kWorkflowKind = "workflow";  // domain scope, id = WorkflowId
// Workflows waiting to run, in the process-wide scope: id = "{created ms}/{account}/{domain}/{id}"
// so that they run in creation order; the body holds the region for the run's requests.
constexpr std::string_view kWorkflowQueueKind = "workflow_queue";
constexpr store::Scope kQueueScope{"", ""};
constexpr std::string_view kListWorkflowsPurpose = "ListWorkflows";
constexpr std::string_view kStepsPurpose = "GetWorkflowSteps";
constexpr size_t kRecordsPerCommit = 200;  // progress is saved this often within a step

// The parts of FlowDefinition a run needs; BadRequest naming what does not fit.
struct Flow {
  std::string name;
  std::string connector;  // SourceConnectorType
  std::string bucket, prefix;
  std::string time_field;  // IncrementalPullConfig.DatetimeTypeFieldName
  std::vector<FlowTask> tasks;
};

Result<Flow> ParseFlow(const json::object& workflow) {
  const json::object* config = GetObject(workflow, "IntegrationConfig");
  const json::object* appflow = config ? GetObject(*config, "AppflowIntegration") : nullptr;
  const json::object* def = appflow ? GetObject(*appflow, "FlowDefinition") : nullptr;
  if (!def) return Error::BadRequest("IntegrationConfig.AppflowIntegration is required");
  Flow flow;
  flow.name = GetStringOr(*def, "FlowName", "");
  const json::object* source = GetObject(*def, "SourceFlowConfig");
  flow.connector = source ? GetStringOr(*source, "ConnectorType", "") : "";
  const json::object* props = source ? GetObject(*source, "SourceConnectorProperties") : nullptr;
  // SourceConnectorType says "Servicenow", the properties member "ServiceNow".
  std::string member = flow.connector == "Servicenow" ? "ServiceNow" : flow.connector;
  const json::object* mine = props ? GetObject(*props, member) : nullptr;
  if (!mine) {
    return Error::BadRequest("SourceFlowConfig.SourceConnectorProperties." + member +
                             " is required for ConnectorType " + flow.connector);
  }
  if (flow.connector == "S3") {
    flow.bucket = GetStringOr(*mine, "BucketName", "");
    flow.prefix = GetStringOr(*mine, "BucketPrefix", "");
  }
  if (const json::object* incremental = GetObject(*source, "IncrementalPullConfig")) {
    flow.time_field = GetStringOr(*incremental, "DatetimeTypeFieldName", "");
  }
  static const json::array kNoTasks;
  const json::array* tasks = GetArray(*def, "Tasks");
  ASSIGN_OR_RETURN(flow.tasks, ParseFlowTasks(tasks ? *tasks : kNoTasks));
  return flow;
}

std::string FlowArn(std::string_view region, std::string_view account, std::string_view flow) {
  return "arn:aws:appflow:" + std::string(region) + ":" + std::string(account) + ":flow/" +
         std::string(flow);
}

// "2023-11-14T22:13:20Z" for a step's BatchRecordsStartTime / EndTime (AWS gives strings).
std::string IsoSeconds(double epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::array NewSteps(const json::object& workflow, std::string_view flow_name, double now) {
  json::array steps;
  auto step = [&](std::string start, std::string end) {
    json::object s{{"FlowName", flow_name},
                   {"Status", "NOT_STARTED"},
                   {"ExecutionMessage", "Waiting to run"},
                   {"RecordsProcessed", 0},
                   {"BatchRecordsStartTime", std::move(start)},
                   {"BatchRecordsEndTime", std::move(end)},
                   {"CreatedAt", now},
                   {"LastUpdatedAt", now}};
    steps.push_back(std::move(s));
  };
  const json::object* config = GetObject(workflow, "IntegrationConfig");
  const json::object* appflow = config ? GetObject(*config, "AppflowIntegration") : nullptr;
  const json::array* batches = appflow ? GetArray(*appflow, "Batches") : nullptr;
  if (batches && !batches->empty()) {
    for (const auto& b : *batches) {
      const json::object& batch = b.as_object();
      step(IsoSeconds(batch.at("StartTime").to_number<double>()),
           IsoSeconds(batch.at("EndTime").to_number<double>()));
    }
  } else {
    step("", "");  // everything the source holds
  }
  return steps;
}

std::string WorkflowQueueId(double created, std::string_view account, std::string_view domain,
                            std::string_view id) {
  char ms[24];
  std::snprintf(ms, sizeof ms, "%015lld", static_cast<long long>(created * 1000));
  return std::string(ms) + "/" + std::string(account) + "/" + std::string(domain) + "/" +
         std::string(id);
}

Result<json::object> LoadWorkflow(store::Txn& txn, const RequestContext& ctx,
                                  std::string_view domain, std::string_view id, bool for_update) {
  RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
  store::Scope scope = DomainScope(ctx, domain);
  ASSIGN_OR_RETURN(auto body, for_update ? txn.GetForUpdate(scope, kWorkflowKind, id)
                                         : txn.Get(scope, kWorkflowKind, id));
  if (!body) {
    return Error::NotFound("Workflow " + std::string(id) + " not found in domain " +
                           std::string(domain));
  }
  return ParseStored(*body);
}

// The runner: one background task working through the queue.
class WorkflowRunner {
 public:
  WorkflowRunner(ServiceEnv env, Handler put_object, Handler put_integration)
      : env_(env),
        put_object_(std::move(put_object)),
        put_integration_(std::move(put_integration)) {}

  void Loop(const TaskSignal& signal) {
    do {
      while (!signal.Stopping()) {
        auto next = NextQueued();
        if (!next.ok()) {
          log::Error("workflows: cannot read the queue: " + next.error().message());
          break;
        }
        if (!*next) break;
        Run(**next, signal);
      }
    } while (!signal.WaitFor(std::chrono::seconds(5)));
  }

 private:
  struct Queued {
    std::string queue_id;
    RequestContext ctx;
    std::string domain, id;
  };

  Result<std::optional<Queued>> NextQueued() {
    std::optional<Queued> out;
    RETURN_IF_ERROR(env_.store->Read([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto docs, txn.Scan(kQueueScope, kWorkflowQueueKind, "", "", 1));
      if (docs.empty()) return OkStatus();
      ASSIGN_OR_RETURN(json::object q, ParseStored(docs[0].body));
      out = Queued{docs[0].id,
                   {GetStringOr(q, "Account", ""), GetStringOr(q, "Region", ""), NewUuid()},
                   GetStringOr(q, "DomainName", ""),
                   GetStringOr(q, "WorkflowId", "")};
      return OkStatus();
    }));
    return out;
  }

  // Applies `edit` to the stored workflow (gone, or its domain gone: NotFound).
  Status Edit(const Queued& q, const std::function<void(json::object&, double now)>& edit) {
    return env_.store->Write([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(json::object w, LoadWorkflow(txn, q.ctx, q.domain, q.id, true));
      double now = env_.clock->NowEpochSeconds();
      edit(w, now);
      w["LastUpdatedAt"] = now;
      return txn.Put(DomainScope(q.ctx, q.domain), kWorkflowKind, q.id, Serialize(w));
    });
  }

  Status Dequeue(const Queued& q) {
    return env_.store->Write([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(bool gone, txn.Delete(kQueueScope, kWorkflowQueueKind, q.queue_id));
      (void)gone;
      return OkStatus();
    });
  }

  static void SetStep(json::object& w, size_t i, std::string_view status, std::string message,
                      int64_t records, double now) {
    json::object& step = w["Steps"].as_array()[i].as_object();
    step["Status"] = status;
    step["ExecutionMessage"] = message.substr(0, 255);
    step["RecordsProcessed"] = records;
    step["LastUpdatedAt"] = now;
  }

  void Fail(const Queued& q, std::optional<size_t> step, const std::string& why) {
    Status s = Edit(q, [&](json::object& w, double now) {
      w["Status"] = "FAILED";
      w["ErrorDescription"] = why.substr(0, 255);
      if (step) SetStep(w, *step, "FAILED", why, 0, now);
    });
    if (!s.ok() && s.error().code() != ErrorCode::kNotFound) {
      log::Error("workflow " + q.id + ": " + s.error().message());
      return;  // stays queued: retried on the next round
    }
    (void)Dequeue(q);
  }

  void Run(const Queued& q, const TaskSignal& signal) {
    json::object workflow;
    Status loaded = env_.store->Read([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(workflow, LoadWorkflow(txn, q.ctx, q.domain, q.id, false));
      return OkStatus();
    });
    if (!loaded.ok()) {
      if (loaded.error().code() == ErrorCode::kNotFound) (void)Dequeue(q);  // deleted meanwhile
      return;
    }
    auto flow = ParseFlow(workflow);
    if (!flow.ok()) return Fail(q, std::nullopt, flow.error().message());
    if (flow->connector != "S3") {
      return Fail(q, 0,
                  "Profiled cannot reach " + flow->connector +
                      ": only S3 sources, read through the configured S3 endpoint, are ingested");
    }
    if (!env_.destinations || !env_.destinations->objects) {
      return Fail(q, 0, "No S3 endpoint is configured (--s3-endpoint)");
    }
    Status started = Edit(q, [](json::object& w, double) {
      if (GetStringOr(w, "Status", "") == "NOT_STARTED") w["Status"] = "IN_PROGRESS";
    });
    if (!started.ok()) return;
    const std::string type_name = GetStringOr(workflow, "ObjectTypeName", "");
    const json::array& steps = workflow["Steps"].as_array();
    for (size_t i = 0; i < steps.size(); ++i) {
      if (GetStringOr(steps[i].as_object(), "Status", "") == "COMPLETE") continue;
      if (signal.Stopping()) return;  // resumed from this step after a restart
      if (!RunStep(q, *flow, type_name, i, steps[i].as_object(), signal)) return;
    }
    FinishWithIntegration(q, *flow, workflow);
  }

  // False when the workflow failed, was deleted or the owner is stopping.
  bool RunStep(const Queued& q, const Flow& flow, const std::string& type_name, size_t index,
               const json::object& step, const TaskSignal& signal) {
    std::string start = GetStringOr(step, "BatchRecordsStartTime", "");
    std::string end = GetStringOr(step, "BatchRecordsEndTime", "");
    (void)Edit(q, [&](json::object& w, double now) {
      SetStep(w, index, "IN_PROGRESS", "Reading s3://" + flow.bucket + "/" + flow.prefix, 0, now);
    });
    ObjectStorage& s3 = *env_.destinations->objects;
    auto keys = s3.ListObjects(flow.bucket, flow.prefix);
    if (!keys.ok()) {
      Fail(q, index, keys.error().message());
      return false;
    }
    int64_t processed = 0, failed = 0;
    std::string first_failure;
    int64_t since_save = 0;
    for (const std::string& key : *keys) {
      if (key.ends_with("/")) continue;  // a "folder" marker
      auto body = s3.GetObject(flow.bucket, key);
      if (!body.ok()) {
        Fail(q, index, body.error().message());
        return false;
      }
      auto records = ParseSourceRecords(key, *body);
      if (!records.ok()) {
        Fail(q, index, records.error().message());
        return false;
      }
      for (SourceRecord& record : *records) {
        if (!InBatch(flow, record, start, end)) continue;
        auto object = ApplyFlowTasks(flow.tasks, std::move(record));
        if (!object.ok()) {  // a Validate task's TerminateFlow
          Fail(q, index, "s3 object " + key + ": " + object.error().message());
          return false;
        }
        if (!*object) continue;
        json::object put{{"DomainName", q.domain},
                         {"ObjectTypeName", type_name},
                         {"Object", Serialize(**object)}};
        auto result = put_object_(q.ctx, std::move(put));
        if (result.ok()) {
          ++processed;
        } else {
          if (result.error().code() == ErrorCode::kNotFound) return false;  // domain deleted
          if (failed++ == 0) first_failure = key + ": " + result.error().message();
        }
        if (++since_save >= static_cast<int64_t>(kRecordsPerCommit)) {
          since_save = 0;
          if (signal.Stopping()) return false;
          Status saved = Edit(q, [&](json::object& w, double now) {
            SetStep(w, index, "IN_PROGRESS", "Ingesting", processed, now);
          });
          if (!saved.ok()) return false;  // deleted
        }
      }
    }
    std::string message = std::to_string(processed) + " records ingested";
    if (failed) message += ", " + std::to_string(failed) + " failed (first: " + first_failure + ")";
    bool all_failed = failed > 0 && processed == 0;
    Status saved = Edit(q, [&](json::object& w, double now) {
      SetStep(w, index, all_failed ? "FAILED" : "COMPLETE", message, processed, now);
      w["RecordsProcessed"] = GetInt(w, "RecordsProcessed").value_or(0) + processed;
      if (!all_failed) w["StepsCompleted"] = GetInt(w, "StepsCompleted").value_or(0) + 1;
      if (all_failed) {
        w["Status"] = "FAILED";
        w["ErrorDescription"] = message.substr(0, 255);
      }
    });
    if (!saved.ok() || all_failed) {
      if (all_failed) (void)Dequeue(q);
      return false;
    }
    return true;
  }

  // With Batches and an IncrementalPullConfig time field, a step takes the records whose time
  // falls in its batch [start, end); otherwise every record.
  static bool InBatch(const Flow& flow, const SourceRecord& record, const std::string& start,
                      const std::string& end) {
    if (flow.time_field.empty() || start.empty()) return true;
    auto it = record.find(flow.time_field);
    if (it == record.end()) return false;
    // ISO 8601 UTC text compares in time order; the source's own format must be ISO 8601 too.
    std::string_view value = it->second;
    return value.substr(0, start.size() - 1) >=
               std::string_view(start).substr(0, start.size() - 1) &&
           value.substr(0, end.size() - 1) < std::string_view(end).substr(0, end.size() - 1);
  }

  void FinishWithIntegration(const Queued& q, const Flow& flow, const json::object& workflow) {
    json::object put{{"DomainName", q.domain},
                     {"Uri", FlowArn(q.ctx.region, q.ctx.account_id, flow.name)},
                     {"ObjectTypeName", GetStringOr(workflow, "ObjectTypeName", "")},
                     {"WorkflowId", q.id}};
    if (auto role = GetString(workflow, "RoleArn")) put["RoleArn"] = *role;
    if (const json::object* tags = GetObject(workflow, "Tags")) put["Tags"] = *tags;
    auto integration = put_integration_(q.ctx, std::move(put));
    if (!integration.ok()) {
      return Fail(
          q, std::nullopt,
          "the integration of the flow could not be created: " + integration.error().message());
    }
    (void)Edit(q, [](json::object& w, double) {
      w["Status"] = "COMPLETE";
      w.erase("ErrorDescription");
    });
    (void)Dequeue(q);
  }

  ServiceEnv env_;
  Handler put_object_, put_integration_;
};

Result<json::object> CreateWorkflow(const ServiceEnv& env, const RequestContext& ctx,
                                    const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  json::object workflow;
  for (std::string_view member :
       {"WorkflowType", "IntegrationConfig", "ObjectTypeName", "RoleArn", "Tags"}) {
    if (const json::value* v = in.if_contains(member)) workflow[member] = *v;
  }
  ASSIGN_OR_RETURN(Flow flow, ParseFlow(workflow));
  std::string id = NewProfileId();  // the model's uuid shape: 32 lowercase hex digits
  double now = env.clock->NowEpochSeconds();
  workflow["WorkflowId"] = id;
  workflow["Status"] = "NOT_STARTED";
  workflow["CreatedAt"] = now;
  workflow["StartDate"] = now;
  workflow["LastUpdatedAt"] = now;
  workflow["RecordsProcessed"] = 0;
  workflow["StepsCompleted"] = 0;
  workflow["Steps"] = NewSteps(workflow, flow.name, now);
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    ASSIGN_OR_RETURN(auto type,
                     LoadObjectType(txn, ctx, domain, workflow["ObjectTypeName"].as_string()));
    (void)type;
    RETURN_IF_ERROR(txn.Put(DomainScope(ctx, domain), kWorkflowKind, id, Serialize(workflow)));
    json::object queued{{"Account", ctx.account_id},
                        {"Region", ctx.region},
                        {"DomainName", domain},
                        {"WorkflowId", id}};
    return txn.Put(kQueueScope, kWorkflowQueueKind,
                   WorkflowQueueId(now, ctx.account_id, domain, id), Serialize(queued));
  }));
  return json::object{{"WorkflowId", id}, {"Message", "Workflow created: ingestion starts now"}};
}

// The workflow the request names (DomainName, WorkflowId), read in a transaction of its own.
Result<json::object> ReadWorkflow(const ServiceEnv& env, const RequestContext& ctx,
                                  const json::object& in) {
  json::object w;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(w, LoadWorkflow(txn, ctx, GetStringOr(in, "DomainName", ""),
                                     GetStringOr(in, "WorkflowId", ""), false));
    return OkStatus();
  }));
  return w;
}

Result<json::object> GetWorkflow(const ServiceEnv& env, const RequestContext& ctx,
                                 const json::object& in) {
  ASSIGN_OR_RETURN(json::object w, ReadWorkflow(env, ctx, in));
  auto flow = ParseFlow(w);  // stored only after it parsed
  json::object attributes{{"SourceConnectorType", flow.ok() ? flow->connector : ""},
                          {"ConnectorProfileName", ""}};
  const json::object* config = GetObject(w, "IntegrationConfig");
  const json::object* appflow = config ? GetObject(*config, "AppflowIntegration") : nullptr;
  const json::object* def = appflow ? GetObject(*appflow, "FlowDefinition") : nullptr;
  const json::object* source = def ? GetObject(*def, "SourceFlowConfig") : nullptr;
  if (source) attributes["ConnectorProfileName"] = GetStringOr(*source, "ConnectorProfileName", "");
  if (auto role = GetString(w, "RoleArn")) attributes["RoleArn"] = *role;
  json::object out{
      {"WorkflowId", w["WorkflowId"]},
      {"WorkflowType", w["WorkflowType"]},
      {"Status", w["Status"]},
      {"StartDate", w["StartDate"]},
      {"LastUpdatedAt", w["LastUpdatedAt"]},
      {"Attributes", json::object{{"AppflowIntegration", attributes}}},
      {"Metrics", json::object{{"AppflowIntegration",
                                json::object{{"RecordsProcessed", w["RecordsProcessed"]},
                                             {"StepsCompleted", w["StepsCompleted"]},
                                             {"TotalSteps", w["Steps"].as_array().size()}}}}}};
  if (auto error = GetString(w, "ErrorDescription")) out["ErrorDescription"] = *error;
  return out;
}

Result<json::object> GetWorkflowSteps(const ServiceEnv& env, const RequestContext& ctx,
                                      const json::object& in) {
  ASSIGN_OR_RETURN(json::object w, ReadWorkflow(env, ctx, in));
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kStepsPurpose));
  size_t first = cursor.empty() ? 0 : std::strtoull(cursor.c_str(), nullptr, 10);
  size_t page = PageSize(in, 100, 100);
  const json::array& steps = w["Steps"].as_array();
  json::array items;
  for (size_t i = first; i < steps.size() && items.size() < page; ++i) {
    items.push_back(json::object{{"AppflowIntegration", steps[i]}});
  }
  json::object out{{"WorkflowId", w["WorkflowId"]},
                   {"WorkflowType", w["WorkflowType"]},
                   {"Items", std::move(items)}};
  if (first + page < steps.size()) {
    out["NextToken"] = EncodeToken(kStepsPurpose, std::to_string(first + page));
  }
  return out;
}

Result<json::object> ListWorkflows(const ServiceEnv& env, const RequestContext& ctx,
                                   const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kListWorkflowsPurpose));
  size_t page = PageSize(in, 100, 100);
  auto status = GetString(in, "Status");
  auto type = GetString(in, "WorkflowType");
  const json::value* from = in.if_contains("QueryStartDate");
  const json::value* to = in.if_contains("QueryEndDate");
  json::array items;
  std::string last;
  bool more = false;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
    return ForEachDocument(
        txn, DomainScope(ctx, domain), kWorkflowKind, "", cursor,
        [&](const store::Document& doc) -> Result<WalkStep> {
          if (items.size() == page) {
            more = true;
            return WalkStep::kStop;
          }
          ASSIGN_OR_RETURN(json::object w, ParseStored(doc.body));
          double created = w["CreatedAt"].to_number<double>();
          bool keep = (!status || GetStringOr(w, "Status", "") == *status) &&
                      (!type || GetStringOr(w, "WorkflowType", "") == *type) &&
                      (!from || created >= from->to_number<double>()) &&
                      (!to || created <= to->to_number<double>());
          last = doc.id;
          if (!keep) return WalkStep::kNext;
          json::object item{
              {"WorkflowType", w["WorkflowType"]},
              {"WorkflowId", w["WorkflowId"]},
              {"Status", w["Status"]},
              {"StatusDescription",
               GetStringOr(w, "ErrorDescription", "Workflow " + GetStringOr(w, "Status", ""))},
              {"CreatedAt", w["CreatedAt"]},
              {"LastUpdatedAt", w["LastUpdatedAt"]}};
          items.push_back(std::move(item));
          return WalkStep::kNext;
        });
  }));
  json::object out{{"Items", std::move(items)}};
  if (more) out["NextToken"] = EncodeToken(kListWorkflowsPurpose, last);
  return out;
}

Result<json::object> DeleteWorkflow(const ServiceEnv& env, const RequestContext& ctx,
                                    const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  std::string id = GetStringOr(in, "WorkflowId", "");
  RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(json::object w, LoadWorkflow(txn, ctx, domain, id, true));
    (void)w;
    // A queued run finds the workflow gone and drops its queue entry itself.
    ASSIGN_OR_RETURN(bool gone, txn.Delete(DomainScope(ctx, domain), kWorkflowKind, id));
    (void)gone;
    return OkStatus();
  }));
  return json::object{};
}

}  // namespace

void RegisterWorkflowOperations(Registry& registry, const ServiceEnv& env) {
  size_t wake = Background::kAll;
  if (env.background) {
    const Handler* put_object = registry.Find("PutProfileObject");
    const Handler* put_integration = registry.Find("PutIntegration");
    if (put_object && put_integration) {
      auto runner = std::make_shared<WorkflowRunner>(env, *put_object, *put_integration);
      wake = env.background->Start("workflows",
                                   [runner](const TaskSignal& signal) { runner->Loop(signal); });
    }
  }
  registry.Register("CreateIntegrationWorkflow",
                    [env, wake](const RequestContext& ctx, json::object in) {
                      auto out = CreateWorkflow(env, ctx, in);
                      if (out.ok() && env.background) env.background->Wake(wake);
                      return out;
                    });
  registry.Register("GetWorkflow", WithEnv(env, GetWorkflow));
  registry.Register("GetWorkflowSteps", WithEnv(env, GetWorkflowSteps));
  registry.Register("ListWorkflows", WithEnv(env, ListWorkflows));
  registry.Register("DeleteWorkflow", WithEnv(env, DeleteWorkflow));
}

}  // namespace profiled::service
