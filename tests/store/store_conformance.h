// File: store_conformance.h
// The one test suite every Store backend must pass (TEST_P in store_conformance_test.cc). A
// backend joins by instantiating it with a factory, in its own *_test.cc under tests/store/:
//
//   #include "store/store_conformance.h"
//   namespace profiled::store::conformance {
//   INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
//                            ::testing::Values(StoreFactory{"postgres", &MakePostgresHarness}),
//                            StoreFactoryName);
//   }
//
// where MakePostgresHarness returns a new StoreHarness over an empty database (or nullptr when
// the backend is not available here, which skips the tests).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/store.h"

namespace profiled::store::conformance {

// One empty storage location (a file, a database or schema) that can be opened more than once,
// so that the suite can check that a committed write survives closing and reopening.
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  // Opens a Store on this location. The first Open sees it empty. The suite destroys one Store
  // before opening the next.
  virtual Result<std::unique_ptr<Store>> Open() = 0;
};

struct StoreFactory {
  std::string name;  // the test-name suffix: letters, digits and '_'
  // A harness over a new, empty location for each test. nullptr skips the test (the backend is
  // not configured here); to fail instead (CI), return a harness whose Open() returns the error.
  std::function<std::unique_ptr<StoreHarness>()> make;
};

// Test names and failure messages show the factory's name, not its bytes.
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info);

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Closes the store and opens it again on the same location.
  void Reopen();

  Store& store() { return *store_; }

  std::unique_ptr<StoreHarness> harness_;
  std::unique_ptr<Store> store_;
};

}  // namespace profiled::store::conformance
