// File: value_filters.h
// The writer thread's own filters of the index values the database has rows under, one per index
// name that Writes look values up in, so that the lookup of a value no row has (an upload's new
// email, a new object's key) costs a probe of memory instead of a prefix seek over every memtable
// and file. Such lookups were a quarter of an upload job's writer time: an iterator built and
// seeked through RocksDB's per-file prefix filters for every row.
//
// Bloom filters: "no rows" is certain, "maybe" is checked in the database as before. A name's
// filter is made at the writer's first question about it: from then on the writer adds the value
// of every index row it commits under the name (Committed), and a thread of its own reads the
// rows the database already has there, from a snapshot taken after the filter was made, so every
// row committed before or since is in one or the other. Until that scan is done the filter
// answers "maybe". Rows removed stay in the filter (a "maybe" the database then answers); rows
// that reach the database around the writer (a RowLoader's files) make every filter answer
// "maybe" for good (Disable).
//
// Bounded: filters grow in layers (each four times the one before, ~10 bits per value, ~1% false
// "maybe"s); a name whose filters would take the store past `capacity_bytes` answers "maybe" from
// then on and frees its memory. Only the writer thread calls the members, apart from the scans'
// threads, which hand their filters over when done.
#pragma once

#include <rocksdb/db.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/rocksdb/group_writes.h"

namespace profiled::store::rocks {

// A growing Bloom filter of 64-bit hashes: layers of 512-bit blocks, six bits per value.
class LayeredBloom {
 public:
  static constexpr size_t kFirstLayerValues = size_t{1} << 16;
  static constexpr size_t kGrowth = 4;
  static constexpr size_t kBitsPerValue = 10;

  bool MayContain(uint64_t hash) const;
  // Adds the hash (a value already reported present is not counted again); false, adding
  // nothing, when a new layer would take bytes() past `max_bytes`.
  bool Add(uint64_t hash, size_t max_bytes);
  size_t bytes() const { return bytes_; }
  size_t layers() const { return layers_.size(); }

 private:
  struct Layer {
    std::vector<uint64_t> words;  // 8 per block
    size_t blocks = 0;
    size_t capacity = 0;  // values before the next layer is started
    size_t count = 0;
  };
  std::vector<Layer> layers_;
  size_t bytes_ = 0;
};

class ValueFilters {
 public:
  static constexpr size_t kDefaultCapacityBytes = size_t{64} << 20;

  ValueFilters(rocksdb::DB& db, size_t capacity_bytes = kDefaultCapacityBytes);
  ~ValueFilters();  // stops the scans and waits for them
  ValueFilters(const ValueFilters&) = delete;
  ValueFilters& operator=(const ValueFilters&) = delete;

  // True only when the database certainly has no row under `value_prefix` (keys::
  // IndexValuePrefix of one index name and value) as of the last Committed. Makes the name's
  // filter, and starts its scan, at the first question about the name.
  bool NoRowsUnder(std::string_view value_prefix);
  // The group's writes are in the database: their index rows' values go into the filters.
  void Committed(GroupWrites& writes);
  // Rows reached the database around the writer: every answer is "maybe" from now on.
  void Disable();

  // For tests and figures.
  void WaitForScans();
  size_t filters() const { return names_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  struct NameFilter;
  NameFilter* FilterOf(std::string_view name_prefix);
  // The filter answers "maybe" for good; its memory goes.
  void GiveUp(NameFilter& filter);
  static void Scan(rocksdb::DB& db, NameFilter& filter, size_t capacity_bytes,
                   std::stop_token stop);

  rocksdb::DB& db_;
  const size_t capacity_bytes_;
  bool disabled_ = false;
  size_t bytes_ = 0;  // of the filters the writer answers from (a scan's, once handed over)
  // Keyed by keys::IndexNamePrefix (the scope and the name), found by a view of a written key's
  // prefix without a copy; the filters never move.
  struct PrefixHash {
    using is_transparent = void;
    size_t operator()(std::string_view prefix) const {
      return std::hash<std::string_view>()(prefix);
    }
  };
  std::unordered_map<std::string, std::unique_ptr<NameFilter>, PrefixHash, std::equal_to<>> names_;
};

}  // namespace profiled::store::rocks
