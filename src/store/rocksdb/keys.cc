// File: keys.cc
#include "store/rocksdb/keys.h"

#include <cstring>
#include <initializer_list>

namespace profiled::store::rocks::keys {

namespace {

// The size of esc(part): the part, one more byte per '\0' in it, and the terminator.
size_t EscapedSize(std::string_view part) {
  size_t size = part.size() + 2;
  while (!part.empty()) {
    const void* zero = std::memchr(part.data(), '\0', part.size());
    if (zero == nullptr) break;
    ++size;
    part.remove_prefix(static_cast<size_t>(static_cast<const char*>(zero) - part.data()) + 1);
  }
  return size;
}

// table esc(part)... tail, in one allocation: a commit group builds a key or two per row it
// writes, on the writer thread every other write waits for.
std::string ComposeKey(char table, std::initializer_list<std::string_view> escaped,
                       std::string_view tail) {
  size_t size = 1 + tail.size();
  for (std::string_view part : escaped) size += EscapedSize(part);
  std::string key;
  key.reserve(size);
  key.push_back(table);
  for (std::string_view part : escaped) AppendEscaped(&key, part);
  key.append(tail);
  return key;
}

}  // namespace

void AppendEscaped(std::string* out, std::string_view part) {
  while (!part.empty()) {
    const void* zero = std::memchr(part.data(), '\0', part.size());
    if (zero == nullptr) break;
    const size_t through_zero =
        static_cast<size_t>(static_cast<const char*>(zero) - part.data()) + 1;
    out->append(part.data(), through_zero);
    out->push_back('\xff');
    part.remove_prefix(through_zero);
  }
  out->append(part);
  out->append("\0\x01", 2);
}

bool ReadEscaped(std::string_view key, size_t* pos, std::string* out) {
  out->clear();
  for (size_t i = *pos; i < key.size(); ++i) {
    if (key[i] != '\0') {
      out->push_back(key[i]);
      continue;
    }
    if (i + 1 >= key.size()) return false;
    if (key[i + 1] == '\x01') {
      *pos = i + 2;
      return true;
    }
    if (key[i + 1] != '\xff') return false;
    out->push_back('\0');
    ++i;
  }
  return false;
}

std::string ScopePrefix(char table, Scope scope) {
  return ComposeKey(table, {scope.account, scope.domain}, {});
}

std::string DocPrefix(Scope scope, std::string_view kind) {
  return ComposeKey(kDocTable, {scope.account, scope.domain, kind}, {});
}

std::string DocKey(Scope scope, std::string_view kind, std::string_view id) {
  return ComposeKey(kDocTable, {scope.account, scope.domain, kind}, id);
}

std::string IndexNamePrefix(Scope scope, std::string_view name) {
  return ComposeKey(kIndexTable, {scope.account, scope.domain, name}, {});
}

std::string IndexValuePrefix(Scope scope, std::string_view name, std::string_view value) {
  return ComposeKey(kIndexTable, {scope.account, scope.domain, name, value}, {});
}

std::string IndexKey(Scope scope, std::string_view name, std::string_view value,
                     std::string_view ref) {
  return ComposeKey(kIndexTable, {scope.account, scope.domain, name, value}, ref);
}

std::string MetaKey(std::string_view name) {
  std::string key(1, kMetaTable);
  key.append(name);
  return key;
}

namespace {

// The position past the table byte and `components` escaped components (at most key.size()),
// or npos.
size_t PastComponents(std::string_view key, int components) {
  size_t pos = 1;  // past the table byte
  for (int component = 0; component < components; ++component) {
    for (;;) {
      const size_t zero = key.find('\0', pos);
      if (zero == std::string_view::npos || zero + 1 >= key.size()) return std::string_view::npos;
      pos = zero + 2;
      if (key[zero + 1] == '\x01') break;  // the terminator; "\0\xff" is an escaped zero byte
    }
  }
  return pos;
}

}  // namespace

size_t ScopeNamePrefixLength(std::string_view key) {
  const size_t pos = PastComponents(key, 3);
  return pos == std::string_view::npos ? key.size() : pos;
}

size_t IndexValuePrefixLength(std::string_view key) {
  const size_t pos = PastComponents(key, 4);
  return pos == std::string_view::npos ? 0 : pos;
}

}  // namespace profiled::store::rocks::keys
