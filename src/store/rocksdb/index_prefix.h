// File: index_prefix.h
// The prefix RocksDB's bloom filters keep for index rows: the row's (scope, name, value) part
// (keys::IndexValuePrefixLength). IndexLookup reads the rows of one value, and a file or memtable
// whose filter has not seen that value is skipped without a seek: the lookup of a value no row
// has (an upload's unique key or PutProfileObject's key that is new, a rule-based match key seen
// first, a search that finds nothing) costs filter probes instead of a seek per file. Documents and
// other keys are outside the transform's domain (their point reads use the whole-key filter).
#pragma once

#include <rocksdb/slice_transform.h>

#include <memory>

namespace profiled::store::rocks {

std::shared_ptr<const rocksdb::SliceTransform> NewIndexValuePrefixTransform();

}  // namespace profiled::store::rocks
