#include "service/workflow_tasks.h"

#include <charconv>
#include <set>
#include <string_view>

#include "service/common.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kComparisons[] = {"EQUAL_TO",     "NOT_EQUAL_TO",
                                             "LESS_THAN",    "LESS_THAN_OR_EQUAL_TO",
                                             "GREATER_THAN", "GREATER_THAN_OR_EQUAL_TO",
                                             "BETWEEN"};
constexpr std::string_view kValidations[] = {"VALIDATE_NON_NULL", "VALIDATE_NON_ZERO",
                                             "VALIDATE_NON_NEGATIVE", "VALIDATE_NUMERIC"};
constexpr std::string_view kMasks[] = {"MASK_ALL", "MASK_FIRST_N", "MASK_LAST_N"};

template <size_t N>
bool OneOf(std::string_view value, const std::string_view (&options)[N]) {
  for (std::string_view o : options) {
    if (o == value) return true;
  }
  return false;
}

std::optional<double> Number(std::string_view text) {
  double v;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// <0, 0, >0 as `a` sorts before, with or after `b`.
int CompareNumbersOrText(std::string_view a, std::string_view b) {
  auto x = Number(a), y = Number(b);
  if (x && y) return *x < *y ? -1 : (*x > *y ? 1 : 0);
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::string Property(const FlowTask& task, const std::string& key, std::string fallback = "") {
  auto it = task.properties.find(key);
  return it == task.properties.end() ? fallback : it->second;
}

bool PassesComparison(const FlowTask& task, const std::string& value) {
  const std::string& op = task.op;
  if (op == "BETWEEN") {
    return CompareNumbersOrText(value, Property(task, "LOWER_BOUND")) >= 0 &&
           CompareNumbersOrText(value, Property(task, "UPPER_BOUND")) <= 0;
  }
  int c = CompareNumbersOrText(value, Property(task, "VALUE"));
  if (op == "EQUAL_TO") return c == 0;
  if (op == "NOT_EQUAL_TO") return c != 0;
  if (op == "LESS_THAN") return c < 0;
  if (op == "LESS_THAN_OR_EQUAL_TO") return c <= 0;
  if (op == "GREATER_THAN") return c > 0;
  return c >= 0;  // GREATER_THAN_OR_EQUAL_TO
}

bool PassesValidation(std::string_view op, const std::string* value) {
  if (op == "VALIDATE_NON_NULL") return value && !value->empty();
  if (!value) return false;
  auto n = Number(*value);
  if (op == "VALIDATE_NUMERIC") return n.has_value();
  if (op == "VALIDATE_NON_ZERO") return n && *n != 0;
  return n && *n >= 0;  // VALIDATE_NON_NEGATIVE
}

std::string Mask(const FlowTask& task, std::string value) {
  std::string mask = Property(task, "MASK_VALUE", "*");
  if (mask.empty()) mask = "*";
  size_t n = value.size();
  if (task.op != "MASK_ALL") {
    auto length = Number(Property(task, "MASK_LENGTH", "0"));
    n = std::min(value.size(), static_cast<size_t>(length && *length > 0 ? *length : 0));
  }
  size_t start = task.op == "MASK_LAST_N" ? value.size() - n : 0;
  for (size_t i = start; i < start + n; ++i) value[i] = mask[0];
  return value;
}

Result<FlowTask> ParseTask(const json::object& in, size_t index) {
  FlowTask task;
  std::string where = "Tasks[" + std::to_string(index) + "]";
  task.type = GetStringOr(in, "TaskType", "");
  if (const json::object* op = GetObject(in, "ConnectorOperator")) {
    for (const auto& kv : *op) {
      if (kv.value().is_string()) task.op = std::string(kv.value().get_string());
    }
  }
  if (const json::array* sources = GetArray(in, "SourceFields")) {
    for (const auto& s : *sources) {
      if (s.is_string()) task.sources.emplace_back(s.get_string());
    }
  }
  task.destination = GetStringOr(in, "DestinationField", "");
  if (const json::object* props = GetObject(in, "TaskProperties")) {
    for (const auto& kv : *props) {
      if (kv.value().is_string()) task.properties[kv.key()] = kv.value().get_string();
    }
  }
  auto refuse = [&](std::string what) { return Error::BadRequest(where + ": " + what); };
  bool projection = task.type == "Filter" && task.op == "PROJECTION";
  if (task.sources.empty() || (!projection && task.sources.size() != 1)) {
    return refuse(projection ? "a PROJECTION needs at least one SourceFields entry"
                             : "TaskType " + task.type + " needs exactly one SourceFields entry");
  }
  if (task.type == "Filter") {
    if (!projection && !OneOf(task.op, kComparisons)) {
      return refuse("Filter operator " + (task.op.empty() ? "(none)" : task.op) +
                    " is not supported by Profiled");
    }
  } else if (task.type == "Validate") {
    if (!OneOf(task.op, kValidations)) {
      return refuse("Validate operator " + task.op + " is not supported by Profiled");
    }
    std::string action = Property(task, "VALIDATION_ACTION", "DropRecord");
    if (action != "DropRecord" && action != "TerminateFlow" && action != "NoOp") {
      return refuse("VALIDATION_ACTION must be DropRecord, TerminateFlow or NoOp");
    }
  } else if (task.type == "Mask") {
    if (!OneOf(task.op, kMasks)) {
      return refuse("Mask operator " + task.op + " is not supported by Profiled");
    }
  } else if (task.type == "Truncate") {
    auto length = Number(Property(task, "TRUNCATE_LENGTH"));
    if (!length || *length < 0) return refuse("Truncate needs a TRUNCATE_LENGTH of 0 or more");
  } else if (task.type != "Map") {
    return refuse("TaskType " + task.type +
                  " is not supported by Profiled (Filter, Map, Mask, Truncate and Validate are)");
  }
  return task;
}

}  // namespace

Result<std::vector<FlowTask>> ParseFlowTasks(const json::array& tasks) {
  std::vector<FlowTask> out;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!tasks[i].is_object()) return Error::BadRequest("Tasks must hold objects");
    ASSIGN_OR_RETURN(FlowTask task, ParseTask(tasks[i].get_object(), i));
    out.push_back(std::move(task));
  }
  return out;
}

Result<std::optional<json::object>> ApplyFlowTasks(const std::vector<FlowTask>& tasks,
                                                   SourceRecord record) {
  std::set<std::string> projected;
  bool has_projection = false, has_map = false;
  for (const FlowTask& task : tasks) {
    const std::string& field = task.sources.front();
    auto it = record.find(field);
    const std::string* value = it == record.end() ? nullptr : &it->second;
    if (task.type == "Filter" && task.op == "PROJECTION") {
      has_projection = true;
      projected.insert(task.sources.begin(), task.sources.end());
    } else if (task.type == "Filter") {
      if (!value || !PassesComparison(task, *value)) return std::optional<json::object>();
    } else if (task.type == "Validate") {
      if (PassesValidation(task.op, value)) continue;
      std::string action = Property(task, "VALIDATION_ACTION", "DropRecord");
      if (action == "TerminateFlow") {
        return Error::BadRequest("field " + field + " failed " + task.op);
      }
      if (action == "DropRecord") return std::optional<json::object>();
    } else if (task.type == "Mask" && value) {
      it->second = Mask(task, it->second);
    } else if (task.type == "Truncate" && value) {
      size_t length = static_cast<size_t>(*Number(Property(task, "TRUNCATE_LENGTH")));
      if (it->second.size() > length) it->second.resize(length);
    } else if (task.type == "Map") {
      has_map = true;
    }
  }
  json::object out;
  auto kept = [&](const std::string& field) { return !has_projection || projected.count(field); };
  if (!has_map) {
    for (const auto& [field, value] : record) {
      if (kept(field)) out[field] = value;
    }
    return std::optional<json::object>(std::move(out));
  }
  for (const FlowTask& task : tasks) {
    if (task.type != "Map") continue;
    const std::string& field = task.sources.front();
    auto it = record.find(field);
    if (it == record.end() || !kept(field)) continue;
    out[task.destination.empty() ? field : task.destination] = it->second;
  }
  return std::optional<json::object>(std::move(out));
}

}  // namespace profiled::service
