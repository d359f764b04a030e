// File: rocksdb_insert_hint_prefix_test.cc
// The prefix under which memtables keep insert hints (store/rocksdb/insert_hint_prefix.h). That
// keys land in their order whatever the hints is the conformance suite's to show: every RocksDB
// store test runs with them.
#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>

#include <string>

#include "store/rocksdb/insert_hint_prefix.h"
#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {
namespace {

TEST(InsertHintPrefixTest, ScopeAndKindOfDocumentsAndIndexRows) {
  const auto transform = NewInsertHintPrefixTransform();
  const Scope scope{"111111111111", "dom"};
  const std::string doc = keys::DocKey(scope, "hrec", "0000018c2f3a");
  EXPECT_TRUE(transform->InDomain(doc));
  EXPECT_EQ(transform->Transform(doc).ToString(), keys::DocPrefix(scope, "hrec"));
  const std::string row = keys::IndexKey(scope, "_email", "a@example.com", "p1");
  EXPECT_TRUE(transform->InDomain(row));
  EXPECT_EQ(transform->Transform(row).ToString(), keys::IndexNamePrefix(scope, "_email"));
  EXPECT_FALSE(transform->InDomain(keys::MetaKey("schema_version")));
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
