// File: service_fixture.h
// What the service tests that drive operations through the registry share: a fresh store, a
// registry holding every operation over it, and helpers that call an operation by name, create a
// profile and search profiles in domain "d".
//
// The store is SQLite (or RocksDB when PROFILED_TEST_STORE=rocksdb) in a per-test temporary
// directory, or, when PROFILED_TEST_STORE=postgres (ctest runs the binary each way, see
// tests/CMakeLists.txt), a fresh PostgreSQL database on PROFILED_TEST_PG_URL
// (tests/store/postgres_test_db.h): every test then skips if that is unset, or fails if
// PROFILED_REQUIRE_PG=1.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "service/common.h"
#include "service/domain_cache.h"
#include "service/registry.h"
#include "service/store_walk.h"
#include "store/sqlite/sqlite_store.h"
#ifdef PROFILED_WITH_POSTGRES
#include "store/postgres/postgres_store.h"
#include "store/postgres_test_db.h"
#endif
#ifdef PROFILED_WITH_ROCKSDB
#include "store/rocksdb/rocksdb_store.h"
#endif

namespace profiled::service::fixture {
namespace json = boost::json;

inline json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

// An object type for domain "d": orders with a UNIQUE OrderId, and an email that finds (or
// creates) their profile and is its EmailAddress.
inline constexpr std::string_view kEmailOrderType = R"({"DomainName": "d",
  "ObjectTypeName": "Order", "Description": "orders", "AllowProfileCreation": true,
  "Fields": {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"}
  },
  "Keys": {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
  }})";

// Whether this run is the PostgreSQL one (PROFILED_TEST_STORE=postgres).
inline bool OnPostgres() {
  const char* s = std::getenv("PROFILED_TEST_STORE");
  return s && std::string_view(s) == "postgres";
}

// Whether this run is the RocksDB one (PROFILED_TEST_STORE=rocksdb).
inline bool OnRocksdb() {
  const char* s = std::getenv("PROFILED_TEST_STORE");
  return s && std::string_view(s) == "rocksdb";
}

// On the PostgreSQL run without a server no test of the binary runs (those that need no store
// included). GoogleTest still counts them as passed, so the line below tells
// tests/skip_if_none_ran.sh to report the run to ctest as skipped.
class PostgresRunEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override {
#ifdef PROFILED_WITH_POSTGRES
    if (!OnPostgres() || !store::postgres_test::AdminUrl().empty()) return;
    if (store::postgres_test::RequirePg()) {
      FAIL() << "PROFILED_REQUIRE_PG=1 but PROFILED_TEST_PG_URL is not set";
    }
    std::printf("[ SKIP ALL ] PROFILED_TEST_PG_URL is not set; PostgreSQL service tests skipped\n");
    GTEST_SKIP() << "PROFILED_TEST_PG_URL is not set";
#endif
  }
};
inline ::testing::Environment* const kPostgresRunEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresRunEnvironment);

// Every timestamp is the same, so outputs can be compared with literals.
class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  }
};

class ServiceTest : public ::testing::Test {
 protected:
  // Opens the store and registers every operation over it. A derived SetUp calls it first, under
  // ASSERT_NO_FATAL_FAILURE, so that a store that does not open stops the test there. `clock`
  // must outlive the test (a member of the fixture); OpenStore() uses the fixed one.
  void OpenStore(const Clock& clock) {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("profiled-" + std::string(test->test_suite_name()) + "-" + std::to_string(::getpid()) +
            "-" + test->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    bool skip = false;
    if (OnPostgres()) {
      ASSERT_NO_FATAL_FAILURE(OpenPostgres(&skip));
    }
#ifdef PROFILED_WITH_ROCKSDB
    if (OnRocksdb()) {
      // As `profiled serve` opens it: the writer keeps the documents most writes read, and the
      // refs of the index values they look up.
      auto store = store::rocks::OpenRocksdbStore({.path = (dir_ / "rocksdb").string(),
                                                   .kept_kinds = KindsMostWritesRead(),
                                                   .kept_index_refs = true});
      ASSERT_TRUE(store.ok()) << store.error().message();
      store_ = std::move(store).value();
    }
#endif
    if (!store_) {
      // SQLite, or a stand-in while the test is skipped: a derived SetUp goes on after this
      // returns, and must find a working registry even though the body will not run.
      auto store = store::sqlite::OpenSqliteStore({.path = (dir_ / "s.db").string()});
      ASSERT_TRUE(store.ok()) << store.error().message();
      store_ = std::move(store).value();
    }
    env_.store = store_.get();
    env_.clock = &clock;
    // As main.cc, where one process owns the store; here every embedded store is the test's own.
    if (!OnPostgres()) env_.domains = &domain_cache_;
    RegisterAll(registry_, env_);
    ctx_ = {"123456789012", "us-east-1", "req"};
    if (skip) GTEST_SKIP() << "PROFILED_TEST_PG_URL is not set; PostgreSQL service tests skipped";
  }
  void OpenStore() { OpenStore(fixed_clock_); }

  void TearDown() override {
    store_.reset();
    pg_db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Opens store_ on a fresh PostgreSQL database, or sets *skip when none is configured.
  void OpenPostgres(bool* skip) {
#ifdef PROFILED_WITH_POSTGRES
    namespace pgt = store::postgres_test;
    if (pgt::AdminUrl().empty()) {
      ASSERT_FALSE(pgt::RequirePg()) << "PROFILED_REQUIRE_PG=1 but PROFILED_TEST_PG_URL is not set";
      *skip = true;
      return;
    }
    pg_db_ = pgt::TestDatabase::Create();
    ASSERT_NE(pg_db_, nullptr);
    store::postgres::PostgresOptions options;
    options.conninfo = pg_db_->conninfo();
    options.pool_size = 4;
    auto store = store::postgres::OpenPostgresStore(options);
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(store).value();
#else
    (void)skip;
    FAIL() << "PROFILED_TEST_STORE=postgres but this build has no PostgreSQL store";
#endif
  }

  Result<json::object> Call(std::string_view op, json::object in) {
    const Handler* h = registry_.Find(op);
    if (!h) return Error::NotImplemented(std::string(op));
    return (*h)(ctx_, std::move(in));
  }
  Result<json::object> Call(std::string_view op, std::string_view in) { return Call(op, Obj(in)); }

  // The operation's output, or an empty object and a test failure.
  json::object Ok(std::string_view op, std::string_view in) {
    auto r = Call(op, Obj(in));
    EXPECT_TRUE(r.ok()) << op << ": " << r.error().message();
    return r.ok() ? *r : json::object();
  }

  // Creates a profile in domain "d" from `members` (JSON members, without braces); its id.
  std::string Create(std::string_view members) {
    std::string in = R"({"DomainName": "d")";
    if (!members.empty()) in.append(", ").append(members);
    in.append("}");
    return std::string(Ok("CreateProfile", in).at("ProfileId").as_string());
  }

  // The ids of the profiles in domain "d" that SearchProfiles finds under key = value.
  std::set<std::string> Search(std::string_view key, std::string_view value) {
    json::object in;
    in["DomainName"] = "d";
    in["KeyName"] = key;
    in["Values"] = json::array{json::value(value)};
    auto r = Call("SearchProfiles", in);
    EXPECT_TRUE(r.ok()) << r.error().message();
    std::set<std::string> ids;
    if (!r.ok()) return ids;
    for (const auto& item : r->at("Items").as_array()) {
      ids.insert(std::string(item.at("ProfileId").as_string()));
    }
    return ids;
  }

  // The document `id` of `kind` in domain "d" as stored, parsed; an empty object when absent.
  json::object StoredDoc(std::string_view kind, std::string_view id) {
    std::optional<std::string> body;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(body, txn.Get(kDomainD, kind, id));
                      return OkStatus();
                    })
                    .ok());
    if (!body) return {};
    auto parsed = ParseStored(*body);
    EXPECT_TRUE(parsed.ok()) << kind << "/" << id;
    return parsed.ok() ? *parsed : json::object();
  }

  // The values of domain "d"'s index `name`, in order ("{value}" of each distinct value).
  std::vector<std::string> IndexValues(std::string_view name) {
    std::vector<std::string> values;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      values.clear();
                      return ForEachIndexValue(txn, kDomainD, name, "",
                                               [&](const std::string& v) -> Status {
                                                 values.push_back(v);
                                                 return OkStatus();
                                               });
                    })
                    .ok());
    return values;
  }

  static constexpr store::Scope kDomainD{"123456789012", "d"};  // ctx_'s account, domain "d"
  std::filesystem::path dir_;
  FixedClock fixed_clock_;
#ifdef PROFILED_WITH_POSTGRES
  std::unique_ptr<store::postgres_test::TestDatabase> pg_db_;  // outlives store_
#else
  std::unique_ptr<int> pg_db_;
#endif
  std::unique_ptr<store::Store> store_;
  DomainCache domain_cache_;
  ServiceEnv env_;
  Registry registry_;
  RequestContext ctx_;
};

}  // namespace profiled::service::fixture
