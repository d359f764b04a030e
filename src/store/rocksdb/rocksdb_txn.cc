// File: rocksdb_txn.cc
#include "store/rocksdb/rocksdb_txn.h"

#include <memory>
#include <utility>

#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {

Error RocksError(const rocksdb::Status& status, std::string_view what) {
  std::string message = "rocksdb: " + std::string(what) + ": " + status.ToString();
  if (status.IsBusy() || status.IsTryAgain() || status.IsShutdownInProgress()) {
    return Error::Unavailable(std::move(message));
  }
  return Error::Internal(std::move(message));
}

Status RocksTxn::RequireWritable() const {
  if (writes_ == nullptr) return Error::Internal("write in read transaction");
  return OkStatus();
}

rocksdb::ReadOptions RocksTxn::Options() const {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_;
  // With a prefix extractor configured (db_options.cc), an iterator would otherwise stay inside
  // its seek key's prefix; only the walks of one index value ask for that (OneIndexValue).
  options.total_order_seek = true;
  return options;
}

namespace {

rocksdb::ReadOptions OneIndexValue(rocksdb::ReadOptions options) {
  options.total_order_seek = false;
  options.prefix_same_as_start = true;
  return options;
}

}  // namespace

Result<std::optional<std::string>> RocksTxn::GetKey(const std::string& key) {
  if (writes_ != nullptr) return writes_->Get(db_, Options(), key);
  // Documents only: an index row's point read (IndexHas) is not a unit the cache keeps.
  const bool cached = cache_ != nullptr && !key.empty() && key[0] == keys::kDocTable;
  if (cached) {
    if (auto kept = cache_->FindDocument(key, snapshot_->GetSequenceNumber())) return *kept;
  }
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db_.Get(Options(), db_.DefaultColumnFamily(), key, &value);
  if (s.IsNotFound()) {
    if (cached) cache_->KeepDocument(key, snapshot_->GetSequenceNumber(), nullptr);
    return std::optional<std::string>();
  }
  if (!s.ok()) return RocksError(s, "get");
  std::optional<std::string> body(value.ToString());
  if (cached) cache_->KeepDocument(key, snapshot_->GetSequenceNumber(), &*body);
  return body;
}

std::unique_ptr<rocksdb::Iterator> RocksTxn::NewIterator(const std::optional<std::string>& upper,
                                                         rocksdb::Slice* upper_slice, Walk walk) {
  rocksdb::ReadOptions options = Options();
  if (walk == Walk::kOneIndexValue) options = OneIndexValue(options);
  if (walk == Walk::kWholeTable) {
    // A walk of everything (a snapshot save): read ahead in large steps, and leave the block
    // cache to the requests.
    options.fill_cache = false;
    options.readahead_size = 4 << 20;
  }
  if (upper) {
    *upper_slice = *upper;
    options.iterate_upper_bound = upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(options));
  if (writes_ != nullptr) {
    it.reset(
        writes_->Indexed().NewIteratorWithBase(db_.DefaultColumnFamily(), it.release(), &options));
  }
  return it;
}

Status RocksTxn::ForEach(const std::string& lower, const std::optional<std::string>& upper,
                         const std::function<bool(std::string_view, std::string_view)>& visit,
                         Walk walk) {
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> it = NewIterator(upper, &upper_slice, walk);
  for (it->Seek(lower); it->Valid(); it->Next()) {
    rocksdb::Slice key = it->key();
    std::string_view k(key.data(), key.size());
    // The batch's own entries are not cut by iterate_upper_bound everywhere: check it here.
    if (upper && k >= std::string_view(*upper)) break;
    rocksdb::Slice value = it->value();
    if (!visit(k, std::string_view(value.data(), value.size()))) break;
  }
  if (!it->status().ok()) return RocksError(it->status(), "iterate");
  return OkStatus();
}

Result<int64_t> RocksTxn::DeleteRange(const std::string& lower,
                                      const std::optional<std::string>& upper) {
  // Collected first: writing into the batch under an open iterator of it is not safe.
  std::vector<std::string> doomed;
  RETURN_IF_ERROR(ForEach(lower, upper, [&](std::string_view key, std::string_view) {
    doomed.emplace_back(key);
    return true;
  }));
  if (committed_ != nullptr && !doomed.empty()) committed_->TouchedAll();
  for (auto& key : doomed) RETURN_IF_ERROR(writes_->Delete(key));
  return static_cast<int64_t>(doomed.size());
}

Result<std::optional<std::string>> RocksTxn::GetKept(const std::string& key) {
  std::string body;
  switch (writes_->Own(key, &body)) {
    case GroupWrites::OwnWrite::kPut:
      return std::optional<std::string>(std::move(body));
    case GroupWrites::OwnWrite::kDeleted:
      return std::optional<std::string>();
    case GroupWrites::OwnWrite::kUnknown:
      return GetKey(key);
    case GroupWrites::OwnWrite::kNone:
      break;
  }
  if (const std::string* kept = committed_->Find(key)) return std::optional<std::string>(*kept);
  ASSIGN_OR_RETURN(std::optional<std::string> stored, GetKey(key));
  if (stored) committed_->Remember(key, *stored);
  return stored;
}

Result<std::optional<std::string>> RocksTxn::Get(Scope scope, std::string_view kind,
                                                 std::string_view id) {
  if (committed_ != nullptr && committed_->Keeps(kind)) {
    return GetKept(keys::DocKey(scope, kind, id));
  }
  return GetKey(keys::DocKey(scope, kind, id));
}

Result<std::optional<std::string>> RocksTxn::GetForUpdate(Scope scope, std::string_view kind,
                                                          std::string_view id) {
  return Get(scope, kind, id);
}

Status RocksTxn::Put(Scope scope, std::string_view kind, std::string_view id,
                     std::string_view body) {
  RETURN_IF_ERROR(RequireWritable());
  std::string key = keys::DocKey(scope, kind, id);
  if (committed_ != nullptr && committed_->Keeps(kind)) committed_->Touched(key);
  return writes_->Put(key, body);
}

Result<bool> RocksTxn::Delete(Scope scope, std::string_view kind, std::string_view id) {
  RETURN_IF_ERROR(RequireWritable());
  std::string key = keys::DocKey(scope, kind, id);
  ASSIGN_OR_RETURN(std::optional<std::string> existing, GetKey(key));
  if (!existing) return false;
  if (committed_ != nullptr && committed_->Keeps(kind)) committed_->Touched(key);
  RETURN_IF_ERROR(writes_->Delete(key));
  return true;
}

Result<std::vector<Document>> RocksTxn::Scan(Scope scope, std::string_view kind,
                                             std::string_view id_prefix, std::string_view after,
                                             size_t limit) {
  std::vector<Document> docs;
  if (limit == 0) return docs;
  const std::string prefix = keys::DocPrefix(scope, kind);
  const std::string lower = prefix + keys::LowerBound(id_prefix, after);
  RETURN_IF_ERROR(ForEach(
      lower, keys::PrefixUpperBound(prefix + std::string(id_prefix)),
      [&](std::string_view key, std::string_view value) {
        docs.push_back(Document{std::string(key.substr(prefix.size())), std::string(value)});
        return docs.size() < limit;
      }));
  return docs;
}

Result<int64_t> RocksTxn::Count(Scope scope, std::string_view kind, std::string_view id_prefix) {
  const std::string lower = keys::DocPrefix(scope, kind) + std::string(id_prefix);
  int64_t n = 0;
  RETURN_IF_ERROR(ForEach(lower, keys::PrefixUpperBound(lower), [&](auto, auto) {
    ++n;
    return true;
  }));
  return n;
}

Result<int64_t> RocksTxn::DeleteKind(Scope scope, std::string_view kind,
                                     std::string_view id_prefix) {
  RETURN_IF_ERROR(RequireWritable());
  const std::string lower = keys::DocPrefix(scope, kind) + std::string(id_prefix);
  return DeleteRange(lower, keys::PrefixUpperBound(lower));
}

// An index row has no value: its key is the whole row, so adding and removing are blind writes
// (no read), which is what an LSM tree does best.
Status RocksTxn::IndexAdd(Scope scope, std::string_view name, std::string_view value,
                          std::string_view ref) {
  RETURN_IF_ERROR(RequireWritable());
  return writes_->Put(keys::IndexKey(scope, name, value, ref), {});
}

Status RocksTxn::IndexRemove(Scope scope, std::string_view name, std::string_view value,
                             std::string_view ref) {
  RETURN_IF_ERROR(RequireWritable());
  return writes_->Delete(keys::IndexKey(scope, name, value, ref));
}

Result<std::vector<std::string>> RocksTxn::IndexLookup(Scope scope, std::string_view name,
                                                       std::string_view value,
                                                       std::string_view after_ref, size_t limit) {
  std::vector<std::string> refs;
  if (limit == 0) return refs;
  const std::string prefix = keys::IndexValuePrefix(scope, name, value);
  const std::string lower = prefix + keys::LowerBound("", after_ref);
  auto collect = [&](std::string_view key, std::string_view) {
    refs.emplace_back(key.substr(prefix.size()));
    return refs.size() < limit;
  };
  if (writes_ != nullptr) {
    // While the group has written nothing under the value, the database's rows are the group's
    // view: none when the writer's filter says so (value_filters.h), else the kept list
    // (committed_docs.h) if there is one.
    const bool unwritten = !writes_->MayHaveRowsUnder(prefix);
    if (unwritten && filters_ != nullptr && filters_->NoRowsUnder(prefix)) return refs;
    const bool kept =
        committed_ != nullptr && committed_->KeepsRefs() && after_ref.empty() && unwritten;
    if (kept) {
      if (auto list = committed_->FindRefs(prefix, limit)) return *std::move(list);
    }
    // A deferred group answers without an index over all its writes (group_writes.h).
    ASSIGN_OR_RETURN(
        bool done, writes_->ForEachIndexRow(db_, OneIndexValue(Options()), prefix, lower, collect));
    if (done) {
      if (kept && refs.size() < limit) committed_->RememberRefs(prefix, refs);
      return refs;
    }
  }
  // A Read transaction's lookup from the first ref is the unit the cache keeps: every ref of the
  // value, known to be all when fewer than `limit` came back.
  const bool cached = cache_ != nullptr && after_ref.empty();
  if (cached) {
    if (auto kept = cache_->FindRefs(prefix, snapshot_->GetSequenceNumber(), limit)) return *kept;
  }
  RETURN_IF_ERROR(ForEach(lower, keys::PrefixUpperBound(prefix), collect, Walk::kOneIndexValue));
  if (cached && refs.size() < limit) cache_->KeepRefs(prefix, snapshot_->GetSequenceNumber(), refs);
  return refs;
}

// A row is a key of its own (IndexAdd): a point read, which the bloom filters mostly answer
// without a disk read when the row is absent; the writer's filter of the name's values without
// a read at all, when the group has not written the row.
Result<bool> RocksTxn::IndexHas(Scope scope, std::string_view name, std::string_view value,
                                std::string_view ref) {
  std::string key = keys::IndexValuePrefix(scope, name, value);
  const size_t prefix_length = key.size();
  key.append(ref);
  if (filters_ != nullptr) {
    std::string own;
    if (writes_->Own(key, &own) == GroupWrites::OwnWrite::kNone &&
        filters_->NoRowsUnder(std::string_view(key).substr(0, prefix_length))) {
      return false;
    }
  }
  ASSIGN_OR_RETURN(std::optional<std::string> row, GetKey(key));
  return row.has_value();
}

// One seek per distinct value, however many refs each has: after reading a value, the next seek
// goes past every key under it.
Result<std::vector<std::string>> RocksTxn::IndexValues(Scope scope, std::string_view name,
                                                       std::string_view after_value, size_t limit) {
  std::vector<std::string> values;
  if (limit == 0) return values;
  const std::string prefix = keys::IndexNamePrefix(scope, name);
  const std::optional<std::string> upper = keys::PrefixUpperBound(prefix);
  std::string lower = prefix;
  if (!after_value.empty()) {
    keys::AppendEscaped(&lower, after_value);
    lower = *keys::PrefixUpperBound(lower);  // an escaped component never ends in 0xFF
  }
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> it = NewIterator(upper, &upper_slice);
  while (values.size() < limit) {
    it->Seek(lower);
    if (!it->Valid()) break;
    std::string_view key(it->key().data(), it->key().size());
    if (upper && key >= std::string_view(*upper)) break;
    size_t pos = prefix.size();
    std::string value;
    if (!keys::ReadEscaped(key, &pos, &value))
      return Error::Internal("rocksdb: malformed index key");
    lower = *keys::PrefixUpperBound(key.substr(0, pos));
    values.push_back(std::move(value));
  }
  if (!it->status().ok()) return RocksError(it->status(), "iterate");
  return values;
}

Status RocksTxn::DeleteScope(Scope scope) {
  RETURN_IF_ERROR(RequireWritable());
  if (scope.domain.empty()) return Error::Internal("DeleteScope of an account-level scope");
  for (char table : {keys::kDocTable, keys::kIndexTable}) {
    const std::string prefix = keys::ScopePrefix(table, scope);
    RETURN_IF_ERROR(DeleteRange(prefix, keys::PrefixUpperBound(prefix)));
  }
  return OkStatus();
}

// Decodes each key of the two tables (keys.h) back into its components.
Status RocksTxn::ForEachRow(const RowFn& fn) {
  if (writes_ != nullptr) return Error::Internal("ForEachRow in a write transaction");
  Status result;
  std::string account, domain, name, key;
  for (char table : {keys::kDocTable, keys::kIndexTable}) {
    const std::string lower(1, table);
    RETURN_IF_ERROR(ForEach(
        lower, keys::PrefixUpperBound(lower),
        [&](std::string_view k, std::string_view v) {
          size_t pos = 1;
          Row row;
          bool ok = keys::ReadEscaped(k, &pos, &account) && keys::ReadEscaped(k, &pos, &domain) &&
                    keys::ReadEscaped(k, &pos, &name);
          if (ok && table == keys::kIndexTable) {
            ok = keys::ReadEscaped(k, &pos, &key);
            row.table = Row::Table::kIndex;
            row.key = key;
            row.value = k.substr(pos);
          } else if (ok) {
            row.key = k.substr(pos);
            row.value = v;
          }
          if (!ok) {
            result = Error::Internal("rocksdb: malformed key in table " + lower);
            return false;
          }
          row.account = account;
          row.domain = domain;
          row.name = name;
          result = fn(row);
          return result.ok();
        },
        Walk::kWholeTable));
    RETURN_IF_ERROR(result);
  }
  return OkStatus();
}

}  // namespace profiled::store::rocks
