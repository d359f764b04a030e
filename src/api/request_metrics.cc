#include "api/request_metrics.h"

#include <cmath>
#include <cstdio>

namespace profiled::api {

RequestMetrics::RequestMetrics(const std::vector<std::string>& operations) {
  auto add = [&](std::string_view name) {
    if (by_name_.count(name)) return by_name_[name];
    operations_.push_back(std::make_unique<PerOperation>());
    operations_.back()->name = std::string(name);
    PerOperation* op = operations_.back().get();
    by_name_.emplace(op->name, op);
    return op;
  };
  for (const auto& name : operations) add(name);
  unknown_ = add("-");
}

size_t RequestMetrics::StatusSlot(int status) {
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return i;
  }
  int family = status / 100;
  if (family < 1 || family > 5) family = 5;
  return kStatuses.size() + static_cast<size_t>(family - 1);
}

std::string RequestMetrics::StatusLabel(size_t slot) {
  if (slot < kStatuses.size()) return std::to_string(kStatuses[slot]);
  return std::to_string(slot - kStatuses.size() + 1) + "xx";
}

void RequestMetrics::End(std::string_view operation, int status, double seconds) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  auto it = by_name_.find(operation);
  PerOperation& op = it == by_name_.end() ? *unknown_ : *it->second;
  op.by_status[StatusSlot(status)].fetch_add(1, std::memory_order_relaxed);
  size_t bucket = 0;
  while (bucket < kLatencyBounds.size() && seconds > kLatencyBounds[bucket]) ++bucket;
  op.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  op.count.fetch_add(1, std::memory_order_relaxed);
  op.sum_micros.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e6)),
                          std::memory_order_relaxed);
}

void AppendLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
}

namespace {
std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

void RequestMetrics::Render(std::string& out) const {
  out.append(
      "# HELP profiled_requests_total Requests answered, by operation and HTTP status.\n"
      "# TYPE profiled_requests_total counter\n");
  for (const auto& op : operations_) {
    if (op->count.load(std::memory_order_relaxed) == 0) continue;
    for (size_t slot = 0; slot < kStatusSlots; ++slot) {
      uint64_t n = op->by_status[slot].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out.append("profiled_requests_total{operation=\"");
      AppendLabelValue(out, op->name);
      out.append("\",code=\"").append(StatusLabel(slot)).append("\"} ");
      out.append(std::to_string(n)).push_back('\n');
    }
  }
  out.append(
      "# HELP profiled_request_duration_seconds Time from a whole request read to its answer, "
      "by operation.\n"
      "# TYPE profiled_request_duration_seconds histogram\n");
  for (const auto& op : operations_) {
    uint64_t count = op->count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    std::string labels = "operation=\"";
    AppendLabelValue(labels, op->name);
    labels.push_back('"');
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kLatencyBounds.size(); ++b) {
      cumulative += op->buckets[b].load(std::memory_order_relaxed);
      std::string le = b < kLatencyBounds.size() ? FormatDouble(kLatencyBounds[b]) : "+Inf";
      out.append("profiled_request_duration_seconds_bucket{").append(labels);
      out.append(",le=\"").append(le).append("\"} ").append(std::to_string(cumulative));
      out.push_back('\n');
    }
    double sum = static_cast<double>(op->sum_micros.load(std::memory_order_relaxed)) / 1e6;
    out.append("profiled_request_duration_seconds_sum{").append(labels).append("} ");
    out.append(FormatDouble(sum)).push_back('\n');
    // The buckets were read one by one: the count is their total, so the family stays coherent.
    out.append("profiled_request_duration_seconds_count{").append(labels).append("} ");
    out.append(std::to_string(cumulative)).push_back('\n');
  }
  out.append(
      "# HELP profiled_requests_in_flight Requests being handled now.\n"
      "# TYPE profiled_requests_in_flight gauge\n"
      "profiled_requests_in_flight ");
  out.append(std::to_string(in_flight_.load(std::memory_order_relaxed))).push_back('\n');
}

}  // namespace profiled::api
