// File: committed_docs.cc
#include "store/rocksdb/committed_docs.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {
namespace {

// A kept list's body: each ref as its length (4 bytes, host order) and its bytes.
std::string EncodeRefs(const std::vector<std::string>& refs) {
  std::string out;
  for (const std::string& ref : refs) {
    const auto n = static_cast<uint32_t>(ref.size());
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out.append(ref);
  }
  return out;
}

std::vector<std::string> DecodeRefs(std::string_view body, size_t limit) {
  std::vector<std::string> refs;
  while (refs.size() < limit && body.size() >= sizeof(uint32_t)) {
    uint32_t n = 0;
    std::memcpy(&n, body.data(), sizeof n);
    body.remove_prefix(sizeof n);
    refs.emplace_back(body.substr(0, n));
    body.remove_prefix(std::min<size_t>(n, body.size()));
  }
  return refs;
}

bool IsList(std::string_view key) { return !key.empty() && key[0] == keys::kIndexTable; }

}  // namespace

bool CommittedDocs::Keeps(std::string_view kind) const {
  for (const std::string& k : kinds_) {
    if (k == kind || k == kEveryKind) return true;
  }
  return false;
}

const std::string* CommittedDocs::Find(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return &it->second->body;
}

void CommittedDocs::Remember(const std::string& key, std::string_view body) {
  if (auto it = index_.find(key); it != index_.end()) {
    ReplaceBody(it->second, std::string(body));
    order_.splice(order_.begin(), order_, it->second);
  } else {
    order_.push_front(Kept{key, std::string(body)});
    index_.emplace(order_.front().key, order_.begin());
    bytes_ += Charge(order_.front());
    if (IsList(key)) ++kept_lists_;
  }
  EvictOverCapacity();
}

std::optional<std::vector<std::string>> CommittedDocs::FindRefs(const std::string& value_prefix,
                                                                size_t limit) {
  const std::string* body = Find(value_prefix);
  if (body == nullptr) return std::nullopt;
  return DecodeRefs(*body, limit);
}

void CommittedDocs::RememberRefs(const std::string& value_prefix,
                                 const std::vector<std::string>& refs) {
  // An empty list is mostly a value about to be written (an upload's new unique key), which
  // drops it at once: not worth keeping.
  if (refs.empty() || refs.size() > kMaxKeptRefs || !IsList(value_prefix)) return;
  Remember(value_prefix, EncodeRefs(refs));
  SetFilterBit(value_prefix);
  // Rebuilt once the bits of lists long gone could be a sixteenth of all: a commit then looks up
  // at most one written value in sixteen for nothing. At least as many sets come between two
  // rebuilds, each of which walks the kept entries once.
  if (filter_sets_ > kept_lists_ + kFilterBits / 16) RebuildFilter();
}

size_t CommittedDocs::FilterBit(std::string_view value_prefix) {
  return std::hash<std::string_view>()(value_prefix) & (kFilterBits - 1);
}

void CommittedDocs::SetFilterBit(std::string_view value_prefix) {
  if (list_filter_.empty()) list_filter_.assign(kFilterBits / 64, 0);
  const size_t bit = FilterBit(value_prefix);
  list_filter_[bit / 64] |= uint64_t{1} << (bit % 64);
  ++filter_sets_;
}

bool CommittedDocs::MayKeepList(std::string_view value_prefix) const {
  if (list_filter_.empty()) return false;
  const size_t bit = FilterBit(value_prefix);
  return (list_filter_[bit / 64] >> (bit % 64)) & 1;
}

void CommittedDocs::RebuildFilter() {
  std::fill(list_filter_.begin(), list_filter_.end(), 0);
  filter_sets_ = 0;
  for (const Kept& kept : order_) {
    if (IsList(kept.key)) SetFilterBit(kept.key);
  }
}

void CommittedDocs::Committed(GroupWrites& writes) {
  if (touched_all_) {
    Clear();
    return;
  }
  std::string body;
  for (const std::string& key : touched_) {
    auto it = index_.find(key);
    if (it == index_.end()) continue;
    // A key the group no longer writes (its Write was rolled back) or whose last write the group
    // cannot tell cheaply is dropped: read again next time.
    if (writes.Own(key, &body) == GroupWrites::OwnWrite::kPut) {
      ReplaceBody(it->second, std::move(body));
    } else {
      Erase(it->second);
    }
  }
  touched_.clear();
  if (kept_lists_ > 0) DropWrittenRefs(writes);
  EvictOverCapacity();
}

void CommittedDocs::DropWrittenRefs(GroupWrites& writes) {
  const bool named = writes.ForEachWrittenKey([this](std::string_view key) {
    if (!IsList(key)) return;
    const size_t length = keys::IndexValuePrefixLength(key);
    if (length == 0 || !MayKeepList(key.substr(0, length))) return;
    if (auto it = index_.find(key.substr(0, length)); it != index_.end()) Erase(it->second);
  });
  if (named) return;
  for (auto it = order_.begin(); it != order_.end() && kept_lists_ > 0;) {
    auto next = std::next(it);
    if (IsList(it->key)) Erase(it);
    it = next;
  }
}

void CommittedDocs::Abandoned() {
  touched_.clear();
  touched_all_ = false;
}

void CommittedDocs::Clear() {
  index_.clear();
  order_.clear();
  bytes_ = 0;
  kept_lists_ = 0;
  list_filter_.clear();
  filter_sets_ = 0;
  touched_.clear();
  touched_all_ = false;
}

void CommittedDocs::ReplaceBody(Order::iterator it, std::string body) {
  bytes_ -= it->body.size();
  it->body = std::move(body);
  bytes_ += it->body.size();
}

void CommittedDocs::Erase(Order::iterator it) {
  bytes_ -= Charge(*it);
  if (IsList(it->key)) --kept_lists_;
  index_.erase(std::string_view(it->key));
  order_.erase(it);
}

void CommittedDocs::EvictOverCapacity() {
  while (bytes_ > capacity_bytes_ && !order_.empty()) Erase(std::prev(order_.end()));
}

}  // namespace profiled::store::rocks
