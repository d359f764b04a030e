#include "store/postgres/pg_connection.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace profiled::store::postgres {
namespace {

// Empty bytes must still be a non-null pointer: in libpq a null value means SQL NULL.
constexpr char kEmpty[] = "";

std::string TrimmedMessage(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Maps a failed statement to the store's vocabulary. SQLSTATE classes: 40 (serialization failure,
// deadlock), 23505 (two creators of one key) and 55P03 (lock timeout) are races that a retry
// resolves; 08 and 57P0x mean the server went away, 57014 (statement timeout) that it is too busy
// or blocked: retrying later may succeed; 22 is bad data.
Error Classify(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = TrimmedMessage(res ? PQresultErrorMessage(res) : nullptr);
  if (message.empty()) message = TrimmedMessage(PQerrorMessage(conn));
  std::string text = "postgres " + std::string(what) + ": " + message;
  std::string_view code = state ? state : "";
  // No SQLSTATE means libpq itself failed, which in practice is a lost connection.
  if (code.empty() || PQstatus(conn) != CONNECTION_OK) return Error::Unavailable(text);
  if (code == "40001" || code == "40P01" || code == "23505" || code == "55P03") {
    return Error::Conflict(text);
  }
  if (code.substr(0, 2) == "08" || code == "57P01" || code == "57P02" || code == "57P03" ||
      code == "53300" || code == "25P03" || code == "57014") {
    return Error::Unavailable(text);
  }
  if (code.substr(0, 2) == "22") return Error::BadRequest(text);
  return Error::Internal(text + " (SQLSTATE " + std::string(code) + ")");
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::vector<std::string>& keywords, const std::vector<std::string>& values,
    const std::vector<StatementDef>& statements, const std::string& setup) {
  std::vector<const char*> k, v;
  for (const auto& s : keywords) k.push_back(s.c_str());
  for (const auto& s : values) v.push_back(s.c_str());
  k.push_back(nullptr);
  v.push_back(nullptr);
  PgConnPtr conn(PQconnectdbParams(k.data(), v.data(), /*expand_dbname=*/0));
  if (!conn) return Error::Unavailable("postgres connect: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Error::Unavailable("postgres connect: " + TrimmedMessage(PQerrorMessage(conn.get())));
  }
  // Notices ("relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgConnection> c(new PgConnection(std::move(conn)));
  if (!setup.empty()) {
    ExecOutcome out = c->Simple(setup.c_str());
    if (!out.ok()) return *out.error;
  }
  for (const auto& st : statements) {
    PgResult res(PQprepare(c->raw(), st.name, st.sql, 0, nullptr));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return Classify(c->raw(), res.get(), std::string("prepare ") + st.name);
    }
  }
  return c;
}

namespace {

// libpq's parameter arrays for one statement. bytea values are sent in binary (no copy);
// integers as text, which the server may read as int4 or int8.
struct Params {
  explicit Params(std::initializer_list<Param> params)
      : values(params.size()), lengths(params.size()), formats(params.size()) {
    numbers.reserve(params.size());
    size_t i = 0;
    for (const Param& p : params) {
      if (const auto* sv = std::get_if<std::string_view>(&p)) {
        values[i] = sv->empty() ? kEmpty : sv->data();
        lengths[i] = static_cast<int>(sv->size());
        formats[i] = 1;
      } else {
        numbers.push_back(std::to_string(std::get<int64_t>(p)));
        values[i] = numbers.back().c_str();
        lengths[i] = 0;
        formats[i] = 0;
      }
      ++i;
    }
  }
  int size() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  std::vector<std::string> numbers;  // owns the text of integer parameters
};

// More queued statements than this are collected before queueing another: their results must
// not fill the socket buffers while this side is still sending (both would block), and one
// transaction may write thousands of rows.
constexpr size_t kMaxQueued = 64;

// Stands in queued_ for a Sync sent by SyncLater (no statement is named so).
const char kSyncMarker[] = "\x01sync";

}  // namespace

ExecOutcome PgConnection::Prepared(const char* name, std::initializer_list<Param> params) {
  if (pipeline_) {
    if (auto e = Send(name, nullptr, params)) return ExecOutcome{nullptr, std::move(e)};
    return Collect();
  }
  Params p(params);
  PgResult res(PQexecPrepared(conn_.get(), name, p.size(), p.values.data(), p.lengths.data(),
                              p.formats.data(), /*resultFormat=*/1));
  return Finish(std::move(res), name);
}

ExecOutcome PgConnection::Simple(const char* sql) {
  if (pipeline_) {
    if (auto e = Send(nullptr, sql, {})) return ExecOutcome{nullptr, std::move(e)};
    return Collect();
  }
  return Finish(PgResult(PQexec(conn_.get(), sql)), sql);
}

bool PgConnection::EnterPipelineMode() {
  pipeline_ = PQenterPipelineMode(conn_.get()) == 1;
  return pipeline_;
}

std::optional<Error> PgConnection::Queue(const char* name, std::initializer_list<Param> params) {
  return Send(name, nullptr, params);
}

std::optional<Error> PgConnection::QueueSimple(const char* sql) { return Send(nullptr, sql, {}); }

std::optional<Error> PgConnection::QueueKept(const char* name,
                                             std::initializer_list<Param> params) {
  std::optional<Error> e = Send(name, nullptr, params);
  if (!broken_ && !queued_.empty() && queued_.back().name == name) queued_.back().keep = true;
  return e;
}

ExecOutcome PgConnection::TakeKept() {
  ExecOutcome out;
  if (kept_.empty() &&
      std::any_of(queued_.begin(), queued_.end(), [](const Queued& q) { return q.keep; })) {
    out.error = Sync();
  }
  if (!out.error && kept_.empty()) out.error = Error::Internal("postgres: no kept result");
  if (out.error) return out;
  out.result = std::move(kept_.front());
  kept_.pop_front();
  return out;
}

void PgConnection::DropKept() {
  kept_.clear();
  for (Queued& q : queued_) q.keep = false;
}

std::optional<Error> PgConnection::SyncLater() {
  if (PQpipelineSync(conn_.get()) != 1) return Lost("sync");
  queued_.push_back({kSyncMarker});
  return std::nullopt;
}

std::optional<Error> PgConnection::Sync() {
  if (queued_.empty()) return std::nullopt;
  return Collect().error;
}

std::optional<Error> PgConnection::Send(const char* name, const char* sql,
                                        std::initializer_list<Param> params) {
  std::optional<Error> earlier;
  if (queued_.size() >= kMaxQueued) earlier = Collect().error;
  Params p(params);
  const int sent =
      sql ? PQsendQueryParams(conn_.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 1)
          : PQsendQueryPrepared(conn_.get(), name, p.size(), p.values.data(), p.lengths.data(),
                                p.formats.data(), /*resultFormat=*/1);
  if (sent != 1) {
    broken_ = true;
    return earlier ? earlier : Lost(sql ? sql : name);
  }
  queued_.push_back({sql ? sql : name});
  return earlier;
}

Error PgConnection::Lost(std::string_view what) {
  broken_ = true;
  return Error::Unavailable("postgres " + std::string(what) + ": " +
                            TrimmedMessage(PQerrorMessage(conn_.get())));
}

ExecOutcome PgConnection::Collect() {
  ExecOutcome out;
  if (PQpipelineSync(conn_.get()) != 1) {
    out.error = Lost("sync");
    queued_.clear();
    return out;
  }
  for (size_t i = 0; i < queued_.size(); ++i) {
    const std::string& name = queued_[i].name;
    PgResult res(PQgetResult(conn_.get()));
    if (name == kSyncMarker) {
      // The end of an earlier transaction's tail (SyncLater): what failed in it is not this
      // caller's, unless the connection was lost.
      if (!res || PQresultStatus(res.get()) != PGRES_PIPELINE_SYNC) {
        out.error = Lost("sync");
        break;
      }
      if (!broken_) out.error.reset();
      continue;
    }
    if (!res) {
      if (!out.error) out.error = Lost(name);
      broken_ = true;
      break;
    }
    // Each statement's results end with a null.
    while (PgResult(PQgetResult(conn_.get()))) {
    }
    const ExecStatusType st = PQresultStatus(res.get());
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      if (queued_[i].keep) {
        kept_.push_back(std::move(res));
      } else if (i + 1 == queued_.size()) {
        out.result = std::move(res);
      }
    } else if (st == PGRES_PIPELINE_ABORTED) {
      // Skipped because an earlier statement failed, which is the error reported.
      if (!out.error) out.error = Error::Internal("postgres " + name + ": pipeline aborted");
    } else if (!out.error) {
      out.error = Classify(conn_.get(), res.get(), name);
      if (out.error->code() == ErrorCode::kUnavailable) broken_ = true;
    }
  }
  queued_.clear();
  if (out.error) kept_.clear();
  if (!broken_) {
    PgResult sync(PQgetResult(conn_.get()));
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
      if (!out.error) out.error = Lost("sync");
      broken_ = true;
    }
  }
  if (out.error) out.result.reset();
  return out;
}

ExecOutcome PgConnection::Finish(PgResult res, std::string_view what) {
  ExecOutcome out;
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    out.result = std::move(res);
    return out;
  }
  out.error = Classify(conn_.get(), res.get(), what);
  if (out.error->code() == ErrorCode::kUnavailable) broken_ = true;
  return out;
}

bool PgConnection::healthy() const {
  if (broken_ || PQstatus(conn_.get()) != CONNECTION_OK) return false;
  // Results left for later by SyncLater keep libpq busy; the session itself is idle.
  if (!queued_.empty() && queued_.back().name == kSyncMarker) return true;
  return PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

bool IsConnectionLoss(const Error& error) { return error.code() == ErrorCode::kUnavailable; }

}  // namespace profiled::store::postgres
