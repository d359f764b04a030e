// profiled: the Amazon Connect Customer Profiles API on an embedded or PostgreSQL store.
// main only reads flags, opens the store, wires http -> api -> service -> store, and runs.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/errors.h"
#include "api/extensions.h"
#include "api/model.h"
#include "api/ops_endpoints.h"
#include "api/pipeline.h"
#include "api/quotas.h"
#include "auth/authenticator.h"
#include "auth/loopback.h"
#include "auth/reload_signal.h"
#include "auth/sigv4_authenticator.h"
#include "aws/config.h"
#include "aws/kinesis_client.h"
#include "aws/s3_client.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/scaled_clock.h"
#include "console/console.h"
#include "http/server.h"
#include "service/background.h"
#include "service/destinations.h"
#include "service/domain_cache.h"
#include "service/registry.h"
#include "snapshot/snapshot.h"
#include "store/sqlite/sqlite_store.h"
#include "transfer.h"
#ifdef PROFILED_WITH_POSTGRES
#include "store/postgres/postgres_store.h"
#endif
#ifdef PROFILED_WITH_ROCKSDB
#include "store/rocksdb/rocksdb_store.h"
#endif

#ifndef PROFILED_VERSION
#define PROFILED_VERSION "0.1.0"
#endif

namespace profiled {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./profiled-data";
  std::string store = "auto";
  std::string region = "us-east-1";
  // Where S3 and Kinesis are (aws/config.h): "" reads AWS_ENDPOINT_URL_S3 /
  // AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL, else AWS itself.
  std::string s3_endpoint;
  std::string kinesis_endpoint;
  std::string log_level = "info";
  std::string log_format = "text";  // or json: one JSON object a line
  std::string metrics = "on";       // /metrics (api/ops_endpoints.h)
  std::string metrics_listen;       // host:port: /metrics on a listener of its own
  std::string account_id = "123456789012";
  std::string credentials;  // AWS shared-credentials file; empty: open loopback mode
  int io_threads = 2;
  int io_busy_slice_us = 250;
  int worker_threads = 32;
  int pg_pool_size = 16;
  size_t warm_cache_mib = 1024;  // RocksDB: files read into the page cache at start
  size_t read_cache_mib = 32;    // RocksDB: rows read recently (store/rocksdb/read_cache.h)
  size_t max_body_bytes = 1024 * 1024;
  size_t max_upload_bytes = size_t{1} << 30;  // the PUT of an upload job's file (docs/uploads.md)
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections = 1024;
  int idle_timeout_seconds = 60;
  double time_scale = 1;  // the service's clock runs this many times faster (docs/expiry.md)
  // auto: on for the embedded store (a warm point read takes microseconds), off for PostgreSQL
  // (a read waits for the network and the pool, which would stall the io thread).
  std::string io_thread_reads = "auto";
  std::string io_thread_writes = "auto";
  bool emulate_quotas = false;  // AWS's rates and resource limits (docs/quotas.md)
  std::string quotas_file;      // a quota table in place of the embedded spec/quotas.json
};

bool IsPostgresUrl(const std::string& s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
}

// An `auto|on|off` setting: `auto` is on for the embedded stores, off for PostgreSQL.
bool OnUnlessPostgres(const std::string& setting, const ServeFlags& flags) {
  return setting == "on" || (setting == "auto" && !IsPostgresUrl(flags.store));
}

// `--store auto` (the default): RocksDB, which writes a tenth of SQLite's bytes per update and
// keeps a profile in an eighth of the space (docs/store.md), unless the data directory already
// holds an SQLite store and no RocksDB one: data written before RocksDB was the default keeps
// opening where it is. A build without RocksDB uses SQLite.
std::string EmbeddedStoreKind(const ServeFlags& flags) {
  if (flags.store != "auto") return flags.store;
#ifdef PROFILED_WITH_ROCKSDB
  const std::filesystem::path dir(flags.data_dir);
  std::error_code ec;
  const bool sqlite_data = std::filesystem::exists(dir / "profiled.db", ec);
  const bool rocksdb_data = std::filesystem::exists(dir / "profiled.rocksdb", ec);
  return sqlite_data && !rocksdb_data ? "sqlite" : "rocksdb";
#else
  return "sqlite";
#endif
}

// Whether the flags name the embedded RocksDB store (a PostgreSQL URL, `memory` or SQLite do not).
bool OnRocksdb(const ServeFlags& flags) { return EmbeddedStoreKind(flags) == "rocksdb"; }

// `bulk`: a writer page cache large enough for import's 2,000-profile transactions (SQLite); no
// compactions until the load is done (RocksDB). `serving`: PostgreSQL's pool opens ahead of demand;
// RocksDB reads its files into the page cache (--warm-cache-mib).
Result<std::unique_ptr<store::Store>> OpenStore(const ServeFlags& flags, bool bulk = false,
                                                bool serving = false) {
  if (IsPostgresUrl(flags.store)) {
#ifdef PROFILED_WITH_POSTGRES
    store::postgres::PostgresOptions options;
    options.conninfo = flags.store;
    options.pool_size = flags.pg_pool_size;
    options.open_pool_ahead = serving;
    return store::postgres::OpenPostgresStore(options);
#else
    return Error::BadRequest("this build of profiled has no PostgreSQL store");
#endif
  }
  const std::string store = EmbeddedStoreKind(flags);
  if (store == "memory") {
#ifdef PROFILED_WITH_ROCKSDB
    // The RocksDB store on an in-memory Env: same code, same semantics, no file (and --data-dir
    // is not even created).
    store::rocks::RocksdbOptions options;
    options.path = "/profiled-memory";
    options.in_memory = true;
    options.kept_kinds = service::KindsMostWritesRead();
    options.kept_index_refs = true;
    options.read_cache_mib = flags.read_cache_mib;
    return store::rocks::OpenRocksdbStore(options);
#else
    return Error::BadRequest(
        "this build of profiled has no RocksDB store, which --store memory is");
#endif
  }
  if (store != "sqlite" && store != "rocksdb") {
    return Error::BadRequest("--store must be 'auto', 'sqlite', 'rocksdb', 'memory' or a " +
                             std::string("postgresql:// URL, not '") + store + "'");
  }
  std::error_code ec;
  std::filesystem::create_directories(flags.data_dir, ec);
  if (ec)
    return Error::Internal("cannot create --data-dir " + flags.data_dir + ": " + ec.message());
  if (store == "rocksdb") {
#ifdef PROFILED_WITH_ROCKSDB
    store::rocks::RocksdbOptions options;
    options.path = (std::filesystem::path(flags.data_dir) / "profiled.rocksdb").string();
    options.bulk_load = bulk;
    options.kept_kinds = service::KindsMostWritesRead();
    options.kept_index_refs = true;
    if (serving) options.warm_page_cache_mib = flags.warm_cache_mib;
    options.read_cache_mib = flags.read_cache_mib;
    return store::rocks::OpenRocksdbStore(options);
#else
    return Error::BadRequest("this build of profiled has no RocksDB store");
#endif
  }
  store::sqlite::SqliteOptions options;
  options.path = (std::filesystem::path(flags.data_dir) / "profiled.db").string();
  if (bulk) options.writer_cache_kib = 256 * 1024;
  return store::sqlite::OpenSqliteStore(options);
}

int Serve(const ServeFlags& flags) {
  log::Level level;
  if (!log::ParseLevel(flags.log_level, &level)) {
    std::fprintf(stderr, "profiled: --log-level must be debug, info, warn, error or off\n");
    return 2;
  }
  log::SetLevel(level);
  log::SetFormat(flags.log_format == "json" ? log::Format::kJson : log::Format::kText);

  // Authentication first: refuse an unsafe configuration before touching the store, and start
  // the SIGHUP watcher before any other thread so that all of them inherit its signal mask.
  SystemClock clock;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<auth::SighupWatcher> reload_on_sighup;
  if (!flags.credentials.empty()) {
    auth::VerifierOptions verifier_options;
    verifier_options.region = flags.region;
    auto sigv4 = auth::SigV4Authenticator::Create(flags.credentials, clock, verifier_options);
    if (!sigv4.ok()) {
      std::fprintf(stderr, "profiled: --credentials: %s\n", sigv4.error().message().c_str());
      return 2;
    }
    log::Info("SigV4 authentication with " + std::to_string((*sigv4)->credential_count()) +
              " keys from " + flags.credentials + " (SIGHUP re-reads it)");
    reload_on_sighup = std::make_unique<auth::SighupWatcher>(
        [s = sigv4->get()] { (void)s->Reload(); });  // Reload logs its own failures
    authenticator = std::move(*sigv4);
  } else if (auth::IsLoopbackListen(flags.listen)) {
    authenticator = std::make_unique<auth::OpenAuthenticator>(flags.account_id);
  } else {
    std::fprintf(stderr,
                 "profiled: refusing to listen on %s without --credentials: every request would "
                 "be accepted unsigned as account %s. Pass --credentials FILE (an AWS "
                 "credentials file with aws_account_id per key), or listen on a loopback address "
                 "such as 127.0.0.1.\n",
                 flags.listen.c_str(), flags.account_id.c_str());
    return 2;
  }

  std::unique_ptr<api::Quotas> quotas;
  if (flags.emulate_quotas) {
    auto loaded = api::Quotas::ForServe(flags.quotas_file);
    if (!loaded.ok()) {
      std::fprintf(stderr, "profiled: --emulate-quotas: %s\n", loaded.error().message().c_str());
      return 2;
    }
    quotas = std::move(*loaded);
    log::Info("emulating AWS quotas: " + std::to_string(quotas->rate_count()) + " rates, " +
              std::to_string(quotas->limit_count()) + " resource limits");
  }

  auto store = OpenStore(flags, /*bulk=*/false, /*serving=*/true);
  if (!store.ok()) {
    std::fprintf(stderr, "profiled: cannot open store: %s\n", store.error().message().c_str());
    return 1;
  }
  // S3 and Kinesis, for segment snapshots and event streams (service/destinations.h).
  auto aws_config = aws::LoadAwsConfig(flags.region, flags.s3_endpoint, flags.kinesis_endpoint);
  if (!aws_config.ok()) {
    std::fprintf(stderr, "profiled: %s\n", aws_config.error().message().c_str());
    return 2;
  }
  aws::S3Client s3(*aws_config, clock);
  aws::KinesisClient kinesis(*aws_config, clock);
  service::Destinations destinations{&s3, &kinesis};
  // The service's time (timestamps, expiry); SigV4 and outbound calls keep the real `clock`.
  // Declared before the background, whose tasks read it.
  ScaledClock service_clock(flags.time_scale);
  if (flags.time_scale != 1) log::Warn("--time-scale: the service's clock runs scaled (tests)");
  // Declared after the store, so destroyed (every task stopped) before the store closes.
  service::Background background;
  // Only the model's operations and Profiled's extensions (api/extensions.h), each once: a
  // registration that breaks this aborts here.
  std::vector<std::string> operations = api::Model::Get().OperationNames();
  for (auto& name : api::ExtensionOperationNames()) operations.push_back(std::move(name));
  service::Registry registry(std::move(operations));
  service::ServiceEnv env{store->get(), &service_clock, &background};
  env.destinations = &destinations;
  // Only where this process alone can write the store: RocksDB locks its directory (and
  // `memory` is this process's); SQLite's file and PostgreSQL may be shared.
  service::DomainCache domain_cache;
  if (OnRocksdb(flags) || EmbeddedStoreKind(flags) == "memory") env.domains = &domain_cache;
  service::RegisterAll(registry, env);
  api::Pipeline pipeline(registry, *authenticator,
                         api::PipelineOptions{flags.region, quotas.get()});

  http::ServerOptions options;
  options.listen = flags.listen;
  options.io_threads = flags.io_threads;
  options.io_busy_slice = std::chrono::microseconds(flags.io_busy_slice_us);
  options.worker_threads = flags.worker_threads;
  options.max_body_bytes = flags.max_body_bytes;
  options.upload_path_prefix = "/_profiled/uploads/";
  options.upload_max_body_bytes = std::max(flags.max_upload_bytes, flags.max_body_bytes);
  std::error_code tmp_error;
  options.upload_spool_dir = std::filesystem::temp_directory_path(tmp_error).string();
  options.max_header_bytes = flags.max_header_bytes;
  options.max_connections = flags.max_connections;
  options.idle_timeout = std::chrono::seconds(flags.idle_timeout_seconds);
  // /health, /ready and /metrics, unsigned, in front of the API; every API request is counted.
  api::OpsOptions ops_options;
  ops_options.metrics_on_api_listener = flags.metrics == "on" && flags.metrics_listen.empty();
  ops_options.accounts = {flags.account_id};
  api::OpsEndpoints ops(**store, ops_options);
  options.front = [&ops](const HttpRequest& request, const http::Handler& next) {
    return ops.Serve(request, next);
  };
  // Fibers resume on a store commit's completion (common/completion.h), which only the embedded
  // stores signal; a PostgreSQL write waits on its connection's socket and would hold the thread.
  const bool reads_on_io_threads = OnUnlessPostgres(flags.io_thread_reads, flags);
  const bool writes_on_fibers = OnUnlessPostgres(flags.io_thread_writes, flags);
  if (reads_on_io_threads || writes_on_fibers) {
    options.placement = [&pipeline, reads_on_io_threads,
                         writes_on_fibers](const HttpRequest& request) {
      switch (pipeline.CostOf(request)) {
        case api::Pipeline::Cost::kQuickRead:
          if (reads_on_io_threads) return http::Placement::kIoThread;
          break;
        case api::Pipeline::Cost::kQuickWrite:
          if (writes_on_fibers) return http::Placement::kFiber;
          break;
        case api::Pipeline::Cost::kOther:
          break;
      }
      return http::Placement::kWorker;
    };
  }
  // The web console's files (/console/) are static and unsigned; the browser signs its API calls.
  console::ConsoleOptions console_options{flags.region, !flags.credentials.empty()};
  auto server = http::CreateServer(
      options,
      [&pipeline, &console_options](const HttpRequest& request) {
        if (auto page = console::Serve(request, console_options)) return *std::move(page);
        return pipeline.Handle(request);
      },
      [](const Error& error) { return api::ErrorResponse(error, NewUuid()); });
  if (!server.ok()) {
    std::fprintf(stderr, "profiled: cannot listen on %s: %s\n", flags.listen.c_str(),
                 server.error().message().c_str());
    return 1;
  }
  log::Info("profiled " PROFILED_VERSION " serving on port " + std::to_string((*server)->port()) +
            " with store " + (*store)->Describe() + ", " + std::to_string(registry.size()) +
            " operations");
  // Scripts and tests read this line to learn the port when --listen ends in :0.
  std::fprintf(stdout, "listening port=%d\n", (*server)->port());
  std::fflush(stdout);
  std::unique_ptr<http::Server> metrics_server;
  std::thread metrics_thread;
  if (flags.metrics == "on" && !flags.metrics_listen.empty()) {
    http::ServerOptions metrics_options;
    metrics_options.listen = flags.metrics_listen;
    metrics_options.io_threads = 1;
    metrics_options.worker_threads = 1;
    metrics_options.handle_signals = false;
    auto created = http::CreateServer(
        metrics_options, [&ops](const HttpRequest& request) { return ops.ServeOpsOnly(request); },
        [](const Error& error) { return api::ErrorResponse(error, NewUuid()); });
    if (!created.ok()) {
      std::fprintf(stderr, "profiled: cannot listen on --metrics-listen %s: %s\n",
                   flags.metrics_listen.c_str(), created.error().message().c_str());
      return 1;
    }
    metrics_server = std::move(*created);
    log::Info("metrics on port " + std::to_string(metrics_server->port()));
    std::fprintf(stdout, "metrics port=%d\n", metrics_server->port());
    std::fflush(stdout);
    metrics_thread = std::thread([&metrics_server] { metrics_server->Run(); });
  }
  ops.SetConnectionCounter([&server, &metrics_server] {
    return (*server)->open_connections() +
           (metrics_server ? metrics_server->open_connections() : 0);
  });
  (*server)->Run();
  if (metrics_server) {
    metrics_server->Stop();
    metrics_thread.join();
  }
  // Tasks may call the registry's handlers: stop them before the registry goes.
  background.Stop();
  log::Info("stopped");
  return 0;  // the store closes here, after every in-flight request has drained
}

// `profiled import|export` (transfer.h) on the store the flags name; import opens it in bulk mode.
int Transfer(const ServeFlags& flags, TransferFlags transfer, bool import) {
  auto store = OpenStore(flags, /*bulk=*/import);
  if (!store.ok()) {
    std::fprintf(stderr, "profiled: cannot open store: %s\n", store.error().message().c_str());
    return 1;
  }
  transfer.account_id = flags.account_id;
  transfer.sole_writer = OnRocksdb(flags);
  return import ? RunImport(**store, transfer) : RunExport(**store, transfer);
}

// `profiled snapshot save|load FILE` (snapshot/snapshot.h). Save reads one consistent state
// while a server may be running on the same store: a RocksDB directory is opened as a read-only
// secondary instance (the server holds its lock); SQLite's WAL and PostgreSQL's REPEATABLE READ
// let a reader beside the server as they are.
int SnapshotCommand(const ServeFlags& flags, const std::string& file, bool save) {
  if (flags.store == "memory") {
    std::fprintf(stderr, "profiled snapshot: --store memory lives inside one server process\n");
    return 2;
  }
  Result<std::unique_ptr<store::Store>> store = Error::Internal("unopened");
  std::string secondary;
  if (save && !IsPostgresUrl(flags.store) && !std::filesystem::exists(flags.data_dir)) {
    std::fprintf(stderr, "profiled snapshot save: no data directory %s\n", flags.data_dir.c_str());
    return 1;
  }
#ifdef PROFILED_WITH_ROCKSDB
  if (save && OnRocksdb(flags)) {
    char dir[] = "/tmp/profiled-snapshot.XXXXXX";
    if (!mkdtemp(dir)) {
      std::perror("profiled snapshot save: mkdtemp");
      return 1;
    }
    secondary = dir;
    store::rocks::RocksdbOptions options;
    options.path = (std::filesystem::path(flags.data_dir) / "profiled.rocksdb").string();
    options.secondary_path = secondary;
    store = store::rocks::OpenRocksdbStore(options);
  }
#endif
  // A load into RocksDB goes through its RowLoader (SST files ingested), not through Writes that
  // a bulk-loading store would compact at close; SQLite's bulk mode is a larger page cache.
  if (secondary.empty()) {
    store = OpenStore(flags, /*bulk=*/!save && EmbeddedStoreKind(flags) == "sqlite");
  }
  if (!store.ok()) {
    std::fprintf(stderr, "profiled: cannot open store: %s\n", store.error().message().c_str());
    if (!secondary.empty()) std::filesystem::remove_all(secondary);
    return 1;
  }
  auto started = std::chrono::steady_clock::now();
  Result<snapshot::Counts> counts = Error::Internal("unrun");
  if (save) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) {
      std::fprintf(stderr, "profiled snapshot save: cannot write %s\n", file.c_str());
      return 1;
    }
    counts = snapshot::Save(**store, out);
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "profiled snapshot load: cannot read %s\n", file.c_str());
      return 1;
    }
    counts = snapshot::Load(**store, in);
  }
  store->reset();  // the store closes inside the time reported
  if (!secondary.empty()) std::filesystem::remove_all(secondary);
  if (!counts.ok()) {
    std::fprintf(stderr, "profiled snapshot %s: %s\n", save ? "save" : "load",
                 counts.error().message().c_str());
    return 1;
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  std::fprintf(stderr, "%s %lld documents and %lld index rows in %.2f s\n",
               save ? "saved" : "loaded", static_cast<long long>(counts->documents),
               static_cast<long long>(counts->index_rows), took.count());
  return 0;
}

}  // namespace
}  // namespace profiled

int main(int argc, char** argv) {
  using profiled::ServeFlags;
  CLI::App app{"profiled: the Amazon Connect Customer Profiles API, served locally"};
  app.require_subcommand(1);
  ServeFlags flags;
  CLI::App* serve = app.add_subcommand("serve", "Run the API server");
  serve->add_option("--listen", flags.listen, "host:port to listen on (port 0: any free port)")
      ->envname("PROFILED_LISTEN")
      ->capture_default_str();
  serve->add_option("--data-dir", flags.data_dir, "Directory of the embedded store")
      ->envname("PROFILED_DATA_DIR")
      ->capture_default_str();
  serve
      ->add_option(
          "--store", flags.store,
          "'auto' (embedded: RocksDB, or SQLite where --data-dir already holds profiled.db), "
          "'rocksdb', 'sqlite' or postgresql://user@host:port/db")
      ->envname("PROFILED_STORE")
      ->capture_default_str();
  serve->add_option("--region", flags.region, "Region named in ARNs")
      ->envname("PROFILED_REGION")
      ->capture_default_str();
  serve
      ->add_option("--s3-endpoint", flags.s3_endpoint,
                   "S3-compatible endpoint URL for s3:// destinations (default: "
                   "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)")
      ->envname("AWS_ENDPOINT_URL_S3");
  serve
      ->add_option("--kinesis-endpoint", flags.kinesis_endpoint,
                   "Kinesis-compatible endpoint URL for event streams (default: "
                   "AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL, else AWS)")
      ->envname("AWS_ENDPOINT_URL_KINESIS");
  serve->add_option("--log-level", flags.log_level, "debug, info, warn, error or off")
      ->envname("PROFILED_LOG_LEVEL")
      ->capture_default_str();
  serve->add_option("--log-format", flags.log_format, "text, or json (one object a line)")
      ->envname("PROFILED_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  serve->add_option("--metrics", flags.metrics, "Serve /metrics (Prometheus): on or off")
      ->envname("PROFILED_METRICS")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  serve
      ->add_option("--metrics-listen", flags.metrics_listen,
                   "host:port of a listener of its own for /metrics (then not on --listen)")
      ->envname("PROFILED_METRICS_LISTEN");
  serve
      ->add_option("--account-id", flags.account_id,
                   "Account of requests when no credentials file is used")
      ->envname("PROFILED_ACCOUNT_ID")
      ->capture_default_str();
  serve
      ->add_option("--credentials", flags.credentials,
                   "AWS credentials file ([name] aws_access_key_id, aws_secret_access_key, "
                   "aws_account_id); requests must then be SigV4-signed. Re-read on SIGHUP")
      ->envname("PROFILED_CREDENTIALS");
  serve->add_option("--io-threads", flags.io_threads, "Threads doing network I/O")
      ->envname("PROFILED_IO_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve
      ->add_option("--io-busy-slice-us", flags.io_busy_slice_us,
                   "An io thread that has served without a pause this long (microseconds) yields "
                   "its core to another io thread that has waited that long for it; 0: never")
      ->envname("PROFILED_IO_BUSY_SLICE_US")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  serve->add_option("--worker-threads", flags.worker_threads, "Threads running requests")
      ->envname("PROFILED_WORKER_THREADS")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  serve
      ->add_option("--io-thread-reads", flags.io_thread_reads,
                   "Run point reads (SearchProfiles, BatchGetProfile) on the io "
                   "threads: auto (embedded store only), on, off")
      ->envname("PROFILED_IO_THREAD_READS")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  serve
      ->add_option("--io-thread-writes", flags.io_thread_writes,
                   "Run single-profile writes (CreateProfile, UpdateProfile, PutProfileObject, "
                   "...) on the io threads, each on a fiber that waits for its commit without "
                   "holding the thread: auto (embedded store only), on, off")
      ->envname("PROFILED_IO_THREAD_WRITES")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  serve->add_option("--pg-pool-size", flags.pg_pool_size, "PostgreSQL connections")
      ->envname("PROFILED_PG_POOL_SIZE")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  serve
      ->add_option("--warm-cache-mib", flags.warm_cache_mib,
                   "RocksDB store: read up to this many MiB of the database's files into the "
                   "page cache at start, in the background, so that the first requests after a "
                   "restart do not wait for the disk (at most a quarter of the memory "
                   "available; 0: off)")
      ->envname("PROFILED_WARM_CACHE_MIB")
      ->check(CLI::Range(size_t{0}, size_t{1} << 30))  // up to a PiB: MiB << 20 cannot overflow
      ->capture_default_str();
  serve
      ->add_option("--read-cache-mib", flags.read_cache_mib,
                   "RocksDB store: keep up to this many MiB of the documents and search-key "
                   "lookups read recently, so that reading them again skips the database's "
                   "memtables and files (exact: a write is never missed; 0: off)")
      ->envname("PROFILED_READ_CACHE_MIB")
      ->check(CLI::Range(size_t{0}, size_t{1} << 30))
      ->capture_default_str();
  serve->add_option("--max-body-bytes", flags.max_body_bytes, "Largest request body accepted")
      ->envname("PROFILED_MAX_BODY_BYTES")
      ->capture_default_str();
  serve
      ->add_option("--max-upload-bytes", flags.max_upload_bytes,
                   "Largest file PUT to an upload job's Url (spooled to $TMPDIR as it arrives)")
      ->envname("PROFILED_MAX_UPLOAD_BYTES")
      ->capture_default_str();
  serve
      ->add_option("--max-header-bytes", flags.max_header_bytes,
                   "Largest request line plus headers accepted (larger: 431)")
      ->envname("PROFILED_MAX_HEADER_BYTES")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 30))
      ->capture_default_str();
  serve
      ->add_option("--max-connections", flags.max_connections,
                   "Open connections served at once; further ones are accepted and closed")
      ->envname("PROFILED_MAX_CONNECTIONS")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  serve
      ->add_option("--idle-timeout-seconds", flags.idle_timeout_seconds,
                   "Time a connection may stay idle, and a whole request may take to arrive")
      ->envname("PROFILED_IDLE_TIMEOUT_SECONDS")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  serve
      ->add_option("--time-scale", flags.time_scale,
                   "For tests: the service's clock runs this many times faster than real time "
                   "(86400: a second is a day), so data expiry can be watched (docs/expiry.md)")
      ->envname("PROFILED_TIME_SCALE")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  serve
      ->add_flag("--emulate-quotas", flags.emulate_quotas,
                 "Apply AWS's default request rates (ThrottlingException) and resource limits")
      ->envname("PROFILED_EMULATE_QUOTAS");
  serve
      ->add_option("--quotas-file", flags.quotas_file,
                   "A quota table (JSON, as spec/quotas.json) in place of AWS's defaults")
      ->envname("PROFILED_QUOTAS_FILE")
      ->needs("--emulate-quotas");
  CLI::App* version = app.add_subcommand("version", "Print the version");
  profiled::TransferFlags transfer;
  CLI::App* import = app.add_subcommand(
      "import", "Load profiles, or objects of one type, from NDJSON or CSV into a domain");
  CLI::App* export_ = app.add_subcommand(
      "export", "Write a domain's profiles, or its objects of one type, as NDJSON or CSV");
  for (CLI::App* sub : {import, export_}) {
    sub->add_option("--data-dir", flags.data_dir)
        ->envname("PROFILED_DATA_DIR")
        ->capture_default_str();
    sub->add_option("--store", flags.store)->envname("PROFILED_STORE")->capture_default_str();
    sub->add_option("--account-id", flags.account_id)
        ->envname("PROFILED_ACCOUNT_ID")
        ->capture_default_str();
    sub->add_option("--domain-name", transfer.domain, "The domain (it must exist)")->required();
    sub->add_option("file", transfer.file, "The file, - for stdin/stdout")->capture_default_str();
    sub->add_option("--format", transfer.format,
                    "ndjson or csv (default: csv for a FILE ending in .csv, else ndjson)")
        ->check(CLI::IsMember({"ndjson", "csv"}));
    sub->add_option("--kind", transfer.kind, "profiles, or objects of --object-type-name")
        ->check(CLI::IsMember({"profiles", "objects"}))
        ->capture_default_str();
    sub->add_option("--object-type-name", transfer.object_type,
                    "The object type (with --kind objects)");
    sub->add_flag("--no-progress", transfer.no_progress,
                  "No progress line on a terminal (the summary line stays)");
  }
  import->add_option("--batch", transfer.batch, "Records per transaction")
      ->check(CLI::Range(size_t{1}, size_t{100000}))
      ->capture_default_str();
  import->add_flag("--resume", transfer.resume,
                   "Continue an interrupted import of FILE after its last committed batch "
                   "(FILE.profiled-progress)");

  CLI::App* snapshot = app.add_subcommand(
      "snapshot", "Save a whole store to a file, or load one into an empty store");
  snapshot->require_subcommand(1);
  std::string snapshot_file;
  CLI::App* snapshot_save =
      snapshot->add_subcommand("save", "Write the store (consistent, while a server runs) to FILE");
  CLI::App* snapshot_load =
      snapshot->add_subcommand("load", "Fill an empty data directory or database from FILE");
  for (CLI::App* sub : {snapshot_save, snapshot_load}) {
    sub->add_option("--data-dir", flags.data_dir)
        ->envname("PROFILED_DATA_DIR")
        ->capture_default_str();
    sub->add_option("--store", flags.store)->envname("PROFILED_STORE")->capture_default_str();
    sub->add_option("file", snapshot_file, "The snapshot file (zstd)")->required();
  }

  CLI11_PARSE(app, argc, argv);
  if (snapshot->parsed()) {
    return profiled::SnapshotCommand(flags, snapshot_file, snapshot_save->parsed());
  }
  if (version->parsed()) {
    std::printf("profiled %s (Customer Profiles API 2020-08-15)\n", PROFILED_VERSION);
    return 0;
  }
  if (import->parsed() || export_->parsed()) {
    return profiled::Transfer(flags, transfer, import->parsed());
  }
  return profiled::Serve(flags);
}
