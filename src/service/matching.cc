// GetMatches (see matching.h for why the answer is always "no matches yet").
#include "service/matching.h"

#include <boost/json/array.hpp>

#include "service/common.h"

namespace profiled::service {
namespace json = boost::json;

bool MatchingEnabled(const json::object& domain) {
  const json::object* matching = GetObject(domain, "Matching");
  return matching && GetBool(*matching, "Enabled").value_or(false);
}

Status RequireMatchingEnabled(store::Txn& txn, const RequestContext& ctx, std::string_view domain) {
  ASSIGN_OR_RETURN(json::object stored, LoadDomain(txn, ctx, domain));
  if (!MatchingEnabled(stored)) {
    return Error::BadRequest("Matching is not enabled for domain " + std::string(domain) +
                             "; enable it with UpdateDomain (Matching.Enabled = true)");
  }
  return OkStatus();
}

namespace {

constexpr std::string_view kGetMatchesPurpose = "GetMatches";

Result<json::object> GetMatches(const ServiceEnv& env, const RequestContext& ctx,
                                const json::object& in) {
  std::string domain = GetStringOr(in, "DomainName", "");
  // No page is ever continued (there is never a second page), so any token is one Profiled did
  // not issue; the shared decoder says so in the usual words.
  ASSIGN_OR_RETURN(std::string cursor, CursorFromInput(in, kGetMatchesPurpose));
  (void)cursor;
  json::object out;
  RETURN_IF_ERROR(env.store->Read(
      [&](store::Txn& txn) -> Status { return RequireMatchingEnabled(txn, ctx, domain); }));
  out["Matches"] = json::array();
  out["PotentialMatches"] = 0;
  return out;
}

}  // namespace

void RegisterMatchingOperations(Registry& registry, const ServiceEnv& env) {
  registry.Register("GetMatches", [env](const RequestContext& ctx, json::object in) {
    return GetMatches(env, ctx, in);
  });
  RegisterRuleMatchOperations(registry, env);
}

}  // namespace profiled::service
