#include "service/attribute_index.h"

#include <cstdint>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "service/attribute_values.h"
#include "service/common.h"
#include "service/domain_cache.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

constexpr std::string_view kStateMember = "_attributeRows";
constexpr std::string_view kNone = "none";
constexpr std::string_view kFilling = "filling";
// Profiles per fill transaction: small enough that a chunk's locks and rows stay small.
constexpr size_t kFillChunk = 256;

// Moves the stored state from `from` to `to` ("" removes it); returns the state it found.
Result<AttributeRows> MoveState(const ServiceEnv& env, const RequestContext& ctx,
                                std::string_view domain, AttributeRows from, std::string_view to) {
  AttributeRows found = AttributeRows::kComplete;
  Status written = env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(AccountScope(ctx), kDomainKind, domain));
    found = AttributeRows::kComplete;
    if (!body) return OkStatus();
    ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
    found = AttributeRowsOf(doc);
    if (found != from) return OkStatus();
    if (to.empty()) {
      doc.erase(kStateMember);
    } else {
      doc[kStateMember] = to;
    }
    return txn.Put(AccountScope(ctx), kDomainKind, domain, Serialize(doc));
  });
  ForgetKeptDomains(env);
  RETURN_IF_ERROR(written);
  return found;
}

// The next profiles of a fill: each one's id, the body it was listed with, and the rows that body
// derives.
struct Listed {
  std::string id, body;
  std::vector<KeyRow> rows;
};

// Lists up to kFillChunk profiles after `cursor` and derives their rows, in a Read transaction:
// neither the scan (which would turn a RocksDB write group's buffer into an indexed one: 45% of
// the writer's time in a fill) nor the parsing runs on the writer.
Result<std::vector<Listed>> ListChunk(const ServiceEnv& env, store::Scope scope,
                                      const std::string& cursor) {
  std::vector<Listed> chunk;
  RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
    chunk.clear();
    ASSIGN_OR_RETURN(auto docs, txn.Scan(scope, kProfileKind, "", cursor, kFillChunk));
    for (store::Document& doc : docs) {
      ASSIGN_OR_RETURN(json::object profile, ParseStored(doc.body));
      chunk.push_back({std::move(doc.id), std::move(doc.body), DeriveAttributeValues(profile)});
    }
    return OkStatus();
  }));
  return chunk;
}

// Adds the chunk's rows, each profile read again with GetForUpdate: its rows come from its latest
// version (derived again if it changed since the listing), which no write can change until this
// commits. One deleted since is skipped (its rows went with it); one created since keeps its own.
Status AddChunkRows(store::Txn& txn, store::Scope scope, const std::vector<Listed>& chunk) {
  for (const Listed& listed : chunk) {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kProfileKind, listed.id));
    if (!body) continue;
    const std::vector<KeyRow>* rows = &listed.rows;
    std::vector<KeyRow> changed;
    if (*body != listed.body) {
      ASSIGN_OR_RETURN(json::object profile, ParseStored(*body));
      changed = DeriveAttributeValues(profile);
      rows = &changed;
    }
    for (const auto& [name, value] : *rows) {
      RETURN_IF_ERROR(txn.IndexAdd(scope, AttributeIndexName(name), value, listed.id));
    }
  }
  return OkStatus();
}

// Fills the domain's rows: "none" -> "filling", every profile's rows, then complete.
Status Fill(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain,
            AttributeRows state) {
  if (state == AttributeRows::kNone) {
    ASSIGN_OR_RETURN(state, MoveState(env, ctx, domain, AttributeRows::kNone, kFilling));
    if (state == AttributeRows::kComplete) return OkStatus();  // filled meanwhile, or deleted
  }
  const store::Scope scope = DomainScope(ctx, domain);
  std::string cursor;
  for (bool done = false; !done;) {
    ASSIGN_OR_RETURN(std::vector<Listed> chunk, ListChunk(env, scope, cursor));
    done = chunk.size() < kFillChunk;
    RETURN_IF_ERROR(env.store->Write(
        [&](store::Txn& txn) -> Status { return AddChunkRows(txn, scope, chunk); }));
    if (!chunk.empty()) cursor = chunk.back().id;
  }
  ASSIGN_OR_RETURN(state, MoveState(env, ctx, domain, AttributeRows::kFilling, ""));
  return OkStatus();
}

// The fills this process runs, by store and domain: a second reader of a domain being filled
// (a client that retried after its read timed out, say) waits for the fill instead of doing it
// all again beside it. Readers in other processes (PostgreSQL) may fill at once: harmless.
class FillsInProgress {
 public:
  Status Run(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain,
             AttributeRows state) {
    std::string key = std::to_string(reinterpret_cast<uintptr_t>(env.store)) + "/" +
                      ctx.account_id + "/" + std::string(domain);
    std::promise<Status> mine;
    std::shared_future<Status> running;
    {
      MutexLock lock(mu_);
      auto it = fills_.find(key);
      if (it != fills_.end()) {
        running = it->second;
      } else {
        fills_.emplace(key, mine.get_future().share());
      }
    }
    if (running.valid()) return running.get();
    Status filled = Fill(env, ctx, domain, state);
    {
      MutexLock lock(mu_);
      fills_.erase(key);
    }
    mine.set_value(filled);
    return filled;
  }

 private:
  Mutex mu_;
  std::map<std::string, std::shared_future<Status>> fills_ GUARDED_BY(mu_);
};

// The state of the domain's document as `txn` reads it (a domain that does not exist: complete,
// its callers check it themselves).
Result<AttributeRows> StateIn(store::Txn& txn, const RequestContext& ctx, std::string_view domain) {
  ASSIGN_OR_RETURN(auto body, txn.Get(AccountScope(ctx), kDomainKind, domain));
  if (!body) return AttributeRows::kComplete;
  return AttributeRowsOfBody(*body);
}

// StateIn, in a Read of its own.
Result<AttributeRows> StoredState(store::Store& store, const RequestContext& ctx,
                                  std::string_view domain) {
  AttributeRows state = AttributeRows::kComplete;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(state, StateIn(txn, ctx, domain));
    return OkStatus();
  }));
  return state;
}

FillsInProgress& Fills() {
  static auto* fills = new FillsInProgress();  // never destroyed: no exit-time ordering
  return *fills;
}

}  // namespace

AttributeRows AttributeRowsOf(const json::object& domain) {
  auto state = GetString(domain, kStateMember);
  if (!state) return AttributeRows::kComplete;
  return *state == kNone ? AttributeRows::kNone : AttributeRows::kFilling;
}

Result<AttributeRows> AttributeRowsOfBody(std::string_view body) {
  // Every profile write asks: a domain document without the member (the most of them) answers
  // without a parse, and so does one that starts with it (StartWithoutAttributeRows puts it first,
  // MoveState's assignment keeps it there; nothing user-given can come before it).
  if (body.starts_with(R"({"_attributeRows":"none",)")) return AttributeRows::kNone;
  if (body.starts_with(R"({"_attributeRows":"filling",)")) return AttributeRows::kFilling;
  if (body.find("\"_attributeRows\"") == std::string_view::npos) return AttributeRows::kComplete;
  ASSIGN_OR_RETURN(json::object doc, ParseStored(body));
  return AttributeRowsOf(doc);
}

void StartWithoutAttributeRows(json::object& domain) {
  json::object marked;
  marked[kStateMember] = kNone;
  for (auto& [key, value] : domain) marked[key] = std::move(value);
  domain = std::move(marked);
}

void HideAttributeRowsState(json::object& domain) { domain.erase(kStateMember); }

Status EnsureAttributeRows(const ServiceEnv& env, const RequestContext& ctx,
                           std::string_view domain) {
  ASSIGN_OR_RETURN(AttributeRows state, StoredState(*env.store, ctx, domain));
  if (state == AttributeRows::kComplete) return OkStatus();
  return Fills().Run(env, ctx, domain, state);
}

bool AttributeRowsLikelyKept(const ServiceEnv& env, const RequestContext& ctx,
                             std::string_view domain) {
  auto kept = KeptDomain(env, ctx, domain);
  if (!kept.ok() || !*kept) return true;
  return AttributeRowsOf(**kept) != AttributeRows::kNone;
}

bool AttributeRowsLikelyKept(store::Store& store, const RequestContext& ctx,
                             std::string_view domain) {
  auto state = StoredState(store, ctx, domain);
  return !state.ok() || *state != AttributeRows::kNone;
}

Result<bool> AttributeRowsComplete(store::Txn& txn, const RequestContext& ctx,
                                   std::string_view domain) {
  ASSIGN_OR_RETURN(AttributeRows state, StateIn(txn, ctx, domain));
  return state == AttributeRows::kComplete;
}

}  // namespace profiled::service
