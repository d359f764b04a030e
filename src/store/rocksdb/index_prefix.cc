// File: index_prefix.cc
#include "store/rocksdb/index_prefix.h"

#include <string_view>

#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {
namespace {

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

class IndexValuePrefixTransform : public rocksdb::SliceTransform {
 public:
  // Stored in every table file's properties: a file written under another name (or none) is
  // read without its prefix filter, never with a wrong one.
  const char* Name() const override { return "profiled.IndexValuePrefix.1"; }

  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), keys::IndexValuePrefixLength(View(key))};
  }

  bool InDomain(const rocksdb::Slice& key) const override {
    return !key.empty() && key[0] == keys::kIndexTable &&
           keys::IndexValuePrefixLength(View(key)) > 0;
  }
};

}  // namespace

std::shared_ptr<const rocksdb::SliceTransform> NewIndexValuePrefixTransform() {
  return std::make_shared<IndexValuePrefixTransform>();
}

}  // namespace profiled::store::rocks
