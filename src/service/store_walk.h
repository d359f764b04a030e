// File: store_walk.h
// Walking every ref of an index entry, every value of an index, or every document of a kind, a
// batch per store call: the loop that listings, deletions and computations over a profile's (or
// a type's) objects share.
//
//   RETURN_IF_ERROR(ForEachIndexRef(txn, scope, index, profile_id, "",
//                                   [&](const std::string& ref) -> Status { ... }));
//
// A visitor returns Status (the walk goes on) or Result<WalkStep> (kStop ends it early, without
// error); an error ends the walk and is what the walk returns. The walks take the store's own
// locks only (store.h: Scan and IndexLookup take none).
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace profiled::service {

// Rows per store call: enough to amortise a call, few enough that a walk never holds much.
inline constexpr size_t kWalkBatch = 500;

enum class WalkStep { kNext, kStop };

namespace walk_internal {

// The visitor's verdict as a Result<WalkStep>, whichever of the two forms it returns.
template <typename Visit, typename Row>
Result<WalkStep> Step(Visit& visit, const Row& row) {
  if constexpr (std::is_same_v<std::invoke_result_t<Visit&, const Row&>, Status>) {
    RETURN_IF_ERROR(visit(row));
    return WalkStep::kNext;
  } else {
    return visit(row);
  }
}

// The loop every walk is: `fetch(cursor)` returns up to `batch` rows after the cursor, each is
// visited, and the next batch starts after `next_cursor(last row)`; a short batch is the last.
template <typename Row, typename Fetch, typename NextCursor, typename Visit>
Status Batches(std::string_view after, size_t batch, Fetch&& fetch, NextCursor&& next_cursor,
               Visit& visit) {
  std::string cursor(after);
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Row> rows, fetch(cursor));
    for (const Row& row : rows) {
      ASSIGN_OR_RETURN(WalkStep step, Step(visit, row));
      if (step == WalkStep::kStop) return OkStatus();
    }
    if (rows.size() < batch) return OkStatus();
    cursor = next_cursor(rows.back());
  }
}

}  // namespace walk_internal

// Calls `visit(const std::string& ref)` for every ref under the index entry (name, value) that
// sorts strictly after `after`, in ascending order. The visitor must not remove rows of this
// entry that sort after the one it is given (use DrainIndexRefs for that).
template <typename Visit>
Status ForEachIndexRef(store::Txn& txn, store::Scope scope, std::string_view name,
                       std::string_view value, std::string_view after, Visit&& visit,
                       size_t batch = kWalkBatch) {
  return walk_internal::Batches<std::string>(
      after, batch,
      [&](const std::string& cursor) { return txn.IndexLookup(scope, name, value, cursor, batch); },
      [](const std::string& ref) { return ref; }, visit);
}

// For a visitor that removes (or moves away) the row it is given: every batch is looked up from
// the front again, since the rows already visited are gone. REQUIRES: `visit` removes the row of
// each ref it returns OK for, or the walk does not end.
template <typename Visit>
Status DrainIndexRefs(store::Txn& txn, store::Scope scope, std::string_view name,
                      std::string_view value, Visit&& visit, size_t batch = kWalkBatch) {
  return walk_internal::Batches<std::string>(
      "", batch,
      [&](const std::string& cursor) { return txn.IndexLookup(scope, name, value, cursor, batch); },
      [](const std::string&) { return std::string(); }, visit);
}

// Calls `visit(const std::string& value)` for every distinct value of the index `name` that sorts
// strictly after `after`, in ascending order.
template <typename Visit>
Status ForEachIndexValue(store::Txn& txn, store::Scope scope, std::string_view name,
                         std::string_view after, Visit&& visit, size_t batch = kWalkBatch) {
  return walk_internal::Batches<std::string>(
      after, batch,
      [&](const std::string& cursor) { return txn.IndexValues(scope, name, cursor, batch); },
      [](const std::string& value) { return value; }, visit);
}

// Calls `visit(const store::Document& doc)` for every document of `kind` whose id starts with
// `id_prefix` and sorts strictly after `after`, in ascending id order.
template <typename Visit>
Status ForEachDocument(store::Txn& txn, store::Scope scope, std::string_view kind,
                       std::string_view id_prefix, std::string_view after, Visit&& visit,
                       size_t batch = kWalkBatch) {
  return walk_internal::Batches<store::Document>(
      after, batch,
      [&](const std::string& cursor) { return txn.Scan(scope, kind, id_prefix, cursor, batch); },
      [](const store::Document& doc) { return doc.id; }, visit);
}

// Like ForEachDocument, but each batch read in a read transaction of its own, after `check(txn)`
// (e.g. RequireDomain) passes in it: a long walk (an export) pins no snapshot, and keyset paging
// neither repeats nor skips a document that stays. `visit` runs outside any transaction.
template <typename Check, typename Visit>
Status ForEachDocumentInReads(store::Store& store, store::Scope scope, std::string_view kind,
                              std::string_view id_prefix, Check&& check, Visit&& visit,
                              size_t batch = kWalkBatch) {
  return walk_internal::Batches<store::Document>(
      "", batch,
      [&](const std::string& cursor) -> Result<std::vector<store::Document>> {
        std::vector<store::Document> docs;
        RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
          RETURN_IF_ERROR(check(txn));
          ASSIGN_OR_RETURN(docs, txn.Scan(scope, kind, id_prefix, cursor, batch));
          return OkStatus();
        }));
        return docs;
      },
      [](const store::Document& doc) { return doc.id; }, visit);
}

}  // namespace profiled::service
