// The write operations below HTTP: UpdateProfile, CreateProfile and PutProfileObject called
// through the service registry (the very handlers the server runs, so every read, document,
// index row, history record and counter shard they write follows the code as the layout and the
// schema change) against the embedded store (OpenSqliteStore in a temporary directory), from 1,
// 16 and 64 threads so that the store's group commit batches them as it does under load.
//
// Each benchmark reports, besides the wall time per operation (all threads together):
//   writes_per_s  operations committed per second, all threads together;
//   KB_per_op     bytes the process caused to be written to disk (/proc/self/io write_bytes: WAL,
//                 checkpoints, everything) per operation, in KiB.
// The data set: N profiles made by CreateProfile (ids assigned by the service, as users get
// them), domain d1 with an Order object type whose PROFILE key is the customer's email.
// N = 10,000 by default; --profiles=10000,1000000 adds a data set per size (1M takes minutes to
// create). Each size has its own store, created on first use and deleted at exit.
//
//   store_bench [--profiles=N[,N...]] [Google Benchmark flags, e.g. --benchmark_filter=Update]
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "service/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace {

namespace json = boost::json;
using namespace profiled;

constexpr const char* kNames[][2] = {
    {"Alice", "Smith"},   {"Bob", "Garcia"},    {"Carmen", "Nguyen"}, {"Dmitri", "Okafor"},
    {"Emeka", "Ivanova"}, {"Fatima", "Tanaka"}, {"Guo", "Kumar"},     {"Hana", "Silva"}};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Email(int64_t i) {
  return Lower(kNames[i % 8][0]) + "." + Lower(kNames[i % 8][1]) + std::to_string(i) +
         "@example.com";
}

// Profile i as bench/gen_profiles.py and bench/ops.lua make it; `loaded` selects the attribute
// values of the load (the updates carry others, so a first update moves attribute index rows).
json::object ProfileInput(int64_t i, bool loaded) {
  char buf[1024];
  std::snprintf(
      buf, sizeof buf,
      R"({"DomainName":"d1","FirstName":"%s","LastName":"%s","EmailAddress":"%s",)"
      R"("PhoneNumber":"+1206555%04lld","Address":{"Address1":"%lld Any Street","City":"Seattle",)"
      R"("PostalCode":"%05lld","Country":"US"},"Attributes":{"loyaltyTier":"gold",)"
      R"("preferredChannel":"%s","signupSource":"%s","lastPurchaseSku":"SKU-%06lld",)"
      R"("segment":"s%lld"}})",
      kNames[i % 8][0], kNames[i % 8][1], Email(i).c_str(), static_cast<long long>(i % 10000),
      static_cast<long long>(i), static_cast<long long>(i % 100000), loaded ? "sms" : "email",
      loaded ? "store" : "web", static_cast<long long>(loaded ? 0 : i * 7 % 1000000),
      static_cast<long long>(i % 10));
  return json::parse(buf).as_object();
}

int64_t WriteBytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value) {
    if (key == "write_bytes:") return value;
  }
  return -1;
}

// One data set: a store, the registry over it, and the ids of its N profiles.
class World {
 public:
  explicit World(int64_t n) : n_(n) {
    dir_ = std::filesystem::temp_directory_path() /
           ("profiled-store-bench-" + std::to_string(::getpid()) + "-" + std::to_string(n));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::sqlite::OpenSqliteStore({.path = (dir_ / "profiled.db").string()});
    if (!store.ok()) Die("open: " + store.error().message());
    store_ = std::move(store).value();
    env_.store = store_.get();
    env_.clock = &clock_;
    service::RegisterAll(registry_, env_);
    Must("CreateDomain", json::parse(R"({"DomainName":"d1","DefaultExpirationDays":366})"));
    Must("PutProfileObjectType", json::parse(R"({"DomainName":"d1","ObjectTypeName":"Order",
      "Description":"orders","AllowProfileCreation":false,
      "Fields":{"OrderId":{"Source":"_source.OrderId","ContentType":"STRING"},
        "email":{"Source":"_source.email","Target":"_profile.EmailAddress",
                 "ContentType":"EMAIL_ADDRESS"},
        "total":{"Source":"_source.total","ContentType":"NUMBER"}},
      "Keys":{"OrderId":[{"StandardIdentifiers":["UNIQUE"],"FieldNames":["OrderId"]}],
        "_email":[{"StandardIdentifiers":["PROFILE"],"FieldNames":["email"]}]}})"));
    // Created by 16 threads so that group commit batches the load as it does the server's.
    ids_.resize(n);
    std::atomic<int64_t> next{0};
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&] {
        for (int64_t k; (k = next.fetch_add(1)) < n;) {
          json::object out = Must("CreateProfile", ProfileInput(k + 1, true));
          ids_[k] = std::string(out.at("ProfileId").as_string());
        }
      });
    }
    for (auto& t : threads) t.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "store_bench: %lld profiles created through CreateProfile in %.1f s\n",
                 static_cast<long long>(n), s);
  }
  ~World() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  json::object Must(std::string_view op, json::value in) {
    auto r = (*registry_.Find(op))(ctx_, std::move(in).as_object());
    if (!r.ok()) Die(std::string(op) + ": " + r.error().message());
    return std::move(r).value();
  }
  Status Call(std::string_view op, json::object in) {
    auto r = (*registry_.Find(op))(ctx_, std::move(in));
    return r.ok() ? Status() : Status(r.error());
  }

  int64_t n() const { return n_; }
  const std::string& id(int64_t i) const { return ids_[i - 1]; }  // profile i, 1-based

 private:
  [[noreturn]] static void Die(const std::string& what) {
    std::fprintf(stderr, "store_bench: %s\n", what.c_str());
    std::exit(1);
  }

  int64_t n_;
  std::filesystem::path dir_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  service::ServiceEnv env_;
  service::Registry registry_;
  service::RequestContext ctx_{"123456789012", "us-east-1", "store-bench"};
  std::vector<std::string> ids_;
};

std::mutex worlds_mu;
std::map<int64_t, std::unique_ptr<World>> worlds;

World& GetWorld(int64_t n) {
  std::lock_guard lock(worlds_mu);
  auto& w = worlds[n];
  if (!w) w = std::make_unique<World>(n);
  return *w;
}

std::atomic<int64_t> ops_done{0};
std::atomic<int64_t> sequence{0};  // new customers and order keys, unique over the process

enum class Op { kUpdate, kCreate, kPutObject };

void BM_Write(benchmark::State& state, Op op) {
  World& world = GetWorld(state.range(0));
  std::mt19937_64 rng(state.thread_index() * 7919 + 1);
  std::uniform_int_distribution<int64_t> pick(1, world.n());
  int64_t bytes0 = 0;
  std::chrono::steady_clock::time_point t0;
  if (state.thread_index() == 0) {
    ops_done = 0;
    bytes0 = WriteBytes();
    t0 = std::chrono::steady_clock::now();
  }
  int64_t failures = 0;
  std::string first_failure;
  for (auto _ : state) {
    int64_t i = pick(rng);
    Status s;
    switch (op) {
      case Op::kUpdate: {
        json::object in = ProfileInput(i, false);
        in["ProfileId"] = world.id(i);
        s = world.Call("UpdateProfile", std::move(in));
        break;
      }
      case Op::kCreate:
        s = world.Call("CreateProfile", ProfileInput(100000000000 + sequence.fetch_add(1), false));
        break;
      case Op::kPutObject: {
        int64_t k = sequence.fetch_add(1);
        json::object order{{"OrderId", "o-bench-" + std::to_string(k)},
                           {"email", Email(i)},
                           {"total", std::to_string(k % 500) + ".99"},
                           {"status", "SHIPPED"}};
        json::object in{
            {"DomainName", "d1"}, {"ObjectTypeName", "Order"}, {"Object", json::serialize(order)}};
        s = world.Call("PutProfileObject", std::move(in));
        break;
      }
    }
    if (!s.ok() && failures++ == 0) first_failure = s.error().message();
    ops_done.fetch_add(1, std::memory_order_relaxed);
  }
  if (failures) state.SkipWithError(("failed: " + first_failure).c_str());
  if (state.thread_index() == 0) {
    // The loop's end is a barrier: every thread's operations are done and counted.
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int64_t ops = ops_done.load();
    int64_t bytes = WriteBytes() - bytes0;
    state.counters["writes_per_s"] = static_cast<double>(ops) / secs;
    state.counters["KB_per_op"] = ops ? static_cast<double>(bytes) / ops / 1024.0 : 0.0;
  }
}

std::vector<int64_t> ParseSizes(int* argc, char** argv) {
  std::vector<int64_t> sizes;
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--profiles=", 0) == 0) {
      std::string list = a.substr(11);
      for (size_t p = 0; p < list.size();) {
        size_t q = list.find(',', p);
        if (q == std::string::npos) q = list.size();
        sizes.push_back(std::stoll(list.substr(p, q - p)));
        p = q + 1;
      }
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  if (sizes.empty()) sizes.push_back(10000);
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes = ParseSizes(&argc, argv);
  for (int64_t n : sizes) {
    for (auto [name, op] :
         {std::pair{"UpdateProfile", Op::kUpdate}, std::pair{"CreateProfile", Op::kCreate},
          std::pair{"PutProfileObject", Op::kPutObject}}) {
      benchmark::RegisterBenchmark((std::string("BM_") + name).c_str(), BM_Write, op)
          ->Arg(n)
          ->Threads(1)
          ->Threads(16)
          ->Threads(64)
          ->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  worlds.clear();
  return 0;
}
