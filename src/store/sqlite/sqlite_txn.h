// File: sqlite_txn.h
// Txn on one SQLite connection: every method is one cached statement, a point or range seek on
// a primary key. The transaction itself (BEGIN/SAVEPOINT/COMMIT) is run by the store.
#pragma once

#include "store/sqlite/connection.h"
#include "store/store.h"

namespace profiled::store::sqlite {

class SqliteTxn final : public Txn {
 public:
  SqliteTxn(Connection& conn, bool writable) : conn_(conn), writable_(writable) {}

  Result<std::optional<std::string>> Get(Scope scope, std::string_view kind,
                                         std::string_view id) override;
  // The single writer thread serializes every Write, so a read in one already excludes others.
  Result<std::optional<std::string>> GetForUpdate(Scope scope, std::string_view kind,
                                                  std::string_view id) override;
  Status Put(Scope scope, std::string_view kind, std::string_view id,
             std::string_view body) override;
  Result<bool> Delete(Scope scope, std::string_view kind, std::string_view id) override;
  Result<std::vector<Document>> Scan(Scope scope, std::string_view kind, std::string_view id_prefix,
                                     std::string_view after, size_t limit) override;
  Result<int64_t> Count(Scope scope, std::string_view kind, std::string_view id_prefix) override;
  Result<int64_t> DeleteKind(Scope scope, std::string_view kind,
                             std::string_view id_prefix) override;
  Status IndexAdd(Scope scope, std::string_view name, std::string_view value,
                  std::string_view ref) override;
  Status IndexRemove(Scope scope, std::string_view name, std::string_view value,
                     std::string_view ref) override;
  Result<std::vector<std::string>> IndexLookup(Scope scope, std::string_view name,
                                               std::string_view value, std::string_view after_ref,
                                               size_t limit) override;
  Result<std::vector<std::string>> IndexValues(Scope scope, std::string_view name,
                                               std::string_view after_value, size_t limit) override;
  Status DeleteScope(Scope scope) override;
  Status ForEachRow(const RowFn& fn) override;

 private:
  Status RequireWritable() const;

  Connection& conn_;
  bool writable_;
};

}  // namespace profiled::store::sqlite
