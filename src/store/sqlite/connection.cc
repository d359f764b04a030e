// File: connection.cc
#include "store/sqlite/connection.h"

#include <string>

namespace profiled::store::sqlite {

namespace {

// sqlite3_bind_blob treats a null pointer as SQL NULL, and an empty std::string_view may have
// one; a key of zero bytes must stay an empty BLOB.
constexpr char kEmpty[1] = {0};

}  // namespace

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string message = "sqlite: ";
  message.append(context);
  message.append(": ");
  message.append(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  message.append(" (");
  message.append(std::to_string(rc));
  message.append(")");
  int primary = rc & 0xFF;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Error::Conflict(message);
  return Error::Internal(message);
}

StatementRun::~StatementRun() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

StatementRun& StatementRun::Bind(int index, std::string_view bytes) {
  const char* data = bytes.data() != nullptr ? bytes.data() : kEmpty;
  int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

StatementRun& StatementRun::BindInt(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> StatementRun::Step() {
  if (bind_rc_ != SQLITE_OK) return SqliteError(db_, bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, sqlite3_sql(stmt_));
}

Status StatementRun::Run() {
  ASSIGN_OR_RETURN(bool row, Step());
  if (row) return Error::Internal("sqlite: unexpected row from " + std::string(sqlite3_sql(stmt_)));
  return OkStatus();
}

std::string_view StatementRun::ColumnBytes(int column) const {
  // blob before bytes, as SQLite documents, so that the size is of the returned form.
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const char*>(data), static_cast<size_t>(size)};
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     const ConnectionOptions& options) {
  // NOMUTEX: each connection is used by one thread at a time (the writer thread, or a reader
  // lent from the pool), so SQLite's per-connection mutex would be pure overhead.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "open " + path);
  sqlite3_extended_result_codes(db.get(), 1);
  // A reader waits while another process's checkpoint or recovery holds a lock; the writer
  // waits while another process (a tool) writes. Inside this process there is one writer.
  sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);

  std::unique_ptr<Connection> conn(new Connection(std::move(db)));
  RETURN_IF_ERROR(conn->Exec(options.synchronous_full ? "PRAGMA synchronous=FULL"
                                                      : "PRAGMA synchronous=NORMAL"));
  if (options.read_only) RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=1"));
  // Each request of a group commit runs in a savepoint, and SQLite saves the old content of
  // every page a savepoint changes to a statement journal, which spills to a temporary file past
  // 64 KiB: a CreateProfile (~17 index rows) wrote ~70 KB of it per request. Kept in memory, it
  // costs at most the pages of one request.
  RETURN_IF_ERROR(conn->Exec("PRAGMA temp_store=MEMORY"));
  return conn;
}

Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return OkStatus();
  std::string context = err != nullptr ? std::string(err) : std::string(sql);
  sqlite3_free(err);
  return SqliteError(nullptr, rc, context);
}

Result<int64_t> Connection::QueryInt(const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, sql);
  StatementRun run(db_.get(), stmt.get());
  ASSIGN_OR_RETURN(bool row, run.Step());
  if (!row) return Error::Internal(std::string("sqlite: no row from ") + sql);
  return run.ColumnInt(0);
}

Result<StatementRun> Connection::Use(Sql sql) {
  auto index = static_cast<size_t>(sql);
  StmtPtr& slot = cache_[index];
  if (!slot) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), kSqlText[index], -1, SQLITE_PREPARE_PERSISTENT, &raw,
                                nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(raw);
      return SqliteError(db_.get(), rc, kSqlText[index]);
    }
    slot.reset(raw);
  }
  return StatementRun(db_.get(), slot.get());
}

Status Connection::Run(Sql sql) {
  ASSIGN_OR_RETURN(StatementRun run, Use(sql));
  return run.Run();
}

}  // namespace profiled::store::sqlite
