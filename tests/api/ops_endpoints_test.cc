#include "api/ops_endpoints.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "api/model.h"
#include "service/common.h"
#include "service/domain_stats.h"
#include "store/sqlite/sqlite_store.h"

namespace profiled::api {
namespace {

class OpsEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ops_endpoints_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::sqlite::OpenSqliteStore({.path = (dir_ / "profiled.db").string()});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static HttpRequest Get(std::string target) {
    HttpRequest r;
    r.method = "GET";
    r.target = std::move(target);
    return r;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

HttpResponse Answer(int status, std::string operation) {
  HttpResponse r;
  r.status = status;
  r.operation = std::move(operation);
  return r;
}

TEST(OpsPaths, NoRouteOfTheModelStartsWithThem) {
  for (const auto& op : Model::Get().operations()) {
    const std::string& uri = op.request_uri;
    for (std::string_view ops_path : {"/health", "/ready", "/metrics"}) {
      EXPECT_NE(uri.rfind(ops_path, 0), 0u) << op.name << " " << uri;
    }
  }
}

TEST_F(OpsEndpointsTest, HealthAndReadyAnswerWithoutThePipeline) {
  OpsEndpoints ops(*store_, {});
  int calls = 0;
  OpsEndpoints::Next next = [&](const HttpRequest&) {
    ++calls;
    return Answer(200, "GetDomain");
  };
  EXPECT_EQ(ops.Serve(Get("/health"), next).body, "ok\n");
  HttpResponse ready = ops.Serve(Get("/ready?x=1"), next);
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");
  HttpRequest post = Get("/metrics");
  post.method = "POST";
  EXPECT_EQ(ops.Serve(post, next).status, 405);
  EXPECT_EQ(calls, 0);
  // A path that merely starts like one goes to the pipeline.
  ops.Serve(Get("/healthz"), next);
  ops.Serve(Get("/domains/d1"), next);
  EXPECT_EQ(calls, 2);
}

TEST_F(OpsEndpointsTest, MetricsCountRequestsByOperationAndStatus) {
  OpsEndpoints ops(*store_, {.metrics_on_api_listener = true, .accounts = {}, .max_domains = 10});
  int status = 200;
  OpsEndpoints::Next next = [&](const HttpRequest&) { return Answer(status, "GetDomain"); };
  ops.Serve(Get("/domains/d1"), next);
  ops.Serve(Get("/domains/d1"), next);
  status = 404;
  ops.Serve(Get("/domains/d2"), next);
  OpsEndpoints::Next unknown = [&](const HttpRequest&) { return Answer(418, "NoSuchThing"); };
  ops.Serve(Get("/x"), unknown);
  HttpResponse metrics = ops.Serve(Get("/metrics"), next);
  ASSERT_EQ(metrics.status, 200);
  const std::string& m = metrics.body;
  EXPECT_NE(m.find("profiled_requests_total{operation=\"GetDomain\",code=\"200\"} 2\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("profiled_requests_total{operation=\"GetDomain\",code=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m.find("profiled_requests_total{operation=\"-\",code=\"4xx\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("profiled_request_duration_seconds_bucket{operation=\"GetDomain\",le=\"+Inf\"} "
                   "3\n"),
            std::string::npos);
  EXPECT_NE(m.find("profiled_request_duration_seconds_count{operation=\"GetDomain\"} 3\n"),
            std::string::npos);
  EXPECT_NE(m.find("profiled_requests_in_flight 0\n"), std::string::npos);
  EXPECT_EQ(m.find("operation=\"CreateDomain\""), std::string::npos) << "never called: left out";
  EXPECT_NE(m.find("process_resident_memory_bytes "), std::string::npos);
}

TEST_F(OpsEndpointsTest, MetricsOffLeavesThePathToThePipeline) {
  OpsEndpoints ops(*store_, {.metrics_on_api_listener = false, .accounts = {}, .max_domains = 1});
  OpsEndpoints::Next next = [&](const HttpRequest&) { return Answer(404, "-"); };
  EXPECT_EQ(ops.Serve(Get("/metrics"), next).status, 404);
  EXPECT_EQ(ops.Serve(Get("/health"), next).status, 200);
  // The ops-only listener serves it, and nothing else.
  EXPECT_EQ(ops.ServeOpsOnly(Get("/metrics")).status, 200);
  EXPECT_EQ(ops.ServeOpsOnly(Get("/domains")).status, 404);
}

TEST_F(OpsEndpointsTest, StoreAndDomainFamilies) {
  ASSERT_TRUE(store_
                  ->Write([](store::Txn& txn) -> Status {
                    RETURN_IF_ERROR(txn.Put({"111", ""}, service::kDomainKind, "d1", "{}"));
                    return service::AddToDomainStats(
                        txn, {"111", "d1"}, "p1",
                        {.profiles = 3, .objects = 2, .object_bytes = 40});
                  })
                  .ok());
  OpsEndpoints ops(*store_,
                   {.metrics_on_api_listener = true, .accounts = {"111"}, .max_domains = 10});
  std::string m = ops.RenderMetrics();
  EXPECT_NE(m.find("profiled_domain_profiles{account=\"111\",domain=\"d1\"} 3\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("profiled_domain_objects{account=\"111\",domain=\"d1\"} 2\n"),
            std::string::npos);
  EXPECT_NE(m.find("profiled_store_write_transactions_total 1\n"), std::string::npos);
  EXPECT_NE(m.find("profiled_store_commit_batch_size_bucket{le=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("profiled_store_commit_batch_size_count 1\n"), std::string::npos);
  EXPECT_NE(m.find("profiled_store_data_bytes "), std::string::npos);
  EXPECT_NE(m.find("profiled_store_wal_bytes "), std::string::npos);
}

TEST(RequestMetricsLabels, Escaped) {
  std::string out;
  AppendLabelValue(out, "a\"b\\c\nd");
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace profiled::api
