// File: committed_docs.h
// The committed bodies of the few kinds of documents that nearly every write reads (a domain's
// document, its object types, its statistics shards), kept by the writer thread so that a Write
// finds them without a walk of the memtables and files (a tenth of a PutProfileObject's writer
// time went to reading the domain and object type documents).
//
// Exact, not a cache that may lag: the writer thread is the only one that changes the database
// (RocksDB's lock keeps other processes out), so a body it reads from the database is the
// committed one; a Write that puts or deletes a kept key marks it (Touched), and when the group
// commits every marked key takes the group's last write of it (Committed). A group that fails
// leaves the committed bodies as they were, and so does this (Abandoned). Only the writer thread
// uses it.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/rocksdb/group_writes.h"

namespace profiled::store::rocks {

class CommittedDocs {
 public:
  static constexpr std::string_view kEveryKind = "*";
  // `kinds`: the document kinds kept (none: nothing is kept; kEveryKind: all).
  explicit CommittedDocs(std::vector<std::string> kinds) : kinds_(std::move(kinds)) {}

  bool Keeps(std::string_view kind) const;
  // The committed body of `key`, if kept (null otherwise; absence is not kept).
  const std::string* Find(const std::string& key) const;
  // `body` is the committed body of `key`, read from the database by the writer.
  void Remember(const std::string& key, std::string_view body);

  // A Write of the current group put or deleted `key`.
  void Touched(std::string_view key) { touched_.emplace_back(key); }
  // A Write of the current group deleted keys it did not name (DeleteKind, DeleteScope).
  void TouchedAll() { touched_all_ = true; }
  // The group's writes are committed.
  void Committed(const GroupWrites& writes);
  // The group's writes are lost (or there were none).
  void Abandoned();
  void Clear();

 private:
  static constexpr size_t kMaxKept = 1024;  // domains x (document, types, shards)
  std::vector<std::string> kinds_;
  std::unordered_map<std::string, std::string> bodies_;  // by the document's key
  std::vector<std::string> touched_;
  bool touched_all_ = false;
};

}  // namespace profiled::store::rocks
