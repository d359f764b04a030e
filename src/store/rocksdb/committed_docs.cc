// File: committed_docs.cc
#include "store/rocksdb/committed_docs.h"

namespace profiled::store::rocks {

bool CommittedDocs::Keeps(std::string_view kind) const {
  for (const std::string& k : kinds_) {
    if (k == kind || k == kEveryKind) return true;
  }
  return false;
}

const std::string* CommittedDocs::Find(const std::string& key) const {
  auto it = bodies_.find(key);
  return it == bodies_.end() ? nullptr : &it->second;
}

void CommittedDocs::Remember(const std::string& key, std::string_view body) {
  if (bodies_.size() >= kMaxKept) bodies_.clear();  // rare: start over rather than track age
  bodies_.insert_or_assign(key, std::string(body));
}

void CommittedDocs::Committed(const GroupWrites& writes) {
  if (touched_all_) {
    Clear();
    return;
  }
  std::string body;
  for (const std::string& key : touched_) {
    auto it = bodies_.find(key);
    if (it == bodies_.end()) continue;
    // A key the group no longer writes (its Write was rolled back) or whose last write the group
    // cannot tell cheaply is dropped: read again next time.
    if (writes.Own(key, &body) == GroupWrites::OwnWrite::kPut) {
      it->second = body;
    } else {
      bodies_.erase(it);
    }
  }
  touched_.clear();
}

void CommittedDocs::Abandoned() {
  touched_.clear();
  touched_all_ = false;
}

void CommittedDocs::Clear() {
  bodies_.clear();
  touched_.clear();
  touched_all_ = false;
}

}  // namespace profiled::store::rocks
