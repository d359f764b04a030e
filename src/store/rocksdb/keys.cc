// File: keys.cc
#include "store/rocksdb/keys.h"

namespace profiled::store::rocks::keys {

void AppendEscaped(std::string* out, std::string_view part) {
  for (char c : part) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
  out->push_back('\0');
  out->push_back('\x01');
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
  std::string key;
  key.reserve(1 + scope.account.size() + scope.domain.size() + 4);
  key.push_back(table);
  AppendEscaped(&key, scope.account);
  AppendEscaped(&key, scope.domain);
  return key;
}

std::string DocPrefix(Scope scope, std::string_view kind) {
  std::string key = ScopePrefix(kDocTable, scope);
  AppendEscaped(&key, kind);
  return key;
}

std::string DocKey(Scope scope, std::string_view kind, std::string_view id) {
  std::string key = DocPrefix(scope, kind);
  key.append(id);
  return key;
}

std::string IndexNamePrefix(Scope scope, std::string_view name) {
  std::string key = ScopePrefix(kIndexTable, scope);
  AppendEscaped(&key, name);
  return key;
}

std::string IndexValuePrefix(Scope scope, std::string_view name, std::string_view value) {
  std::string key = IndexNamePrefix(scope, name);
  AppendEscaped(&key, value);
  return key;
}

std::string IndexKey(Scope scope, std::string_view name, std::string_view value,
                     std::string_view ref) {
  std::string key = IndexValuePrefix(scope, name, value);
  key.append(ref);
  return key;
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
