// The shared store conformance suite on PostgreSQL: every test gets a fresh database
// (CREATE DATABASE profiled_test_<random> on PROFILED_TEST_PG_URL), dropped afterwards.
#ifdef PROFILED_WITH_POSTGRES

#include <memory>
#include <string>

#include "store/postgres/postgres_store.h"
#include "store/postgres_test_db.h"
#include "store/store_conformance.h"

namespace profiled::store::postgres {
namespace {

class PostgresHarness : public conformance::StoreHarness {
 public:
  explicit PostgresHarness(std::unique_ptr<postgres_test::TestDatabase> db) : db_(std::move(db)) {}

  Result<std::unique_ptr<Store>> Open() override {
    if (!db_) {
      return Error::Unavailable(
          "PROFILED_REQUIRE_PG=1 but no test database: set PROFILED_TEST_PG_URL to a server "
          "where CREATE DATABASE is allowed");
    }
    PostgresOptions options;
    options.conninfo = db_->conninfo();
    options.pool_size = 8;
    return OpenPostgresStore(options);
  }

 private:
  std::unique_ptr<postgres_test::TestDatabase> db_;
};

std::unique_ptr<conformance::StoreHarness> MakePostgresHarness() {
  if (postgres_test::AdminUrl().empty()) {
    // Skip where PostgreSQL is not configured, but never in CI, which requires it.
    if (!postgres_test::RequirePg()) return nullptr;
    return std::make_unique<PostgresHarness>(nullptr);
  }
  auto db = postgres_test::TestDatabase::Create();
  return std::make_unique<PostgresHarness>(std::move(db));
}

}  // namespace
}  // namespace profiled::store::postgres

namespace profiled::store::conformance {

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(StoreFactory{"postgres",
                                                        &postgres::MakePostgresHarness}),
                         StoreFactoryName);

}  // namespace profiled::store::conformance

#endif  // PROFILED_WITH_POSTGRES
