// File: sqlite_txn.cc
#include "store/sqlite/sqlite_txn.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "store/sqlite/key_range.h"

namespace profiled::store::sqlite {

namespace {

int64_t SqlLimit(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(std::min(limit, kMax));
}

}  // namespace

Status SqliteTxn::RequireWritable() const {
  if (!writable_) return Error::Internal("write in read transaction");
  return OkStatus();
}

Result<std::optional<std::string>> SqliteTxn::Get(Scope scope, std::string_view kind,
                                                  std::string_view id) {
  ASSIGN_OR_RETURN(StatementRun run, conn_.Use(Sql::kDocGet4));
  run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, kind).Bind(4, id);
  ASSIGN_OR_RETURN(bool row, run.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(run.ColumnBytes(0)));
}

Result<std::optional<std::string>> SqliteTxn::GetForUpdate(Scope scope, std::string_view kind,
                                                           std::string_view id) {
  return Get(scope, kind, id);
}

Status SqliteTxn::Put(Scope scope, std::string_view kind, std::string_view id,
                      std::string_view body) {
  RETURN_IF_ERROR(RequireWritable());
  ASSIGN_OR_RETURN(StatementRun run, conn_.Use(Sql::kDocPut5));
  run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, kind).Bind(4, id).Bind(5, body);
  return run.Run();
}

Result<bool> SqliteTxn::Delete(Scope scope, std::string_view kind, std::string_view id) {
  RETURN_IF_ERROR(RequireWritable());
  ASSIGN_OR_RETURN(StatementRun run, conn_.Use(Sql::kDocDelete4));
  run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, kind).Bind(4, id);
  RETURN_IF_ERROR(run.Run());
  return conn_.Changes() > 0;
}

Result<std::vector<Document>> SqliteTxn::Scan(Scope scope, std::string_view kind,
                                              std::string_view id_prefix, std::string_view after,
                                              size_t limit) {
  std::vector<Document> docs;
  if (limit == 0) return docs;
  std::string lower = LowerBound(id_prefix, after);
  std::optional<std::string> upper = PrefixUpperBound(id_prefix);
  ASSIGN_OR_RETURN(StatementRun run, conn_.Use(upper ? Sql::kDocScanRange6 : Sql::kDocScanFrom5));
  run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, kind).Bind(4, lower);
  if (upper) {
    run.Bind(5, *upper).BindInt(6, SqlLimit(limit));
  } else {
    run.BindInt(5, SqlLimit(limit));
  }
  while (true) {
    ASSIGN_OR_RETURN(bool row, run.Step());
    if (!row) break;
    docs.push_back(Document{std::string(run.ColumnBytes(0)), std::string(run.ColumnBytes(1))});
  }
  return docs;
}

Result<int64_t> SqliteTxn::Count(Scope scope, std::string_view kind, std::string_view id_prefix) {
  std::optional<std::string> upper = PrefixUpperBound(id_prefix);
  ASSIGN_OR_RETURN(StatementRun run, conn_.Use(upper ? Sql::kDocCountRange5 : Sql::kDocCountFrom4));
  run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, kind).Bind(4, id_prefix);
  if (upper) run.Bind(5, *upper);
  ASSIGN_OR_RETURN(bool row, run.Step());
  if (!row) return Error::Internal("sqlite: count returned no row");
  return run.ColumnInt(0);
}

Result<int64_t> SqliteTxn::DeleteKind(Scope scope, std::string_view kind,
                                      std::string_view id_prefix) {
  RETURN_IF_ERROR(RequireWritable());
  std::optional<std::string> upper = PrefixUpperBound(id_prefix);
  ASSIGN_OR_RETURN(StatementRun run,
                   conn_.Use(upper ? Sql::kDocDeleteRange5 : Sql::kDocDeleteFrom4));
  run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, kind).Bind(4, id_prefix);
  if (upper) run.Bind(5, *upper);
  RETURN_IF_ERROR(run.Run());
  return conn_.Changes();
}

Status SqliteTxn::IndexAdd(Scope scope, std::string_view name, std::string_view value,
                           std::string_view ref) {
  RETURN_IF_ERROR(RequireWritable());
  ASSIGN_OR_RETURN(StatementRun run, conn_.Use(Sql::kIndexAdd5));
  run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, name).Bind(4, value).Bind(5, ref);
  return run.Run();
}

Status SqliteTxn::IndexRemove(Scope scope, std::string_view name, std::string_view value,
                              std::string_view ref) {
  RETURN_IF_ERROR(RequireWritable());
  ASSIGN_OR_RETURN(StatementRun run, conn_.Use(Sql::kIndexRemove5));
  run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, name).Bind(4, value).Bind(5, ref);
  return run.Run();
}

Result<std::vector<std::string>> SqliteTxn::IndexLookup(Scope scope, std::string_view name,
                                                        std::string_view value,
                                                        std::string_view after_ref, size_t limit) {
  std::vector<std::string> refs;
  if (limit == 0) return refs;
  std::string lower = LowerBound("", after_ref);
  ASSIGN_OR_RETURN(StatementRun run, conn_.Use(Sql::kIndexLookup6));
  run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, name).Bind(4, value).Bind(5, lower);
  run.BindInt(6, SqlLimit(limit));
  while (true) {
    ASSIGN_OR_RETURN(bool row, run.Step());
    if (!row) break;
    refs.emplace_back(run.ColumnBytes(0));
  }
  return refs;
}

Result<std::vector<std::string>> SqliteTxn::IndexValues(Scope scope, std::string_view name,
                                                        std::string_view after_value,
                                                        size_t limit) {
  std::vector<std::string> values;
  std::string lower = LowerBound("", after_value);
  while (values.size() < limit) {
    ASSIGN_OR_RETURN(StatementRun run, conn_.Use(Sql::kIndexNextValue4));
    run.Bind(1, scope.account).Bind(2, scope.domain).Bind(3, name).Bind(4, lower);
    ASSIGN_OR_RETURN(bool row, run.Step());
    if (!row) break;
    values.emplace_back(run.ColumnBytes(0));
    lower = values.back();
    lower.push_back('\0');
  }
  return values;
}

Status SqliteTxn::DeleteScope(Scope scope) {
  RETURN_IF_ERROR(RequireWritable());
  if (scope.domain.empty()) return Error::Internal("DeleteScope of an account-level scope");
  {
    ASSIGN_OR_RETURN(StatementRun run, conn_.Use(Sql::kScopeDeleteDocs2));
    run.Bind(1, scope.account).Bind(2, scope.domain);
    RETURN_IF_ERROR(run.Run());
  }
  ASSIGN_OR_RETURN(StatementRun run, conn_.Use(Sql::kScopeDeleteIndex2));
  run.Bind(1, scope.account).Bind(2, scope.domain);
  return run.Run();
}

Status SqliteTxn::ForEachRow(const RowFn& fn) {
  if (writable_) return Error::Internal("ForEachRow in a write transaction");
  for (Sql sql : {Sql::kDocAll0, Sql::kIndexAll0}) {
    ASSIGN_OR_RETURN(StatementRun run, conn_.Use(sql));
    Row row;
    row.table = sql == Sql::kDocAll0 ? Row::Table::kDocument : Row::Table::kIndex;
    while (true) {
      ASSIGN_OR_RETURN(bool more, run.Step());
      if (!more) break;
      row.account = run.ColumnBytes(0);
      row.domain = run.ColumnBytes(1);
      row.name = run.ColumnBytes(2);
      row.key = run.ColumnBytes(3);
      row.value = run.ColumnBytes(4);
      RETURN_IF_ERROR(fn(row));
    }
  }
  return OkStatus();
}

}  // namespace profiled::store::sqlite
