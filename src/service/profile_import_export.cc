#include "service/profile_import_export.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "common/ids.h"
#include "service/common.h"
#include "service/history.h"
#include "service/profile_patch.h"
#include "service/profile_store.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

Status ImportBatch(store::Store& store, const Clock& clock, const ImportOptions& options,
                   const std::vector<json::object>& batch, ImportStats& stats) {
  RequestContext ctx{options.account_id, "", ""};
  int64_t replaced = 0;
  RETURN_IF_ERROR(store.Write([&](store::Txn& txn) -> Status {
    replaced = 0;  // the function may run again on kConflict
    RETURN_IF_ERROR(RequireDomain(txn, ctx, options.domain));
    store::Scope scope = DomainScope(ctx, options.domain);
    double now = clock.NowEpochSeconds();
    for (const json::object& profile : batch) {
      std::string id = GetStringOr(profile, "ProfileId", "");
      ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kProfileKind, id));
      json::object after = profile;
      if (body) {
        ASSIGN_OR_RETURN(json::object before, ParseStored(*body));
        // Keep the internal members (history counter, custom keys, ingestion records).
        for (const auto& member : before) {
          if (!member.key().empty() && member.key()[0] == kInternalMemberPrefix) {
            after[member.key()] = member.value();
          }
        }
        RETURN_IF_ERROR(
            AppendHistory(txn, scope, ctx, after, "UPDATED", Serialize(PublicProfile(after)), now));
        RETURN_IF_ERROR(SaveProfile(txn, scope, &before, after));
        ++replaced;
      } else {
        RETURN_IF_ERROR(
            AppendHistory(txn, scope, ctx, after, "CREATED", Serialize(PublicProfile(after)), now));
        RETURN_IF_ERROR(SaveProfile(txn, scope, nullptr, after));
      }
    }
    return OkStatus();
  }));
  stats.imported += static_cast<int64_t>(batch.size());
  stats.replaced += replaced;
  return OkStatus();
}

}  // namespace

Result<ImportStats> ImportProfiles(store::Store& store, const Clock& clock,
                                   const ImportOptions& options, std::istream& in) {
  ImportStats stats;
  std::vector<json::object> batch;
  batch.reserve(options.batch);
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto where = [&] { return "line " + std::to_string(line_number) + ": "; };
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) return Error::BadRequest(where() + "not a JSON object");
    json::object& given = v.as_object();
    std::string id = GetStringOr(given, "ProfileId", "");
    if (id.empty()) id = NewProfileId();
    // The public shape only: internal members are the server's, never imported.
    for (auto it = given.begin(); it != given.end();) {
      if (!it->key().empty() && it->key()[0] == kInternalMemberPrefix) {
        it = given.erase(it);
      } else {
        ++it;
      }
    }
    given.erase("ProfileId");
    auto profile = NewProfileFromCreate(given, id);
    if (!profile.ok()) return Error::BadRequest(where() + profile.error().message());
    batch.push_back(std::move(*profile));
    if (batch.size() >= options.batch) {
      RETURN_IF_ERROR(ImportBatch(store, clock, options, batch, stats));
      batch.clear();
    }
  }
  if (!batch.empty()) RETURN_IF_ERROR(ImportBatch(store, clock, options, batch, stats));
  return stats;
}

Result<int64_t> ExportProfiles(store::Store& store, std::string_view account_id,
                               std::string_view domain, std::ostream& out) {
  RequestContext ctx{std::string(account_id), "", ""};
  int64_t count = 0;
  std::string after;
  constexpr size_t kPage = 1000;
  // One read transaction per page: a long export does not pin one snapshot (and the WAL) for
  // its whole length; keyset paging neither repeats nor skips a profile that stays.
  for (;;) {
    std::vector<store::Document> page;
    RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
      RETURN_IF_ERROR(RequireDomain(txn, ctx, domain));
      ASSIGN_OR_RETURN(page, txn.Scan(DomainScope(ctx, domain), kProfileKind, "", after, kPage));
      return OkStatus();
    }));
    for (const store::Document& doc : page) {
      ASSIGN_OR_RETURN(json::object stored, ParseStored(doc.body));
      out << json::serialize(PublicProfile(stored)) << '\n';
      ++count;
    }
    if (page.size() < kPage) break;
    after = page.back().id;
  }
  out.flush();
  if (!out) return Error::Internal("export: write failed");
  return count;
}

}  // namespace profiled::service
