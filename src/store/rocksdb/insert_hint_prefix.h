// File: insert_hint_prefix.h
// The prefix under which a memtable keeps an insert hint (RocksDB's
// memtable_insert_with_hint_prefix_extractor): the key's table byte, scope and kind or index name
// (keys::ScopeNamePrefixLength). Without hints the skip list starts every insert from the splice
// of the write before it, and a write's keys land in as many places as it has kinds (a put's
// history record, object, profile, statistics shard and four index rows), so every insert
// searched the list from its top. With a hint per (scope, kind), a key written next to the last
// one of its kind (a history record or expiry row, whose ids and values begin with the time; a
// statistics shard written again) is placed from that key's splice in a few comparisons; a key
// that lands elsewhere in its kind (a profile of a random id) climbs the splice until it brackets
// the key, about a search from the top. Documents and index rows alike; the schema version row
// is outside the domain.
#pragma once

#include <rocksdb/slice_transform.h>

#include <memory>

namespace profiled::store::rocks {

std::shared_ptr<const rocksdb::SliceTransform> NewInsertHintPrefixTransform();

}  // namespace profiled::store::rocks
