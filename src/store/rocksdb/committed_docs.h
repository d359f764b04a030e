// File: committed_docs.h
// The committed bodies of the kinds of documents that nearly every write reads (a domain's
// document, its object types, its statistics shards, and the profiles the writes change), kept by
// the writer thread so that a Write finds them without a walk of the memtables and files (a tenth
// of a PutProfileObject's writer time went to reading the domain and object type documents, and
// as much again to reading the profile).
//
// Exact, not a cache that may lag: the writer thread is the only one that changes the database
// (RocksDB's lock keeps other processes out), so a body it reads from the database is the
// committed one; a Write that puts or deletes a kept key marks it (Touched), and when the group
// commits every marked key takes the group's last write of it (Committed). A group that fails
// leaves the committed bodies as they were, and so does this (Abandoned). Only the writer thread
// uses it.
//
// And, when asked to, the refs under one index value that a Write looked up (the profile of an
// object's `_email`, say): the whole list, while no Write changes a row under that value; a group
// that writes there reads the database until it has committed, and the commit drops the list.
//
// Bounded: past `capacity_bytes` the least recently used bodies and lists go first. The domain
// documents and object types every write reads stay; profiles stay while they are written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/rocksdb/group_writes.h"

namespace profiled::store::rocks {

class CommittedDocs {
 public:
  static constexpr std::string_view kEveryKind = "*";
  static constexpr size_t kDefaultCapacityBytes = size_t{16} << 20;
  // Lists longer than this are not kept (a search key's refs are one profile, or a few).
  static constexpr size_t kMaxKeptRefs = 16;
  // `kinds`: the document kinds kept (none: nothing is kept; kEveryKind: all). `keep_refs`: index
  // lookups too.
  explicit CommittedDocs(std::vector<std::string> kinds, bool keep_refs = false,
                         size_t capacity_bytes = kDefaultCapacityBytes)
      : kinds_(std::move(kinds)), keep_refs_(keep_refs), capacity_bytes_(capacity_bytes) {}

  bool Keeps(std::string_view kind) const;
  // The committed body of `key`, if kept (null otherwise; absence is not kept). Valid until the
  // next call of any other member.
  const std::string* Find(const std::string& key);
  // `body` is the committed body of `key`, read from the database by the writer.
  void Remember(const std::string& key, std::string_view body);

  bool KeepsRefs() const { return keep_refs_; }
  // The first `limit` refs under `value_prefix` (keys::IndexValuePrefix), if its list is kept.
  std::optional<std::vector<std::string>> FindRefs(const std::string& value_prefix, size_t limit);
  // `refs` are all the committed refs under `value_prefix`, read from the database by the writer
  // (an empty list or a long one is not kept).
  void RememberRefs(const std::string& value_prefix, const std::vector<std::string>& refs);

  // A Write of the current group put or deleted `key`.
  void Touched(std::string_view key) { touched_.emplace_back(key); }
  // A Write of the current group deleted keys it did not name (DeleteKind, DeleteScope).
  void TouchedAll() { touched_all_ = true; }
  // The group's writes are committed (the lists under the index values it wrote are dropped).
  void Committed(GroupWrites& writes);
  // The group's writes are lost (or there were none).
  void Abandoned();
  void Clear();

  size_t kept_bytes() const { return bytes_; }
  size_t kept_count() const { return index_.size(); }

 private:
  struct Kept {
    std::string key;
    std::string body;
  };
  using Order = std::list<Kept>;  // most recently used first
  // What one kept body counts against the capacity: its bytes and the list and map nodes.
  static size_t Charge(const Kept& kept) { return kept.key.size() + kept.body.size() + 96; }
  void ReplaceBody(Order::iterator it, std::string body);
  void Erase(Order::iterator it);
  void EvictOverCapacity();
  // Drops the kept lists under the index values the group wrote (all of them if it cannot tell
  // which).
  void DropWrittenRefs(GroupWrites& writes);
  // A filter of the value prefixes whose lists are kept, so that a commit looks up only the
  // written values that may have one (most are new: an order's id, an expiry time), not each in
  // a table too large for the CPU's caches. A bit stays set after its list goes until the
  // filter is rebuilt from the kept lists, once set bits pile up.
  static size_t FilterBit(std::string_view value_prefix);
  void SetFilterBit(std::string_view value_prefix);
  bool MayKeepList(std::string_view value_prefix) const;
  void RebuildFilter();

  std::vector<std::string> kinds_;
  bool keep_refs_;
  size_t capacity_bytes_;
  Order order_;
  std::unordered_map<std::string_view, Order::iterator> index_;  // views of Kept::key
  size_t bytes_ = 0;
  size_t kept_lists_ = 0;  // how many of the kept entries are lists of refs
  static constexpr size_t kFilterBits = size_t{1} << 20;  // 128 KiB
  std::vector<uint64_t> list_filter_;
  size_t filter_sets_ = 0;  // bits set since the filter was last rebuilt
  std::vector<std::string> touched_;
  bool touched_all_ = false;
};

}  // namespace profiled::store::rocks
