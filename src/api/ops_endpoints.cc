#include "api/ops_endpoints.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "api/extensions.h"
#include "api/model.h"
#include "service/common.h"
#include "service/domain_stats.h"

namespace profiled::api {
namespace {

HttpResponse Text(int status, std::string body,
                  std::string content_type = "text/plain; charset=utf-8") {
  HttpResponse response;
  response.status = status;
  response.operation = "-";
  response.headers.emplace_back("Content-Type", std::move(content_type));
  response.headers.emplace_back("Cache-Control", "no-store");
  response.body = std::move(body);
  return response;
}

std::string_view PathOf(const std::string& target) {
  std::string_view path = target;
  return path.substr(0, path.find('?'));
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string& out, std::string_view name, int64_t value) {
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

// The resident set from /proc/self/statm (pages); -1 where there is no /proc.
int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  long long size = 0, resident = 0;
  if (!(statm >> size >> resident)) return -1;
  return static_cast<int64_t>(resident) * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

namespace {
std::vector<std::string> OperationNames() {
  std::vector<std::string> names = Model::Get().OperationNames();
  for (auto& name : ExtensionOperationNames()) names.push_back(std::move(name));
  return names;
}
}  // namespace

OpsEndpoints::OpsEndpoints(store::Store& store, OpsOptions options)
    : store_(store), options_(std::move(options)), requests_(OperationNames()) {}

bool OpsEndpoints::IsOpsPath(std::string_view path) {
  return path == "/health" || path == "/ready" || path == "/metrics";
}

std::optional<HttpResponse> OpsEndpoints::Answer(const HttpRequest& request, bool metrics) const {
  std::string_view path = PathOf(request.target);
  if (!IsOpsPath(path) || (path == "/metrics" && !metrics)) return std::nullopt;
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response = Text(405, "only GET and HEAD\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  if (path == "/health") return Text(200, "ok\n");
  if (path == "/ready") return Ready();
  return Text(200, RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8");
}

HttpResponse OpsEndpoints::Serve(const HttpRequest& request, const Next& next) {
  if (auto answer = Answer(request, options_.metrics_on_api_listener)) return std::move(*answer);
  auto start = std::chrono::steady_clock::now();
  requests_.Begin();
  HttpResponse response;
  try {
    response = next(request);
  } catch (...) {
    requests_.End("-", 500, 0);
    throw;  // the server's own handler of last resort answers it
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  requests_.End(response.operation, response.status, took.count());
  return response;
}

HttpResponse OpsEndpoints::ServeOpsOnly(const HttpRequest& request) const {
  if (auto answer = Answer(request, /*metrics=*/true)) return std::move(*answer);
  return Text(404, "not found: this listener serves /metrics, /health and /ready\n");
}

HttpResponse OpsEndpoints::Ready() const {
  Status status = store_.Read([](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.Get(store::Scope{"", ""}, "ready-probe", ""));
    return OkStatus();
  });
  if (!status.ok()) return Text(503, "not ready: " + status.error().message() + "\n");
  return Text(200, "ready\n");
}

std::string OpsEndpoints::RenderMetrics() const {
  std::string out;
  out.reserve(16 * 1024);
  requests_.Render(out);
  Family(out, "profiled_open_connections", "gauge", "Client connections open now.");
  Sample(out, "profiled_open_connections", connections_ ? static_cast<int64_t>(connections_()) : 0);
  Family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  Sample(out, "process_resident_memory_bytes", ResidentBytes());
  RenderStore(out);
  RenderDomains(out);
  return out;
}

void OpsEndpoints::RenderStore(std::string& out) const {
  store::StoreStats stats = store_.Stats();
  Family(out, "profiled_store_write_transactions_total", "counter",
         "Store write transactions answered.");
  Sample(out, "profiled_store_write_transactions_total", stats.write_transactions);
  Family(out, "profiled_store_read_transactions_total", "counter",
         "Store read transactions answered.");
  Sample(out, "profiled_store_read_transactions_total", stats.read_transactions);
  Family(out, "profiled_store_commit_batch_size", "histogram",
         "Write transactions carried by one commit to the database (group commit).");
  int64_t cumulative = 0;
  for (size_t i = 0; i < stats.batch_counts.size(); ++i) {
    cumulative += stats.batch_counts[i];
    std::string le = i < store::StoreStats::kBatchBounds.size()
                         ? std::to_string(store::StoreStats::kBatchBounds[i])
                         : "+Inf";
    out.append("profiled_store_commit_batch_size_bucket{le=\"").append(le).append("\"} ");
    out.append(std::to_string(cumulative)).append("\n");
  }
  Sample(out, "profiled_store_commit_batch_size_sum", stats.batched_transactions);
  Sample(out, "profiled_store_commit_batch_size_count", cumulative);
  if (stats.wal_bytes >= 0) {
    Family(out, "profiled_store_wal_bytes", "gauge", "Size of the store's write-ahead log.");
    Sample(out, "profiled_store_wal_bytes", stats.wal_bytes);
  }
  if (stats.data_bytes >= 0) {
    Family(out, "profiled_store_data_bytes", "gauge",
           "Size of the store's data files (RocksDB: its SST files; SQLite: the database file).");
    Sample(out, "profiled_store_data_bytes", stats.data_bytes);
  }
  if (stats.warmed_bytes >= 0) {
    Family(
        out, "profiled_store_warmed_bytes_total", "counter",
        "Bytes of the store's files read into the page cache since it started (--warm-cache-mib).");
    Sample(out, "profiled_store_warmed_bytes_total", stats.warmed_bytes);
  }
  if (stats.read_cache_hits >= 0) {
    Family(out, "profiled_store_read_cache_hits_total", "counter",
           "Point reads and index-value lookups the store's read cache answered "
           "(--read-cache-mib).");
    Sample(out, "profiled_store_read_cache_hits_total", stats.read_cache_hits);
    Family(out, "profiled_store_read_cache_misses_total", "counter",
           "Point reads and index-value lookups the store's read cache could not answer.");
    Sample(out, "profiled_store_read_cache_misses_total", stats.read_cache_misses);
  }
}

void OpsEndpoints::RenderDomains(std::string& out) const {
  struct Row {
    std::string account, domain;
    service::DomainTotals totals;
  };
  std::vector<Row> rows;
  for (const auto& account : options_.accounts) {
    (void)store_.Read([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto domains, txn.Scan(store::Scope{account, ""}, service::kDomainKind, "",
                                              "", options_.max_domains));
      for (const auto& d : domains) {
        ASSIGN_OR_RETURN(auto totals, service::ReadDomainStats(txn, {account, d.id}));
        rows.push_back({account, d.id, totals});
      }
      return OkStatus();
    });
  }
  struct Gauge {
    std::string_view name, help;
    int64_t service::DomainTotals::*member;
  };
  for (const Gauge& g :
       {Gauge{"profiled_domain_profiles", "Profiles in a domain.",
              &service::DomainTotals::profiles},
        Gauge{"profiled_domain_objects", "Profile objects in a domain.",
              &service::DomainTotals::objects},
        Gauge{"profiled_domain_object_bytes", "Total size of a domain's profile objects.",
              &service::DomainTotals::object_bytes}}) {
    Family(out, g.name, "gauge", g.help);
    for (const Row& row : rows) {
      out.append(g.name).append("{account=\"");
      AppendLabelValue(out, row.account);
      out.append("\",domain=\"");
      AppendLabelValue(out, row.domain);
      out.append("\"} ").append(std::to_string(row.totals.*g.member)).append("\n");
    }
  }
}

}  // namespace profiled::api
