// File: common.h
// What every service file needs: scopes and ARNs, document (de)serialisation, the domain check,
// opaque pagination tokens, and small typed accessors over validated input documents.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

// Document kinds of the store (rows as docs/store.md describes them). Account-level kinds use
// domain "".
// account-level, id = domain name. A Write that changes or deletes one calls ForgetKeptDomains
// (service/domain_cache.h) after it.
inline constexpr std::string_view kDomainKind = "domain";
inline constexpr std::string_view kTagsKind = "tags";        // account-level, id = resource ARN
inline constexpr std::string_view kProfileKind = "profile";  // id = ProfileId
// History records of store v1: id = "{ProfileId}/{record id}" (still read; history.h has the
// current layout).
inline constexpr std::string_view kHistoryKind = "history";
// Search-key index rows: name = kKeyIndexPrefix + KeyName, value = key value, ref = ProfileId.
inline constexpr std::string_view kKeyIndexPrefix = "key/";
inline std::string KeyIndexName(std::string_view key_name) {
  return std::string(kKeyIndexPrefix).append(key_name);
}

// The scope of process-wide documents (registries, work queues): no account, no domain.
inline constexpr store::Scope kSystemScope{"", ""};
inline store::Scope AccountScope(const RequestContext& ctx) { return {ctx.account_id, ""}; }
inline store::Scope DomainScope(const RequestContext& ctx, std::string_view domain) {
  return {ctx.account_id, domain};
}

// A registry Handler that calls `fn(env, ctx, input)`: how a service file registers its
// operations, e.g. registry.Register("PutProfileObject", WithEnv(env, PutProfileObject)).
template <typename Fn>
Handler WithEnv(const ServiceEnv& env, Fn fn) {
  return [env, fn](const RequestContext& ctx, boost::json::object in) { return fn(env, ctx, in); };
}

// arn:aws:profile:{region}:{account}:{resource}, e.g. resource "domains/d1".
std::string Arn(const RequestContext& ctx, std::string_view resource);
inline std::string DomainArn(const RequestContext& ctx, std::string_view domain) {
  return Arn(ctx, std::string("domains/").append(domain));
}

// Parses a stored document; a corrupt one is kInternal (it never came from a client).
Result<boost::json::object> ParseStored(std::string_view body);
std::string Serialize(const boost::json::object& doc);

// ResourceNotFound naming the domain: the one wording for a missing (or another account's)
// domain.
Error DomainNotFound(std::string_view domain_name);

// Loads the domain document or returns ResourceNotFound naming it. Use inside every operation on
// a domain's contents, in the same transaction as the work, so that a concurrent DeleteDomain
// cannot leave orphans.
Result<boost::json::object> LoadDomain(store::Txn& txn, const RequestContext& ctx,
                                       std::string_view domain_name);
Status RequireDomain(store::Txn& txn, const RequestContext& ctx, std::string_view domain_name);

// Opaque, tamper-evident pagination tokens around a keyset cursor (the last key returned).
// `purpose` binds a token to one listing, so a token of ListDomains is refused by another list.
std::string EncodeToken(std::string_view purpose, std::string_view cursor);
// Returns the cursor, or BadRequest ("The NextToken is invalid") on any tampering.
Result<std::string> DecodeToken(std::string_view purpose, std::string_view token);
// The cursor named by input.NextToken, or "" when absent.
Result<std::string> CursorFromInput(const boost::json::object& input, std::string_view purpose,
                                    std::string_view token_member = "NextToken");

// Typed reads of validated input. Absent members give nullopt / the default.
std::optional<std::string_view> GetString(const boost::json::object& o, std::string_view key);
std::string GetStringOr(const boost::json::object& o, std::string_view key,
                        std::string_view fallback);
std::optional<int64_t> GetInt(const boost::json::object& o, std::string_view key);
std::optional<bool> GetBool(const boost::json::object& o, std::string_view key);
const boost::json::object* GetObject(const boost::json::object& o, std::string_view key);
const boost::json::array* GetArray(const boost::json::object& o, std::string_view key);
// The strings of an array member (other elements skipped); empty when absent.
std::vector<std::string> GetStringList(const boost::json::object& o, std::string_view key);
// A number member as a double, `fallback` when absent or not a number.
double GetNumberOr(const boost::json::object& o, std::string_view key, double fallback);
// input.MaxResults (or `member`) clamped to [1, max], `fallback` when absent.
size_t PageSize(const boost::json::object& input, size_t fallback, size_t max,
                std::string_view member = "MaxResults");

}  // namespace profiled::service
