// The CPU path of UpdateProfile outside HTTP and the store: bind + validate the request body
// (api/binder.h, api/validator.h), apply the patch (service/profile_patch.h) and derive the
// search keys of the result (service/search_keys.h), each alone and end to end.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>

#include "api/binder.h"
#include "api/router.h"
#include "api/validator.h"
#include "bench_bodies.h"
#include "common/http_types.h"
#include "service/profile_patch.h"
#include "service/search_keys.h"

namespace {

namespace json = boost::json;
using namespace profiled;

HttpRequest UpdateRequest(int i) {
  HttpRequest request;
  request.method = "PUT";
  request.target = "/domains/d1/profiles";
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = bench::UpdateProfileBody(i);
  return request;
}

// A stored profile as CreateProfile leaves it, with the internal members a real one carries.
json::object StoredProfile() {
  json::object p = json::parse(bench::UpdateProfileBody(1)).as_object();
  p.erase("ProfileId");
  p["ProfileId"] = "00000000000000000000000000000001";
  p["FirstName"] = "Ada";
  p["PartyType"] = "INDIVIDUAL";
  p["_hlast"] = "0000018c1a2b3c4d00000001";
  return p;
}

void BM_Bind(benchmark::State& state) {
  HttpRequest request = UpdateRequest(7);
  auto route = api::Router::Default().Match("PUT", "/domains/d1/profiles", "");
  for (auto _ : state) {
    auto input = api::Bind(*route->operation, *route, "", request);
    benchmark::DoNotOptimize(input);
  }
  state.SetBytesProcessed(state.iterations() * request.body.size());
}
BENCHMARK(BM_Bind);

void BM_Validate(benchmark::State& state) {
  HttpRequest request = UpdateRequest(7);
  auto route = api::Router::Default().Match("PUT", "/domains/d1/profiles", "");
  json::object input = *api::Bind(*route->operation, *route, "", request);
  for (auto _ : state) {
    Status s = api::Validate(*route->operation->input, input);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Validate);

void BM_RouteBindValidate(benchmark::State& state) {
  HttpRequest request = UpdateRequest(7);
  for (auto _ : state) {
    auto route = api::Router::Default().Match("PUT", "/domains/d1/profiles", "");
    auto input = api::Bind(*route->operation, *route, "", request);
    Status s = api::Validate(*route->operation->input, *input);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_RouteBindValidate);

void BM_ApplyProfileUpdate(benchmark::State& state) {
  json::object stored = StoredProfile();
  HttpRequest request = UpdateRequest(9);
  auto route = api::Router::Default().Match("PUT", "/domains/d1/profiles", "");
  json::object update = *api::Bind(*route->operation, *route, "", request);
  for (auto _ : state) {
    json::object after = service::ApplyProfileUpdate(stored, update);
    benchmark::DoNotOptimize(after);
  }
}
BENCHMARK(BM_ApplyProfileUpdate);

void BM_DeriveSearchKeys(benchmark::State& state) {
  json::object stored = StoredProfile();
  stored["PersonalEmailAddress"] = "ada@home.example";
  stored["MobilePhoneNumber"] = "+447700900123";
  json::object keys;
  keys["OrderId"] = json::array{"o-1", "o-2", "o-3"};
  stored[service::kCustomKeysMember] = std::move(keys);
  for (auto _ : state) {
    auto rows = service::DeriveSearchKeys(stored);
    benchmark::DoNotOptimize(rows);
  }
}
BENCHMARK(BM_DeriveSearchKeys);

// What UpdateProfile does on the CPU besides the store: parse the stored document, patch,
// derive keys before and after and diff them, serialize the result.
void BM_UpdateProfileCpuPath(benchmark::State& state) {
  std::string stored_text = json::serialize(StoredProfile());
  HttpRequest request = UpdateRequest(9);
  for (auto _ : state) {
    auto route = api::Router::Default().Match("PUT", "/domains/d1/profiles", "");
    auto input = api::Bind(*route->operation, *route, "", request);
    Status s = api::Validate(*route->operation->input, *input);
    json::object before = json::parse(stored_text).as_object();
    json::object after = service::ApplyProfileUpdate(before, *input);
    auto diff =
        service::DiffRows(service::DeriveSearchKeys(before), service::DeriveSearchKeys(after));
    std::string out = json::serialize(after);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(diff);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_UpdateProfileCpuPath);

}  // namespace

BENCHMARK_MAIN();
