// File: connection.h
// RAII over the SQLite C API: a connection owns its handle and a cache of prepared statements
// (prepared on first use, finalized with the connection); a StatementRun is one use of a cached
// statement and resets it on destruction. A connection is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/sqlite/sql.h"

namespace profiled::store::sqlite {

struct DbDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbDeleter>;

struct StmtDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

// Maps a SQLite result code to the store's vocabulary: SQLITE_BUSY and SQLITE_LOCKED (another
// connection holds a lock) are kConflict, which callers retry; anything else is kInternal with
// SQLite's own message. `db` may be null.
Error SqliteError(sqlite3* db, int rc, std::string_view context);

// One execution of a cached statement. Bindings borrow the caller's bytes (SQLITE_STATIC): the
// destructor resets the statement and clears them, so they never outlive the call.
class StatementRun {
 public:
  StatementRun(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  StatementRun(StatementRun&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
    other.stmt_ = nullptr;
  }
  StatementRun(const StatementRun&) = delete;
  StatementRun& operator=(const StatementRun&) = delete;
  StatementRun& operator=(StatementRun&&) = delete;
  ~StatementRun();

  // Binds bytes as a BLOB (keys and bodies alike). The first failure is reported by Step.
  StatementRun& Bind(int index, std::string_view bytes);
  StatementRun& BindInt(int index, int64_t value);

  // Returns true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps a statement that returns no rows.
  Status Run();

  // Valid until the next Step.
  std::string_view ColumnBytes(int column) const;
  int64_t ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

struct ConnectionOptions {
  bool create = false;     // create the file if missing
  bool read_only = false;  // PRAGMA query_only: a reader can never write, even by mistake
  int busy_timeout_ms = 5000;
  bool synchronous_full = false;
};

class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  const ConnectionOptions& options);

  // Runs one or more statements that return no rows (schema, pragmas).
  Status Exec(const char* sql);
  // Runs a statement that returns one integer (a pragma, a count).
  Result<int64_t> QueryInt(const char* sql);

  // The cached statement `sql`, prepared on first use.
  Result<StatementRun> Use(Sql sql);
  // Runs a cached statement without parameters or rows (BEGIN, COMMIT, SAVEPOINT...).
  Status Run(Sql sql);

  sqlite3* db() const { return db_.get(); }
  // True when a transaction is open (SQLite may have rolled it back by itself after an error).
  bool InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }
  int64_t Changes() const { return sqlite3_changes64(db_.get()); }

 private:
  explicit Connection(DbPtr db) : db_(std::move(db)) {}

  // Members are destroyed in reverse order: the cached statements are finalized before the
  // handle is closed, so the close is immediate rather than deferred by close_v2.
  DbPtr db_;
  std::array<StmtPtr, kSqlCount> cache_;
};

}  // namespace profiled::store::sqlite
