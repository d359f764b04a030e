// File: workflow_tasks.h
// What an AppFlow flow's Tasks do to one source record, for the flows an integration workflow
// runs (workflow.cc). Profiled applies the task types an S3 source uses (docs/workflows.md):
//   Filter   PROJECTION keeps only the fields it lists; a comparison (EQUAL_TO, NOT_EQUAL_TO,
//            LESS_THAN[_OR_EQUAL_TO], GREATER_THAN[_OR_EQUAL_TO], BETWEEN with TaskProperties
//            VALUE / LOWER_BOUND / UPPER_BOUND) drops the records whose field fails it
//            (numbers compare as numbers when both sides are numbers, else as text);
//   Validate VALIDATE_NON_NULL / _NON_ZERO / _NON_NEGATIVE / _NUMERIC, with VALIDATION_ACTION
//            DropRecord, TerminateFlow or NoOp (AppFlow's default: DropRecord);
//   Mask     MASK_ALL / MASK_FIRST_N / MASK_LAST_N with MASK_VALUE (default "*") and MASK_LENGTH;
//   Truncate TRUNCATE_LENGTH;
//   Map      the source field under DestinationField (its own name when absent). When the flow
//            has no Map task every kept field goes through under its own name.
// Tasks run in the order given, except Map, which picks the final values after all of them.
// Arithmetic and Merge are refused when the workflow is created, naming the task.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace profiled::service {

struct FlowTask {
  std::string type;  // TaskType
  std::string op;    // ConnectorOperator's operator ("" when absent)
  std::vector<std::string> sources;
  std::string destination;
  std::map<std::string, std::string> properties;  // TaskProperties
};

// The flow definition's Tasks, checked. Errors: BadRequest naming the task (by its index in
// Tasks) and what about it Profiled cannot do.
Result<std::vector<FlowTask>> ParseFlowTasks(const boost::json::array& tasks);

using SourceRecord = std::map<std::string, std::string>;

// The record the tasks make of `record`: the object to ingest, or nullopt when a task dropped
// it. Errors: kBadRequest when a Validate task with TerminateFlow fails (the message names the
// field and the check).
Result<std::optional<boost::json::object>> ApplyFlowTasks(const std::vector<FlowTask>& tasks,
                                                          SourceRecord record);

}  // namespace profiled::service
