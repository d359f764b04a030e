// api::Serialize, the last stage of every request: an UpdateProfile answer (one member), a
// SearchProfiles answer of one profile (what bench/run's _email and _profileId searches return),
// a page of 20, and that page with an internal member in every profile, which the serializer
// must drop. Serialize takes the output by value, so each iteration copies it first; BM_CopyOnly
// is that copy alone (for the page of 20).
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <string>

#include "api/model.h"
#include "api/serializer.h"
#include "bench_bodies.h"

namespace {

namespace json = boost::json;
using namespace profiled;

const api::Operation& Op(const char* name) { return *api::Model::Get().FindOperation(name); }

json::object Profile(int i, bool with_internal) {
  json::object p = json::parse(bench::UpdateProfileBody(i)).as_object();
  p["PartyType"] = "INDIVIDUAL";
  if (with_internal) p["_hlast"] = "0000018c1a2b3c4d00000001";
  return p;
}

json::object SearchPage(int size, bool with_internal) {
  json::array items;
  for (int i = 0; i < size; ++i) items.push_back(Profile(i, with_internal));
  return json::object{{"Items", std::move(items)}, {"NextToken", "dG9rZW4tMjA="}};
}

void BM_Serialize(benchmark::State& state, const char* op_name, json::object output) {
  const api::Operation& op = Op(op_name);
  for (auto _ : state) {
    HttpResponse r = api::Serialize(op, output, "00000000-0000-0000-0000-000000000000");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK_CAPTURE(BM_Serialize, UpdateProfile, "UpdateProfile",
                  json::object{{"ProfileId", "00000000000000000000000000000001"}});
BENCHMARK_CAPTURE(BM_Serialize, SearchProfiles1, "SearchProfiles", SearchPage(1, false));
BENCHMARK_CAPTURE(BM_Serialize, SearchProfiles20, "SearchProfiles", SearchPage(20, false));
BENCHMARK_CAPTURE(BM_Serialize, SearchProfiles20Internal, "SearchProfiles", SearchPage(20, true));

void BM_CopyOnly(benchmark::State& state) {
  json::object output = SearchPage(20, false);
  for (auto _ : state) {
    json::object copy = output;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_CopyOnly);

}  // namespace

BENCHMARK_MAIN();
