// File: pg_connection.h
// Thin RAII over libpq for the PostgreSQL store: an owned PGconn with its prepared statements,
// owned PGresults, and the one place that turns a libpq failure into an Error a caller can act on
// (conflict -> retry, connection lost -> reconnect, the rest -> internal).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"

namespace profiled::store::postgres {

struct PGresultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PGresultDeleter>;

struct PGconnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConnPtr = std::unique_ptr<PGconn, PGconnDeleter>;

// One statement parameter: bytes for a bytea column (sent in binary format: any bytes, no copy)
// or an integer (sent as text, so the server may infer int4 or int8).
using Param = std::variant<std::string_view, int64_t>;

// A statement that PgConnection prepares once, when it connects.
struct StatementDef {
  const char* name;
  const char* sql;
};

// The result of running a statement: rows, or an error already classified.
struct ExecOutcome {
  PgResult result;             // set on success (PGRES_COMMAND_OK or PGRES_TUPLES_OK)
  std::optional<Error> error;  // set on failure
  bool ok() const { return !error.has_value(); }
};

class PgConnection {
 public:
  // Connects with `keywords`/`values` (already parsed: no URL expansion), runs `setup` (SQL
  // text, may be empty) and prepares `statements`. Fails with kUnavailable when the server cannot
  // be reached.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::vector<std::string>& keywords,
                                                       const std::vector<std::string>& values,
                                                       const std::vector<StatementDef>& statements,
                                                       const std::string& setup);

  PGconn* raw() const { return conn_.get(); }

  // Runs a prepared statement; its result columns come back in binary format (raw bytea bytes,
  // big-endian integers). In pipeline mode the statements queued before it travel with it, and
  // the first of them that failed is the error returned.
  ExecOutcome Prepared(const char* name, std::initializer_list<Param> params);
  // Runs SQL text without parameters (BEGIN, COMMIT, DDL); in pipeline mode as Prepared.
  ExecOutcome Simple(const char* sql);

  // Pipeline mode (libpq 14+): statements can be queued without waiting for their results, so
  // that a transaction's BEGIN, key locks and writes travel with the next statement whose result
  // is needed: one round trip instead of one each. The server still runs them one after another,
  // each as its own statement (in READ COMMITTED each with its own snapshot, taken when it
  // starts, so a read queued behind a lock sees what the lock holder committed).
  // REQUIRES: the connection is idle. Returns false if libpq refused.
  bool EnterPipelineMode();
  // Queues a statement (pipeline mode only). Its failure is reported by the next call that waits
  // for results (Prepared, Simple, Sync), which is then the first failure. Errors returned here
  // are those of sending, or of the results collected when too many statements were queued.
  std::optional<Error> Queue(const char* name, std::initializer_list<Param> params);
  std::optional<Error> QueueSimple(const char* sql);
  // Queue, and the statement's result is kept when collected, for TakeKept (a read sent ahead of
  // the statement it travels with: Txn::Prefetch).
  std::optional<Error> QueueKept(const char* name, std::initializer_list<Param> params);
  // The oldest kept result not taken yet, collecting what is queued first if it has not arrived.
  // An error if its statement (or one before it) failed, or nothing was kept.
  ExecOutcome TakeKept();
  // Forgets kept results and the keeping of statements still queued: at a transaction's end, so
  // that a statement kept and never taken is not handed to the connection's next user.
  void DropKept();
  bool pipelined() const { return pipeline_; }
  // Waits for every queued statement; returns the first failure.
  std::optional<Error> Sync();
  // Sends what is queued, with a Sync, and leaves its results for the next call that waits:
  // for a read-only COMMIT, whose result changes nothing, so that it costs no round trip. The
  // server runs it at once (no transaction is left open); the connection may go back to the
  // pool. Failures other than a lost connection in that tail are not reported.
  std::optional<Error> SyncLater();

  // False once the connection is known to be unusable (lost, or left in an unknown state); the
  // pool then discards it instead of reusing it.
  bool healthy() const;
  void MarkBroken() { broken_ = true; }

 private:
  explicit PgConnection(PgConnPtr conn) : conn_(std::move(conn)) {}
  ExecOutcome Finish(PgResult result, std::string_view what);
  // Sends one statement in pipeline mode (sql == nullptr: the prepared statement `name`).
  std::optional<Error> Send(const char* name, const char* sql, std::initializer_list<Param> params);
  // Sends a Sync and reads every queued statement's results; `out` gets the last one's.
  ExecOutcome Collect();
  Error Lost(std::string_view what);

  PgConnPtr conn_;
  bool broken_ = false;
  bool pipeline_ = false;
  // The statements sent and not yet read, in order; name kSyncMarker for a Sync sent by
  // SyncLater.
  struct Queued {
    std::string name;
    bool keep = false;  // its result goes to kept_
  };
  std::vector<Queued> queued_;
  std::deque<PgResult> kept_;
};

// Whether an error means the connection (not the statement) failed, so that the work may be
// retried on a new connection if it had not been committed.
bool IsConnectionLoss(const Error& error);

}  // namespace profiled::store::postgres
