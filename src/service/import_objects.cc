#include "service/import_objects.h"

#include <vector>

#include "service/common.h"
#include "service/profile_object.h"
#include "service/rule_match_index.h"

namespace profiled::service {
namespace json = boost::json;

namespace {

struct PendingObject {
  std::string where;  // "line 12"
  std::string text;
  json::object object;
};

Status PutBatch(store::Store& store, const Clock& clock, const ObjectImportOptions& options,
                const std::vector<PendingObject>& batch, const SourcePosition& end) {
  RequestContext ctx{options.account_id, "", ""};
  DomainMatching matching;
  RETURN_IF_ERROR(store.Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(matching, LoadDomainMatching(txn, ctx, options.domain));
    double now = clock.NowEpochSeconds();
    for (const PendingObject& o : batch) {
      auto put = PutProfileObjectInTxn(txn, ctx, options.domain, options.object_type, o.text,
                                       o.object, now, matching);
      if (!put.ok()) return Error(put.error().code(), o.where + ": " + put.error().message());
    }
    return options.in_batch ? options.in_batch(txn, end) : OkStatus();
  }));
  RunAutoMerges(ServiceEnv{&store, &clock}, ctx, options.domain, matching);
  return OkStatus();
}

}  // namespace

Result<int64_t> ImportObjects(store::Store& store, const Clock& clock,
                              const ObjectImportOptions& options, RecordSource& source) {
  RequestContext ctx{options.account_id, "", ""};
  RETURN_IF_ERROR(
      store.Read([&](store::Txn& txn) { return RequireDomain(txn, ctx, options.domain); }));
  int64_t imported = 0;
  std::vector<PendingObject> batch;
  auto flush = [&]() -> Status {
    if (batch.empty()) return OkStatus();
    SourcePosition end = source.position();
    RETURN_IF_ERROR(PutBatch(store, clock, options, batch, end));
    imported += static_cast<int64_t>(batch.size());
    batch.clear();
    if (options.committed) options.committed(end, imported);
    return OkStatus();
  };
  for (;;) {
    ASSIGN_OR_RETURN(auto record, source.Next());
    if (!record) break;
    std::string text = source.Raw().empty() ? Serialize(*record) : std::string(source.Raw());
    // PutProfileObject's own check of the Object (its size), on the text it would be sent.
    auto parsed = ParseProfileObject(text);
    if (!parsed.ok()) return Error::BadRequest(source.Where() + ": " + parsed.error().message());
    batch.push_back({source.Where(), std::move(text), std::move(*record)});
    if (batch.size() >= options.batch) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(flush());
  return imported;
}

}  // namespace profiled::service
