// File: request_metrics.h
// Requests counted by operation and status, their latency as a histogram per operation, and the
// requests in flight: recorded around every request (api/ops_endpoints.h) with relaxed atomic
// increments only, and rendered in Prometheus' text format for /metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace profiled::api {

class RequestMetrics {
 public:
  // Upper bounds (seconds) of the latency buckets.
  static constexpr std::array<double, 14> kLatencyBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  // The statuses counted one by one; any other is counted under its own class ("2xx" ... "5xx").
  static constexpr std::array<int, 18> kStatuses = {200, 201, 202, 204, 400, 401, 403, 404, 405,
                                                    409, 413, 415, 429, 431, 500, 501, 503, 504};

  // `operations`: every name a response may carry in HttpResponse::operation; any other (and
  // "-", a request that matched no operation) is counted under "-".
  explicit RequestMetrics(const std::vector<std::string>& operations);

  void Begin() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void End(std::string_view operation, int status, double seconds);

  // Appends the families profiled_requests_total, profiled_request_duration_seconds and
  // profiled_requests_in_flight; operations never called are left out.
  void Render(std::string& out) const;

 private:
  static constexpr size_t kStatusSlots = kStatuses.size() + 5;  // + 1xx..5xx
  struct PerOperation {
    std::string name;
    std::array<std::atomic<uint64_t>, kStatusSlots> by_status{};
    std::array<std::atomic<uint64_t>, kLatencyBounds.size() + 1> buckets{};  // not cumulative
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_micros{0};
  };
  static size_t StatusSlot(int status);
  static std::string StatusLabel(size_t slot);

  std::vector<std::unique_ptr<PerOperation>> operations_;  // fixed after construction
  std::unordered_map<std::string_view, PerOperation*> by_name_;
  PerOperation* unknown_ = nullptr;
  std::atomic<int64_t> in_flight_{0};
};

// Appends a label value escaped as the text format wants (backslash, quote, newline).
void AppendLabelValue(std::string& out, std::string_view value);

}  // namespace profiled::api
