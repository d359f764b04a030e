// File: key_range.h
// Bytewise key bounds, so that prefix and "after" queries become primary-key range seeks
// (`key >= lower AND key < upper`) on every backend: SQLite cannot run LIKE on an index for
// BLOBs, PostgreSQL answers bytea ranges from the primary key (bytea compares like memcmp), and
// an LSM iterates between the two bounds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace profiled::store {

// The smallest key greater than every key that starts with `prefix`, or nullopt when there is
// none (an empty prefix, or one made only of 0xFF bytes): then the range is unbounded above.
inline std::optional<std::string> PrefixUpperBound(std::string_view prefix) {
  std::string upper(prefix);
  while (!upper.empty()) {
    auto last = static_cast<unsigned char>(upper.back());
    if (last != 0xFF) {
      upper.back() = static_cast<char>(last + 1);
      return upper;
    }
    upper.pop_back();
  }
  return std::nullopt;
}

// The smallest key that is >= `prefix` and strictly after `after` ("" means no `after`):
// the key just after `after` is `after` + '\0'.
inline std::string LowerBound(std::string_view prefix, std::string_view after) {
  if (after.empty()) return std::string(prefix);
  std::string next(after);
  next.push_back('\0');
  return next < prefix ? std::string(prefix) : next;
}

}  // namespace profiled::store
