// File: workflow.h
// CreateIntegrationWorkflow, GetWorkflow, GetWorkflowSteps, ListWorkflows, DeleteWorkflow
// (docs/workflows.md).
//
// An APPFLOW_INTEGRATION workflow is AWS's historical ingestion of an AppFlow source: its
// Batches (or one batch, without them) are its steps, each one run of the flow over the source,
// and when every step is done the integration of the flow exists (Uri = the flow's ARN, with the
// WorkflowId). Profiled really runs the flows it can reach: an S3 source, read through the S3
// endpoint Profiled is configured with (service/destinations.h), each object's records put
// through the flow's Tasks (workflow_tasks.h) and ingested by PutProfileObject into the
// workflow's ObjectTypeName. A source it cannot reach (Salesforce, Marketo, ServiceNow, Zendesk,
// or S3 with no endpoint answering) takes the workflow to FAILED with the reason in
// ErrorDescription; never COMPLETE with nothing done.
//
// Runs happen on one background task in creation order, one step per transaction batch, and
// survive a restart: a queued or interrupted workflow is (re)run from its first unfinished step
// (objects are put again: PutProfileObject of the same record is idempotent).
#pragma once

#include "service/registry.h"

namespace profiled::service {

// Registers the operations and starts the runner on env.background (when there is one). Call
// after RegisterObjectOperations and RegisterIntegrationOperations: the runner ingests through
// their handlers.
void RegisterWorkflowOperations(Registry& registry, const ServiceEnv& env);

}  // namespace profiled::service
