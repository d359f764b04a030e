// File: keys.h
// How the two tables of store.h (and one metadata row) become RocksDB keys, so that RocksDB's
// bytewise key order is the contract's order:
//
//   document:  'd' esc(account) esc(domain) esc(kind) id
//   index row: 'x' esc(account) esc(domain) esc(name) esc(value) ref
//   metadata:  'm' name                                  (the schema version)
//
// esc() is an order-preserving, prefix-free escape of a component that may hold any byte: '\0'
// becomes "\0\xff" and the component ends with "\0\x01". A shorter component sorts before every
// longer one it prefixes (its terminator "\0\x01" is below "\0\xff" and every byte >= 0x01), and
// two components that differ compare as their first differing byte. The last component (id,
// ref) is stored raw: nothing follows it, so a prefix of it is a prefix of the key, and keys
// under one (account, domain, kind) sort by id exactly as the ids do.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/key_range.h"
#include "store/store.h"

namespace profiled::store::rocks::keys {

inline constexpr char kDocTable = 'd';
inline constexpr char kIndexTable = 'x';
inline constexpr char kMetaTable = 'm';

// Appends esc(part) to *out.
void AppendEscaped(std::string* out, std::string_view part);

// Decodes the escaped component starting at key[*pos] into *out and moves *pos past its
// terminator. Returns false on a malformed key (no terminator, or '\0' followed by another byte).
bool ReadEscaped(std::string_view key, size_t* pos, std::string* out);

// table esc(account) esc(domain): every key of one scope in one table starts with this.
std::string ScopePrefix(char table, Scope scope);

// The documents of one kind: DocPrefix(...) + id is the document's key.
std::string DocPrefix(Scope scope, std::string_view kind);
std::string DocKey(Scope scope, std::string_view kind, std::string_view id);

// The index rows under one name, and under one (name, value): IndexValuePrefix(...) + ref is the
// row's key.
std::string IndexNamePrefix(Scope scope, std::string_view name);
std::string IndexValuePrefix(Scope scope, std::string_view name, std::string_view value);
std::string IndexKey(Scope scope, std::string_view name, std::string_view value,
                     std::string_view ref);

std::string MetaKey(std::string_view name);

// The length of the key's table byte and first three escaped components (scope and kind, or
// scope and index name), or of the whole key if it has fewer. Such prefixes are prefix-free.
size_t ScopeNamePrefixLength(std::string_view key);
// The length of an index key's value prefix (IndexValuePrefix: the table byte and four escaped
// components), or 0 if the key has fewer.
size_t IndexValuePrefixLength(std::string_view key);

// The bytewise bounds of a prefix and of "strictly after" (store/key_range.h).
using store::LowerBound;
using store::PrefixUpperBound;

}  // namespace profiled::store::rocks::keys
