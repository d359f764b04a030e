#include "service/profile_import_export.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "service/attribute_index.h"
#include "service/common.h"
#include "service/export_records.h"
#include "service/import_ndjson.h"
#include "service/profile_batch.h"
#include "service/profile_patch.h"
#include "service/rule_match_index.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

using ImportItem = ProfileBatchItem;

// The ProfileIds the lines gave so far, as 64-bit hashes in an open-addressing table (at most 16
// bytes per id): a hash seen again (the same id again, or once in 2^63 another) means "look it
// up", which stays exact, so the set needs no ids.
class SeenIds {
 public:
  // True if `id` was not seen before.
  bool Insert(std::string_view id) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    return Place(std::hash<std::string_view>()(id) | 1);  // 0 marks an empty slot
  }

 private:
  bool Place(uint64_t hash) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      if (slots_[i] == hash) return false;
      if (slots_[i] == 0) {
        slots_[i] = hash;
        ++size_;
        return true;
      }
    }
  }

  void Grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(std::max<size_t>(1024, 2 * old.size()), 0);
    size_ = 0;
    for (uint64_t hash : old) {
      if (hash != 0) Place(hash);
    }
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

// True if nothing else writes while the import runs and the domain has no profile yet.
Result<bool> StartsEmpty(store::Store& store, const ImportOptions& options) {
  if (!options.sole_writer) return false;
  bool empty = false;
  RequestContext ctx{options.account_id, "", ""};
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto docs,
                     txn.Scan(DomainScope(ctx, options.domain), kProfileKind, "", "", 1));
    empty = docs.empty();
    return OkStatus();
  }));
  return empty;
}

// One line, prepared as a new profile before its batch's transaction (see ImportBatch); an
// existing ProfileId is replaced as UpdateProfile with every member given would.
// `new_id`: no stored profile can have the ProfileId (NewProfileId's, or see SeenIds).
Result<ImportItem> PrepareItem(const RequestContext& ctx, json::object profile, double now,
                               bool new_id, bool attribute_rows) {
  ImportItem item;
  item.match = new_id ? ProfileBatchItem::Match::kNone : ProfileBatchItem::Match::kProfileId;
  item.change = ProfileBatchItem::Change::kReplace;
  ASSIGN_OR_RETURN(item.create, PrepareCreate(ctx, std::move(profile), now, 0, attribute_rows));
  return item;
}

// One transaction: a new profile costs only its writes (everything else was prepared), and the
// domain's stats are changed once per shard for the whole batch.
Status ImportBatch(store::Store& store, const Clock& clock, const ImportOptions& options,
                   const std::vector<ImportItem>& batch, const SourcePosition& end,
                   int64_t* replaced) {
  RequestContext ctx{options.account_id, "", ""};
  DomainMatching matching;
  Status written = store.Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(matching, LoadDomainMatching(txn, ctx, options.domain));
    ProfileBatchCounts counts;
    RETURN_IF_ERROR(WriteProfileBatch(txn, DomainScope(ctx, options.domain), ctx, batch, matching,
                                      clock.NowEpochSeconds(), &counts));
    *replaced = counts.updated;
    return options.in_batch ? options.in_batch(txn, end) : OkStatus();
  });
  if (written.ok()) RunAutoMerges(ServiceEnv{&store, &clock}, ctx, options.domain, matching);
  return written;
}

// Writes batches on a thread of its own, one at a time and in order, so that the next batch is
// parsed and prepared while the store writes this one.
class BatchWriter {
 public:
  BatchWriter(store::Store& store, const Clock& clock, const ImportOptions& options,
              ImportStats& stats)
      : store_(store), clock_(clock), options_(options), stats_(stats) {}
  ~BatchWriter() { (void)Wait(); }

  // Waits for the batch in flight, then starts writing `batch`, whose last record ends at `end`.
  Status Submit(std::vector<ImportItem> batch, SourcePosition end) {
    RETURN_IF_ERROR(Wait());
    inflight_ = std::move(batch);
    pending_ = std::async(std::launch::async, [this, end] {
      int64_t replaced = 0;
      Status s = ImportBatch(store_, clock_, options_, inflight_, end, &replaced);
      if (s.ok()) {
        stats_.imported += static_cast<int64_t>(inflight_.size());
        stats_.replaced += replaced;
        if (options_.committed) options_.committed(end, stats_);
      }
      return s;
    });
    return OkStatus();
  }

  Status Wait() {
    if (!pending_.valid()) return OkStatus();
    return pending_.get();
  }

 private:
  store::Store& store_;
  const Clock& clock_;
  const ImportOptions& options_;
  ImportStats& stats_;
  std::vector<ImportItem> inflight_;
  std::future<Status> pending_;
};

}  // namespace

Result<ImportStats> ImportProfiles(store::Store& store, const Clock& clock,
                                   const ImportOptions& options, RecordSource& source) {
  ImportStats stats;
  RequestContext ctx{options.account_id, "", ""};
  ASSIGN_OR_RETURN(const bool starts_empty, StartsEmpty(store, options));
  SeenIds seen;
  BatchWriter writer(store, clock, options, stats);
  std::vector<ImportItem> batch;
  batch.reserve(options.batch);
  // PrepareCreate's hint, read again for every batch.
  bool attribute_rows = AttributeRowsLikelyKept(store, ctx, options.domain);
  for (;;) {
    auto next = source.Next();
    if (!next.ok()) {
      RETURN_IF_ERROR(writer.Wait());
      return next.error();
    }
    if (!*next) break;
    json::object& given = **next;
    std::string id = GetStringOr(given, "ProfileId", "");
    const bool made_id = id.empty();
    if (made_id) id = NewProfileId();
    const bool new_id = made_id || (starts_empty && seen.Insert(id));
    // The public shape only: internal members are the server's, never imported.
    for (auto it = given.begin(); it != given.end();) {
      if (IsInternalMember(it->key())) {
        it = given.erase(it);
      } else {
        ++it;
      }
    }
    given.erase("ProfileId");
    auto profile = NewProfileFromCreate(given, id);
    if (!profile.ok()) {
      RETURN_IF_ERROR(writer.Wait());
      return Error::BadRequest(source.Where() + ": " + profile.error().message());
    }
    ASSIGN_OR_RETURN(ImportItem item, PrepareItem(ctx, std::move(*profile), clock.NowEpochSeconds(),
                                                  new_id, attribute_rows));
    batch.push_back(std::move(item));
    if (batch.size() >= options.batch) {
      RETURN_IF_ERROR(writer.Submit(std::move(batch), source.position()));
      batch = {};
      batch.reserve(options.batch);
      attribute_rows = AttributeRowsLikelyKept(store, ctx, options.domain);
    }
  }
  if (!batch.empty()) RETURN_IF_ERROR(writer.Submit(std::move(batch), source.position()));
  RETURN_IF_ERROR(writer.Wait());
  return stats;
}

Result<ImportStats> ImportProfiles(store::Store& store, const Clock& clock,
                                   const ImportOptions& options, std::istream& in) {
  NdjsonSource source(in);
  return ImportProfiles(store, clock, options, source);
}

Result<int64_t> ExportProfiles(store::Store& store, std::string_view account_id,
                               std::string_view domain, std::ostream& out) {
  ExportOptions options;
  options.account_id = std::string(account_id);
  options.domain = std::string(domain);
  ASSIGN_OR_RETURN(ExportStats stats, ExportRecords(store, options, out));
  return stats.records;
}

}  // namespace profiled::service
