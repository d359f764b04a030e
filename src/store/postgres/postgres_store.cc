#include "store/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"
#include "store/postgres/key_range.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_schema.h"
#include "store/store_counters.h"

namespace profiled::store::postgres {
namespace {

// Statements every pooled connection prepares once. Every column is bytea, so every comparison
// and ORDER BY below is bytewise, as the Store contract requires; prefixes are half-open ranges
// [prefix, upper) so that they use the primary key (never LIKE).
const std::vector<StatementDef>& Statements() {
  static const std::vector<StatementDef> kStatements = {
      {"get", "SELECT body FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id=$4"},
      {"get_upd",
       "SELECT body FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id=$4 FOR UPDATE"},
      {"put",
       "INSERT INTO docs(account, domain, kind, id, body) VALUES ($1, $2, $3, $4, $5) "
       "ON CONFLICT (account, domain, kind, id) DO UPDATE SET body = EXCLUDED.body"},
      // For a document that GetForUpdate saw missing. The key lock already keeps every other
      // profiled out; the row lock above and this plain INSERT (a unique violation, so a re-run,
      // if the row appeared anyway) also keep out writers that do not take key locks, such as
      // an older profiled during a rolling upgrade.
      {"ins", "INSERT INTO docs(account, domain, kind, id, body) VALUES ($1, $2, $3, $4, $5)"},
      // Key locks (see KeyLocks below): transaction-scoped advisory locks on a 64-bit hash of
      // the key, so they cover documents that do not exist yet and are released by COMMIT or
      // ROLLBACK. Each is its own statement, before the read it protects: in READ COMMITTED a
      // statement's snapshot is taken when it starts, so a read in the same statement as the
      // lock wait could return what was there before the holder committed.
      {"lock_x", "SELECT pg_advisory_xact_lock($1::int8)"},
      {"lock_s", "SELECT pg_advisory_xact_lock_shared($1::int8)"},
      // The same, preceded by the intention lock (shared) on the key's (account, domain, kind).
      {"lock_x_kind",
       "SELECT pg_advisory_xact_lock_shared($1::int8), pg_advisory_xact_lock($2::int8)"},
      {"lock_s_kind",
       "SELECT pg_advisory_xact_lock_shared($1::int8), pg_advisory_xact_lock_shared($2::int8)"},
      {"del", "DELETE FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id=$4"},
      {"scan_ge",
       "SELECT id, body FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id >= $4 "
       "ORDER BY id LIMIT $5"},
      {"scan_gt",
       "SELECT id, body FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id > $4 "
       "ORDER BY id LIMIT $5"},
      {"scan_ge_lt",
       "SELECT id, body FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id >= $4 "
       "AND id < $5 ORDER BY id LIMIT $6"},
      {"scan_gt_lt",
       "SELECT id, body FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id > $4 "
       "AND id < $5 ORDER BY id LIMIT $6"},
      {"count_ge",
       "SELECT count(*) FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id >= $4"},
      {"count_ge_lt",
       "SELECT count(*) FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id >= $4 "
       "AND id < $5"},
      {"delk_ge", "DELETE FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id >= $4"},
      {"delk_ge_lt",
       "DELETE FROM docs WHERE account=$1 AND domain=$2 AND kind=$3 AND id >= $4 AND id < $5"},
      {"idx_add",
       "INSERT INTO idx(account, domain, name, value, ref) VALUES ($1, $2, $3, $4, $5) "
       "ON CONFLICT DO NOTHING"},
      {"idx_rm",
       "DELETE FROM idx WHERE account=$1 AND domain=$2 AND name=$3 AND value=$4 AND ref=$5"},
      {"idx_lookup_all",
       "SELECT ref FROM idx WHERE account=$1 AND domain=$2 AND name=$3 AND value=$4 "
       "ORDER BY ref LIMIT $5"},
      {"idx_lookup_after",
       "SELECT ref FROM idx WHERE account=$1 AND domain=$2 AND name=$3 AND value=$4 "
       "AND ref > $5 ORDER BY ref LIMIT $6"},
      // IndexLookupDocuments in a Read: the refs and their documents in one statement.
      {"idx_docs_all",
       "SELECT i.ref, d.body FROM idx i LEFT JOIN docs d ON d.account = i.account AND "
       "d.domain = i.domain AND d.kind = $5 AND d.id = i.ref WHERE i.account=$1 AND i.domain=$2 "
       "AND i.name=$3 AND i.value=$4 ORDER BY i.ref LIMIT $6"},
      {"idx_docs_after",
       "SELECT i.ref, d.body FROM idx i LEFT JOIN docs d ON d.account = i.account AND "
       "d.domain = i.domain AND d.kind = $5 AND d.id = i.ref WHERE i.account=$1 AND i.domain=$2 "
       "AND i.name=$3 AND i.value=$4 AND i.ref > $7 ORDER BY i.ref LIMIT $6"},
      {"idx_values_all",
       "SELECT DISTINCT value FROM idx WHERE account=$1 AND domain=$2 AND name=$3 "
       "ORDER BY value LIMIT $4"},
      {"idx_values_after",
       "SELECT DISTINCT value FROM idx WHERE account=$1 AND domain=$2 AND name=$3 "
       "AND value > $4 ORDER BY value LIMIT $5"},
      {"del_scope_docs", "DELETE FROM docs WHERE account=$1 AND domain=$2"},
      {"del_scope_idx", "DELETE FROM idx WHERE account=$1 AND domain=$2"},
      // ForEachRow: each table in pages, in primary-key order (keyset pagination).
      {"all_docs_first",
       "SELECT account, domain, kind, id, body FROM docs ORDER BY account, domain, kind, id "
       "LIMIT $1"},
      {"all_docs_after",
       "SELECT account, domain, kind, id, body FROM docs WHERE (account, domain, kind, id) > "
       "($1, $2, $3, $4) ORDER BY account, domain, kind, id LIMIT $5"},
      {"all_idx_first",
       "SELECT account, domain, name, value, ref FROM idx ORDER BY account, domain, name, value, "
       "ref LIMIT $1"},
      {"all_idx_after",
       "SELECT account, domain, name, value, ref FROM idx WHERE (account, domain, name, value, "
       "ref) > ($1, $2, $3, $4, $5) ORDER BY account, domain, name, value, ref LIMIT $6"},
  };
  return kStatements;
}

int64_t ClampLimit(size_t limit) {
  return static_cast<int64_t>(
      std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

std::string_view Value(const PgResult& r, int row, int col) {
  return {PQgetvalue(r.get(), row, col), static_cast<size_t>(PQgetlength(r.get(), row, col))};
}

// count(*) is int8, which binary results send as 8 big-endian bytes.
int64_t BigEndianInt64(const PgResult& r) {
  std::string_view v = Value(r, 0, 0);
  uint64_t n = 0;
  for (size_t i = 0; i < v.size() && i < 8; ++i) n = (n << 8) | static_cast<unsigned char>(v[i]);
  return static_cast<int64_t>(n);
}

class PgTxn final : public Txn {
 public:
  PgTxn(PgConnection& conn, bool write) : conn_(conn), write_(write) {}
  ~PgTxn() override { conn_.DropKept(); }
  PgTxn(const PgTxn&) = delete;
  PgTxn& operator=(const PgTxn&) = delete;

  // The first statement failure: PostgreSQL aborts the transaction on any error, so every later
  // call fails the same way and the transaction can only roll back.
  const std::optional<Error>& failure() const { return failure_; }

  // In a Write, Get holds the key shared until commit, GetForUpdate/Put/Delete exclusive (see
  // store.h). Read transactions take no locks: they read one snapshot.
  Result<std::optional<std::string>> Get(Scope scope, std::string_view kind,
                                         std::string_view id) override {
    if (write_) RETURN_IF_ERROR(Lock(scope, kind, id, /*exclusive=*/false));
    if (prefetched_ && *prefetched_ == KeyOf(scope, kind, id)) {
      prefetched_.reset();
      if (failure_) return *failure_;
      ExecOutcome out = conn_.TakeKept();
      if (!out.ok()) {
        failure_ = *out.error;
        return *out.error;
      }
      return BodyOf(out);
    }
    return GetImpl("get", scope, kind, id);
  }

  // One read sent ahead at a time (what SearchProfiles needs: its domain document), in Read
  // transactions only: a Write's Get takes a key lock first, as its own statement.
  void Prefetch(Scope scope, std::string_view kind, std::string_view id) override {
    if (write_ || failure_ || prefetched_ || !conn_.pipelined()) return;
    if (auto e = conn_.QueueKept("get", {scope.account, scope.domain, kind, id})) {
      failure_ = *e;
      return;
    }
    prefetched_ = KeyOf(scope, kind, id);
  }

  Result<std::optional<std::string>> GetForUpdate(Scope scope, std::string_view kind,
                                                  std::string_view id) override {
    if (!write_) return GetImpl("get", scope, kind, id);
    RETURN_IF_ERROR(Lock(scope, kind, id, /*exclusive=*/true));
    ASSIGN_OR_RETURN(auto body, GetImpl("get_upd", scope, kind, id));
    if (!body) absent_.insert(KeyHash({scope.account, scope.domain, kind, id}));
    return body;
  }

  Status Put(Scope scope, std::string_view kind, std::string_view id,
             std::string_view body) override {
    RETURN_IF_ERROR(RequireWrite("Put"));
    RETURN_IF_ERROR(Lock(scope, kind, id, /*exclusive=*/true));
    auto it = absent_.find(KeyHash({scope.account, scope.domain, kind, id}));
    const char* stmt = it == absent_.end() ? "put" : "ins";
    RETURN_IF_ERROR(ExecDeferred(stmt, {scope.account, scope.domain, kind, id, body}));
    if (it != absent_.end()) absent_.erase(it);
    return OkStatus();
  }

  Result<bool> Delete(Scope scope, std::string_view kind, std::string_view id) override {
    RETURN_IF_ERROR(RequireWrite("Delete"));
    RETURN_IF_ERROR(Lock(scope, kind, id, /*exclusive=*/true));
    auto out = Exec("del", {scope.account, scope.domain, kind, id});
    if (!out.ok()) return *out.error;
    return Affected(out) > 0;
  }

  Result<std::vector<Document>> Scan(Scope scope, std::string_view kind, std::string_view id_prefix,
                                     std::string_view after, size_t limit) override {
    std::vector<Document> docs;
    if (limit == 0) return docs;
    std::optional<std::string> upper = PrefixUpperBound(id_prefix);
    // Start after `after` when it lies inside or beyond the prefix range, else at the prefix.
    const bool from_after = !after.empty() && after >= id_prefix;
    std::string_view lower = from_after ? after : id_prefix;
    const int64_t n = ClampLimit(limit);
    ExecOutcome out =
        upper ? Exec(from_after ? "scan_gt_lt" : "scan_ge_lt",
                     {scope.account, scope.domain, kind, lower, std::string_view(*upper), n})
              : Exec(from_after ? "scan_gt" : "scan_ge",
                     {scope.account, scope.domain, kind, lower, n});
    if (!out.ok()) return *out.error;
    const int rows = PQntuples(out.result.get());
    docs.reserve(rows);
    for (int i = 0; i < rows; ++i) {
      docs.push_back(
          Document{std::string(Value(out.result, i, 0)), std::string(Value(out.result, i, 1))});
    }
    return docs;
  }

  Result<int64_t> Count(Scope scope, std::string_view kind, std::string_view id_prefix) override {
    std::optional<std::string> upper = PrefixUpperBound(id_prefix);
    ExecOutcome out = upper ? Exec("count_ge_lt", {scope.account, scope.domain, kind, id_prefix,
                                                   std::string_view(*upper)})
                            : Exec("count_ge", {scope.account, scope.domain, kind, id_prefix});
    if (!out.ok()) return *out.error;
    return BigEndianInt64(out.result);
  }

  Result<int64_t> DeleteKind(Scope scope, std::string_view kind,
                             std::string_view id_prefix) override {
    RETURN_IF_ERROR(RequireWrite("DeleteKind"));
    std::optional<std::string> upper = PrefixUpperBound(id_prefix);
    ExecOutcome out = upper ? Exec("delk_ge_lt", {scope.account, scope.domain, kind, id_prefix,
                                                  std::string_view(*upper)})
                            : Exec("delk_ge", {scope.account, scope.domain, kind, id_prefix});
    if (!out.ok()) return *out.error;
    return Affected(out);
  }

  Status IndexAdd(Scope scope, std::string_view name, std::string_view value,
                  std::string_view ref) override {
    RETURN_IF_ERROR(RequireWrite("IndexAdd"));
    return ExecDeferred("idx_add", {scope.account, scope.domain, name, value, ref});
  }

  Status IndexRemove(Scope scope, std::string_view name, std::string_view value,
                     std::string_view ref) override {
    RETURN_IF_ERROR(RequireWrite("IndexRemove"));
    return ExecDeferred("idx_rm", {scope.account, scope.domain, name, value, ref});
  }

  Result<std::vector<std::string>> IndexLookup(Scope scope, std::string_view name,
                                               std::string_view value, std::string_view after_ref,
                                               size_t limit) override {
    if (limit == 0) return std::vector<std::string>{};
    const int64_t n = ClampLimit(limit);
    ExecOutcome out =
        after_ref.empty()
            ? Exec("idx_lookup_all", {scope.account, scope.domain, name, value, n})
            : Exec("idx_lookup_after", {scope.account, scope.domain, name, value, after_ref, n});
    if (!out.ok()) return *out.error;
    return Column(out);
  }

  // A Write keeps the default (each document's key lock is its own statement, see Get).
  Result<std::vector<IndexedDocument>> IndexLookupDocuments(Scope scope, std::string_view name,
                                                            std::string_view value,
                                                            std::string_view after_ref,
                                                            size_t limit,
                                                            std::string_view kind) override {
    if (write_) return Txn::IndexLookupDocuments(scope, name, value, after_ref, limit, kind);
    std::vector<IndexedDocument> docs;
    if (limit == 0) return docs;
    const int64_t n = ClampLimit(limit);
    ExecOutcome out =
        after_ref.empty()
            ? Exec("idx_docs_all", {scope.account, scope.domain, name, value, kind, n})
            : Exec("idx_docs_after",
                   {scope.account, scope.domain, name, value, kind, n, after_ref});
    if (!out.ok()) return *out.error;
    const int rows = PQntuples(out.result.get());
    docs.reserve(rows);
    for (int i = 0; i < rows; ++i) {
      IndexedDocument doc{std::string(Value(out.result, i, 0)), std::nullopt};
      if (!PQgetisnull(out.result.get(), i, 1)) doc.body = std::string(Value(out.result, i, 1));
      docs.push_back(std::move(doc));
    }
    return docs;
  }

  Result<std::vector<std::string>> IndexValues(Scope scope, std::string_view name,
                                               std::string_view after_value,
                                               size_t limit) override {
    if (limit == 0) return std::vector<std::string>{};
    const int64_t n = ClampLimit(limit);
    ExecOutcome out =
        after_value.empty()
            ? Exec("idx_values_all", {scope.account, scope.domain, name, n})
            : Exec("idx_values_after", {scope.account, scope.domain, name, after_value, n});
    if (!out.ok()) return *out.error;
    return Column(out);
  }

  Status DeleteScope(Scope scope) override {
    RETURN_IF_ERROR(RequireWrite("DeleteScope"));
    if (scope.domain.empty()) {
      return Error::Internal("DeleteScope of an account-level scope (domain \"\")");
    }
    auto docs = Exec("del_scope_docs", {scope.account, scope.domain});
    if (!docs.ok()) return *docs.error;
    auto idx = Exec("del_scope_idx", {scope.account, scope.domain});
    if (!idx.ok()) return *idx.error;
    return OkStatus();
  }

  Status ForEachRow(const RowFn& fn) override {
    if (write_) return Error::Internal("ForEachRow in a write transaction");
    constexpr int64_t kPage = 5000;
    for (bool docs : {true, false}) {
      Row row;
      row.table = docs ? Row::Table::kDocument : Row::Table::kIndex;
      // The last row of the previous page, the next page's lower bound.
      std::string last[5];
      bool first = true;
      while (true) {
        ExecOutcome out;
        if (first) {
          out = Exec(docs ? "all_docs_first" : "all_idx_first", {kPage});
        } else if (docs) {
          out = Exec("all_docs_after", {last[0], last[1], last[2], last[3], kPage});
        } else {
          out = Exec("all_idx_after", {last[0], last[1], last[2], last[3], last[4], kPage});
        }
        if (!out.ok()) return *out.error;
        first = false;
        const int rows = PQntuples(out.result.get());
        for (int i = 0; i < rows; ++i) {
          row.account = Value(out.result, i, 0);
          row.domain = Value(out.result, i, 1);
          row.name = Value(out.result, i, 2);
          row.key = Value(out.result, i, 3);
          row.value = Value(out.result, i, 4);
          RETURN_IF_ERROR(fn(row));
        }
        if (rows < kPage) break;
        for (int c = 0; c < 5; ++c) last[c] = std::string(Value(out.result, rows - 1, c));
      }
    }
    return OkStatus();
  }

 private:
  ExecOutcome Exec(const char* name, std::initializer_list<Param> params) {
    if (failure_) {
      ExecOutcome out;
      out.error = *failure_;
      return out;
    }
    ExecOutcome out = conn_.Prepared(name, params);
    if (!out.ok()) failure_ = *out.error;
    return out;
  }

  // For statements whose result only matters if it is a failure (locks, writes): queued on the
  // connection's pipeline and sent with the next statement whose result is needed (or COMMIT).
  // A failure is then reported by that later call, and by the transaction at its end, so fn may
  // see OK from a write that failed; the transaction is still never committed.
  Status ExecDeferred(const char* name, std::initializer_list<Param> params) {
    if (failure_) return *failure_;
    if (auto e = conn_.Queue(name, params)) {
      failure_ = *e;
      return *e;
    }
    return OkStatus();
  }

  Result<std::optional<std::string>> GetImpl(const char* stmt, Scope scope, std::string_view kind,
                                             std::string_view id) {
    auto out = Exec(stmt, {scope.account, scope.domain, kind, id});
    if (!out.ok()) return *out.error;
    return BodyOf(out);
  }

  static std::optional<std::string> BodyOf(const ExecOutcome& out) {
    if (PQntuples(out.result.get()) == 0) return std::nullopt;
    return std::string(Value(out.result, 0, 0));
  }

  // A key as one string, to recognise the Get a Prefetch announced ('\0' cannot occur in
  // account and domain names or kinds).
  static std::string KeyOf(Scope scope, std::string_view kind, std::string_view id) {
    std::string key;
    key.reserve(scope.account.size() + scope.domain.size() + kind.size() + id.size() + 3);
    for (std::string_view part : {scope.account, scope.domain, kind}) {
      key.append(part);
      key.push_back('\0');
    }
    key.append(id);
    return key;
  }

  Status RequireWrite(std::string_view op) const {
    if (write_) return OkStatus();
    return Error::Internal(std::string(op) + " in a Read transaction");
  }

  static int64_t Affected(const ExecOutcome& out) {
    const char* n = PQcmdTuples(out.result.get());
    return (n && *n) ? std::stoll(n) : 0;
  }

  static std::vector<std::string> Column(const ExecOutcome& out) {
    std::vector<std::string> values;
    const int rows = PQntuples(out.result.get());
    values.reserve(rows);
    for (int i = 0; i < rows; ++i) values.emplace_back(Value(out.result, i, 0));
    return values;
  }

  // Takes the key lock for (scope, kind, id) unless this transaction already holds it in that
  // mode or stronger. Every key lock first takes its kind's intention lock (shared on the hash of
  // (account, domain, kind)) in the same statement. A transaction that has locked more than
  // kEscalateAfter keys of one kind instead takes the kind lock exclusively, which waits for every
  // other holder of a key of that kind and then covers them all: PostgreSQL keeps advisory locks
  // in a shared table sized max_locks_per_transaction x max_connections, which one large
  // transaction (a profile with thousands of objects) must not exhaust.
  Status Lock(Scope scope, std::string_view kind, std::string_view id, bool exclusive) {
    const int64_t kind_hash = KeyHash({scope.account, scope.domain, kind});
    KindLocks& k = kinds_[kind_hash];
    if (k.escalated) return OkStatus();
    const int64_t key_hash = KeyHash({scope.account, scope.domain, kind, id});
    auto held = keys_.find(key_hash);
    if (held != keys_.end() && (held->second || !exclusive)) return OkStatus();
    if (k.keys >= kEscalateAfter) {
      RETURN_IF_ERROR(ExecDeferred("lock_x", {kind_hash}));
      k.escalated = true;
      return OkStatus();
    }
    const char* stmt = k.intention ? (exclusive ? "lock_x" : "lock_s")
                                   : (exclusive ? "lock_x_kind" : "lock_s_kind");
    // Queued, not awaited: it travels with the statement that follows (the read it protects, or
    // COMMIT), which the server runs only once the lock is granted, with a snapshot of its own.
    RETURN_IF_ERROR(k.intention ? ExecDeferred(stmt, {key_hash})
                                : ExecDeferred(stmt, {kind_hash, key_hash}));
    k.intention = true;
    if (held == keys_.end()) ++k.keys;
    keys_[key_hash] = exclusive;
    return OkStatus();
  }

  // A 64-bit hash of length-prefixed parts (so that no two different keys encode alike whatever
  // their bytes). A collision only makes two keys share a lock: more waiting, never less.
  static int64_t KeyHash(std::initializer_list<std::string_view> parts) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    auto mix = [&h](unsigned char c) {
      h ^= c;
      h *= 1099511628211ull;
    };
    for (std::string_view part : parts) {
      for (char c : std::to_string(part.size())) mix(static_cast<unsigned char>(c));
      mix(':');
      for (char c : part) mix(static_cast<unsigned char>(c));
    }
    // splitmix64's finaliser: FNV-1a alone leaves the high bits of short keys poorly mixed.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    int64_t out;
    std::memcpy(&out, &h, sizeof out);
    return out;
  }

  struct KindLocks {
    bool intention = false;  // holds the kind's lock shared
    bool escalated = false;  // holds the kind's lock exclusively: every key of it is covered
    int keys = 0;            // key locks taken of this kind
  };
  static constexpr int kEscalateAfter = 1000;

  PgConnection& conn_;
  const bool write_;
  std::optional<Error> failure_;
  std::optional<std::string> prefetched_;  // the key whose Get was sent ahead (KeyOf)
  std::unordered_map<int64_t, KindLocks> kinds_;
  std::unordered_map<int64_t, bool> keys_;  // key hash -> held exclusively
  // Keys that GetForUpdate found absent and that this transaction has not written since.
  std::unordered_set<int64_t> absent_;
};

class PostgresStore final : public Store {
 public:
  PostgresStore(PostgresOptions options, std::vector<std::string> keywords,
                std::vector<std::string> values, std::string description)
      : options_(std::move(options)),
        keywords_(std::move(keywords)),
        values_(std::move(values)),
        description_(std::move(description)) {}

  ~PostgresStore() override {
    {
      MutexLock lock(mu_);
      closing_ = true;
    }
    if (opener_.joinable()) opener_.join();
  }

  // PostgresOptions::open_pool_ahead. Call once, right after construction.
  void StartOpeningAhead() {
    opener_ = std::thread([this] { OpenAhead(); });
  }

  Status Write(const TxnFn& fn) override {
    counters_.CountWrite();
    return Run(fn, /*write=*/true);
  }
  Status Read(const TxnFn& fn) override {
    counters_.CountRead();
    return Run(fn, /*write=*/false);
  }
  std::string Describe() const override { return description_; }
  // No group commit here: each Write that commits is a batch of one. Sizes are the server's.
  StoreStats Stats() const override { return counters_.Snapshot(); }

 private:
  Status Run(const TxnFn& fn, bool write) {
    int conflicts = 0;
    int reconnects = 0;
    for (;;) {
      ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, Acquire());
      bool commit_sent = false;
      Status s = Attempt(*conn, write, fn, &commit_sent);
      const bool lost = !conn->healthy() && PQstatus(conn->raw()) != CONNECTION_OK;
      Release(std::move(conn), lost);
      if (s.ok()) return s;
      if (s.error().code() == ErrorCode::kConflict && ++conflicts < options_.max_write_attempts) {
        Backoff(conflicts);
        continue;
      }
      // A connection that died before COMMIT was sent committed nothing, so the function may run
      // again on a fresh one (a server restart kills every pooled connection at once). After
      // COMMIT was sent the outcome is unknown and the caller must decide.
      if (lost && !commit_sent && ++reconnects <= 2) continue;
      if (lost && commit_sent) {
        return Error::Unavailable("postgres: connection lost during COMMIT; outcome unknown: " +
                                  s.error().message());
      }
      return s;
    }
  }

  Status Attempt(PgConnection& conn, bool write, const TxnFn& fn, bool* commit_sent) {
    // Queued: BEGIN travels with the transaction's first statement.
    if (auto e = conn.QueueSimple(write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                        : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
      Rollback(conn);
      return *e;
    }
    PgTxn txn(conn, write);
    Status s = CallFn(fn, txn);
    // A failed statement aborted the transaction whatever fn made of it; its error is the one
    // that decides whether to retry.
    if (txn.failure()) s = *txn.failure();
    if (!s.ok()) {
      Rollback(conn);
      return s;
    }
    *commit_sent = true;
    if (!write) {
      // A read-only transaction's COMMIT changes nothing and cannot fail in a way that matters
      // to what was read: it is sent now and its result read by the connection's next user.
      if (!conn.QueueSimple("COMMIT") && !conn.SyncLater()) return OkStatus();
      conn.MarkBroken();
      return OkStatus();
    }
    // Also collects the statements still queued (locks, writes): if one of them failed, that is
    // the error, COMMIT was skipped and the transaction is rolled back here.
    ExecOutcome commit = conn.Simple("COMMIT");
    if (!commit.ok()) {
      if (PQtransactionStatus(conn.raw()) == PQTRANS_INERROR) Rollback(conn);
      return *commit.error;
    }
    if (std::strcmp(PQcmdStatus(commit.result.get()), "COMMIT") != 0) {
      return Error::Internal(std::string("postgres: COMMIT answered ") +
                             PQcmdStatus(commit.result.get()));
    }
    counters_.CountCommit(1);
    return OkStatus();
  }

  // As the contract says (and as SQLite does): a function that throws rolls back and the call
  // returns kInternal; the exception goes no further and is not retried.
  static Status CallFn(const TxnFn& fn, Txn& txn) { return CallTxnFn(fn, txn); }

  // Run once on each new connection, before its statements are prepared.
  std::string SessionSetup() const {
    if (options_.statement_timeout_milliseconds <= 0) return "";
    return "SET statement_timeout = " + std::to_string(options_.statement_timeout_milliseconds);
  }

  // Statements still queued are collected and their failures ignored: the transaction is being
  // abandoned whatever they did.
  static void Rollback(PgConnection& conn) {
    if (PQstatus(conn.raw()) != CONNECTION_OK) return;
    (void)conn.Simple("ROLLBACK");
    if (PQstatus(conn.raw()) != CONNECTION_OK || PQtransactionStatus(conn.raw()) != PQTRANS_IDLE) {
      conn.MarkBroken();
    }
  }

  // Waiters are served first come, first served: a released connection (or a free slot) is
  // handed to the longest waiter, never taken by a caller that arrived later, so that when the
  // pool is smaller than the number of concurrent requests no request waits for more than its
  // turn (with a condition variable and notify_all, some waited hundreds of milliseconds).
  Result<std::unique_ptr<PgConnection>> Acquire() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (waiters_.empty() && !idle_.empty()) {
      std::unique_ptr<PgConnection> c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (waiters_.empty() && open_ < options_.pool_size) {
      ++open_;
      lock.Unlock();
      return Open();
    }
    Waiter w;
    waiters_.push_back(&w);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(options_.pool_wait_milliseconds);
    while (!w.served) {
      if (!lock.WaitUntil(w.cv, deadline)) break;
    }
    if (!w.served) {
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &w));
      return Error::Unavailable("postgres: no free connection in the pool");
    }
    if (w.conn) return std::move(w.conn);
    lock.Unlock();  // served with a free slot (open_ already counts it)
    return Open();
  }

  // Connects a new pooled connection for a slot already counted in open_.
  Result<std::unique_ptr<PgConnection>> Open() EXCLUDES(mu_) {
    auto c = PgConnection::Connect(keywords_, values_, Statements(), SessionSetup());
    if (c.ok()) {
      // Two transactions that lock the same keys in opposite orders deadlock; PostgreSQL finds
      // it only after deadlock_timeout (1 s by default), then one is retried. Setting it needs
      // superuser, so a refusal is ignored (the default then applies).
      (void)(*c)->Simple("SET deadlock_timeout = '50ms'");
      // Without pipeline mode (libpq < 14 cannot be built against; a refusal here is unexpected)
      // every queued statement would fail to send, so such a connection is not used.
      if (!(*c)->EnterPipelineMode()) {
        c = Error::Unavailable("postgres: cannot enter pipeline mode");
      }
    }
    if (!c.ok()) {
      {
        MutexLock relock(mu_);
        --open_;
        ServeWaitersLocked();
      }
      log::Warn(c.error().message());
      return std::move(c).error();
    }
    return std::move(c).value();
  }

  // Hands idle connections, then free slots, to the waiters in arrival order.
  void ServeWaitersLocked() REQUIRES(mu_) {
    while (!waiters_.empty()) {
      Waiter* w = waiters_.front();
      if (!idle_.empty()) {
        w->conn = std::move(idle_.back());
        idle_.pop_back();
      } else if (open_ < options_.pool_size) {
        ++open_;
      } else {
        return;
      }
      waiters_.pop_front();
      w->served = true;
      w->cv.notify_one();
    }
  }

  // Returns a connection to the pool, or discards it if it is unusable. A lost connection usually
  // means the server restarted, so the idle ones are dropped too rather than each failing once.
  void Release(std::unique_ptr<PgConnection> conn, bool lost) EXCLUDES(mu_) {
    std::vector<std::unique_ptr<PgConnection>> discard;
    {
      MutexLock lock(mu_);
      if (conn->healthy()) {
        idle_.push_back(std::move(conn));
        ServeWaitersLocked();
      } else {
        --open_;
        discard.push_back(std::move(conn));
        if (lost) {
          open_ -= static_cast<int>(idle_.size());
          for (auto& c : idle_) discard.push_back(std::move(c));
          idle_.clear();
        }
        ServeWaitersLocked();
      }
    }
  }

  // Opens connections into the idle list until the pool is full, the store closes or one fails
  // (then requests open them on demand, as without this).
  void OpenAhead() EXCLUDES(mu_) {
    for (;;) {
      {
        MutexLock lock(mu_);
        if (closing_ || open_ >= options_.pool_size) return;
        ++open_;
      }
      Result<std::unique_ptr<PgConnection>> c = Open();  // on failure Open gives the slot back
      if (!c.ok()) return;
      Release(std::move(c).value(), /*lost=*/false);
    }
  }

  static void Backoff(int attempt) {
    thread_local std::mt19937 rng{std::random_device{}()};
    const int cap_us = std::min(50000, 500 << std::min(attempt, 10));
    std::uniform_int_distribution<int> dist(0, cap_us);
    std::this_thread::sleep_for(std::chrono::microseconds(dist(rng)));
  }

  const PostgresOptions options_;
  const std::vector<std::string> keywords_;
  const std::vector<std::string> values_;
  const std::string description_;
  StoreCounters counters_;

  // A caller waiting in Acquire; its members are guarded by the pool's mu_.
  struct Waiter {
    std::condition_variable cv;
    bool served = false;  // set with conn, or with a free slot to open
    std::unique_ptr<PgConnection> conn;
  };

  Mutex mu_;
  std::deque<Waiter*> waiters_ GUARDED_BY(mu_);  // oldest first
  std::vector<std::unique_ptr<PgConnection>> idle_ GUARDED_BY(mu_);
  int open_ GUARDED_BY(mu_) = 0;  // idle + in use
  bool closing_ GUARDED_BY(mu_) = false;
  std::thread opener_;  // OpenAhead, when asked for; joined by the destructor
};

// Splits the URL or key=value conninfo into keyword/value pairs and adds the defaults that keep
// calls bounded when the server is unreachable.
Status ParseConninfo(const PostgresOptions& options, std::vector<std::string>* keywords,
                     std::vector<std::string>* values) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.conninfo.c_str(), &err);
  if (!parsed) {
    std::string m = err ? err : "out of memory";
    if (err) PQfreemem(err);
    while (!m.empty() && m.back() == '\n') m.pop_back();
    return Error::BadRequest("postgres: invalid connection string: " + m);
  }
  for (PQconninfoOption* o = parsed; o->keyword; ++o) {
    if (o->val && *o->val) {
      keywords->push_back(o->keyword);
      values->push_back(o->val);
    }
  }
  PQconninfoFree(parsed);
  auto set_default = [&](const char* k, std::string v) {
    if (std::find(keywords->begin(), keywords->end(), k) != keywords->end()) return;
    keywords->push_back(k);
    values->push_back(std::move(v));
  };
  set_default("connect_timeout", std::to_string(std::max(1, options.connect_timeout_seconds)));
  set_default("application_name", "profiled");
  set_default("keepalives", "1");
  set_default("keepalives_idle", "30");
  set_default("keepalives_interval", "10");
  set_default("keepalives_count", "3");
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options) {
  if (options.pool_size < 1) return Error::BadRequest("postgres: pool_size must be at least 1");
  std::vector<std::string> keywords, values;
  RETURN_IF_ERROR(ParseConninfo(options, &keywords, &values));
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn,
                   PgConnection::Connect(keywords, values, /*statements=*/{}, /*setup=*/""));
  RETURN_IF_ERROR(Migrate(*conn));
  const char* host = PQhost(conn->raw());
  std::string description = std::string("postgres:") + (host ? host : "") + ":" +
                            PQport(conn->raw()) + "/" + PQdb(conn->raw());
  PostgresOptions opts = options;
  opts.max_write_attempts = std::max(1, opts.max_write_attempts);
  auto store = std::make_unique<PostgresStore>(std::move(opts), std::move(keywords),
                                               std::move(values), std::move(description));
  if (options.open_pool_ahead) store->StartOpeningAhead();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace profiled::store::postgres
