// Router::Match for the operations bench/run drives over HTTP, and a miss.
#include <benchmark/benchmark.h>

#include "api/router.h"

namespace {

using profiled::api::Router;

void BM_Route(benchmark::State& state, const char* method, const char* path, const char* query) {
  const Router& router = Router::Default();
  for (auto _ : state) {
    auto match = router.Match(method, path, query);
    benchmark::DoNotOptimize(match);
  }
}

BENCHMARK_CAPTURE(BM_Route, UpdateProfile, "PUT", "/domains/d1/profiles", "");
BENCHMARK_CAPTURE(BM_Route, SearchProfiles, "POST", "/domains/d1/profiles/search",
                  "max-results=20");
BENCHMARK_CAPTURE(BM_Route, GetDomain, "GET", "/domains/d1", "");
BENCHMARK_CAPTURE(BM_Route, PutProfileObjectType, "PUT", "/domains/d1/object-types/Orders%2Dv2",
                  "");
BENCHMARK_CAPTURE(BM_Route, Miss, "GET", "/nothing/here/at/all", "");

}  // namespace

BENCHMARK_MAIN();
