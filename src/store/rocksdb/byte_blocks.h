// File: byte_blocks.h
// Copies of byte strings that stay where they are until Clear: appended to large blocks, which
// are kept and reused after Clear, so that a commit group's thousands of keys and values cost no
// allocation each.
#pragma once

#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace profiled::store::rocks {

class ByteBlocks {
 public:
  // A copy of `bytes`, valid until Clear.
  std::string_view Copy(std::string_view bytes) {
    if (bytes.empty()) return {};
    if (bytes.size() > kBlockSize) {  // a value larger than a block gets its own
      large_.push_back(std::make_unique<char[]>(bytes.size()));
      std::memcpy(large_.back().get(), bytes.data(), bytes.size());
      return {large_.back().get(), bytes.size()};
    }
    if (blocks_.empty()) {
      blocks_.push_back(std::make_unique<char[]>(kBlockSize));
    } else if (used_ + bytes.size() > kBlockSize) {
      if (++current_ == blocks_.size()) blocks_.push_back(std::make_unique<char[]>(kBlockSize));
      used_ = 0;
    }
    char* at = blocks_[current_].get() + used_;
    std::memcpy(at, bytes.data(), bytes.size());
    used_ += bytes.size();
    return {at, bytes.size()};
  }

  // Forgets every copy. Keeps up to kKeptBlocks blocks for the next group: one huge group (a
  // domain's deletion) does not hold its memory for the life of the process.
  void Clear() {
    current_ = 0;
    used_ = 0;
    large_.clear();
    if (blocks_.size() > kKeptBlocks) blocks_.resize(kKeptBlocks);
  }

  size_t BlockCount() const { return blocks_.size() + large_.size(); }
  static constexpr size_t kKeptBlocks = 16;

 private:
  static constexpr size_t kBlockSize = size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> large_;
  size_t current_ = 0;  // the block being filled
  size_t used_ = 0;     // its bytes in use
};

}  // namespace profiled::store::rocks
