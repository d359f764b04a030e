// File: insert_hint_prefix.cc
#include "store/rocksdb/insert_hint_prefix.h"

#include <string_view>

#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {
namespace {

class InsertHintPrefixTransform : public rocksdb::SliceTransform {
 public:
  // Only memtables use it (never stored in a file), so the name may change freely.
  const char* Name() const override { return "profiled.InsertHintPrefix"; }

  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), keys::ScopeNamePrefixLength(std::string_view(key.data(), key.size()))};
  }

  bool InDomain(const rocksdb::Slice& key) const override {
    return !key.empty() && (key[0] == keys::kDocTable || key[0] == keys::kIndexTable);
  }
};

}  // namespace

std::shared_ptr<const rocksdb::SliceTransform> NewInsertHintPrefixTransform() {
  return std::make_shared<InsertHintPrefixTransform>();
}

}  // namespace profiled::store::rocks
