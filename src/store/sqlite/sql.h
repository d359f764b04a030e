// File: sql.h
// Every statement the store runs, named so that a connection can prepare each once and cache
// it by index. Parameters are numbered; each name ends with its parameter count.
// Key ranges are half-open [lower, upper) so that every query is a primary-key seek.
#pragma once

#include <array>
#include <cstddef>

namespace profiled::store::sqlite {

enum class Sql : int {
  kBegin0,
  kBeginImmediate0,
  kCommit0,
  kRollback0,
  kSavepoint0,
  kRelease0,
  kRollbackTo0,
  kDocGet4,
  kDocPut5,
  kDocDelete4,
  kDocScanFrom5,
  kDocScanRange6,
  kDocCountFrom4,
  kDocCountRange5,
  kDocDeleteFrom4,
  kDocDeleteRange5,
  kIndexAdd5,
  kIndexRemove5,
  kIndexLookup6,
  kIndexNextValue4,
  kScopeDeleteDocs2,
  kScopeDeleteIndex2,
  kDocAll0,
  kIndexAll0,
  kCount,
};

inline constexpr size_t kSqlCount = static_cast<size_t>(Sql::kCount);

// Indexed by Sql; the order must match the enum. A missing entry would be value-initialised to
// nullptr, which the static_assert below refuses.
inline constexpr std::array<const char*, kSqlCount> kSqlText = {
    "BEGIN",
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT fn",
    "RELEASE fn",
    "ROLLBACK TO fn",
    // kDocGet4
    "SELECT body FROM docs WHERE account = ?1 AND domain = ?2 AND kind = ?3 AND id = ?4",
    // kDocPut5
    "INSERT INTO docs (account, domain, kind, id, body) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (account, domain, kind, id) DO UPDATE SET body = excluded.body",
    // kDocDelete4
    "DELETE FROM docs WHERE account = ?1 AND domain = ?2 AND kind = ?3 AND id = ?4",
    // kDocScanFrom5: ?4 lower bound (inclusive), ?5 limit
    "SELECT id, body FROM docs WHERE account = ?1 AND domain = ?2 AND kind = ?3 AND id >= ?4 "
    "ORDER BY id LIMIT ?5",
    // kDocScanRange6: ?4 lower bound (inclusive), ?5 upper bound (exclusive), ?6 limit
    "SELECT id, body FROM docs WHERE account = ?1 AND domain = ?2 AND kind = ?3 AND id >= ?4 "
    "AND id < ?5 ORDER BY id LIMIT ?6",
    // kDocCountFrom4
    "SELECT count(*) FROM docs WHERE account = ?1 AND domain = ?2 AND kind = ?3 AND id >= ?4",
    // kDocCountRange5
    "SELECT count(*) FROM docs WHERE account = ?1 AND domain = ?2 AND kind = ?3 AND id >= ?4 "
    "AND id < ?5",
    // kDocDeleteFrom4
    "DELETE FROM docs WHERE account = ?1 AND domain = ?2 AND kind = ?3 AND id >= ?4",
    // kDocDeleteRange5
    "DELETE FROM docs WHERE account = ?1 AND domain = ?2 AND kind = ?3 AND id >= ?4 AND id < ?5",
    // kIndexAdd5
    "INSERT INTO idx (account, domain, name, value, ref) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT DO NOTHING",
    // kIndexRemove5
    "DELETE FROM idx WHERE account = ?1 AND domain = ?2 AND name = ?3 AND value = ?4 "
    "AND ref = ?5",
    // kIndexLookup6: ?5 lower bound of ref (inclusive), ?6 limit
    "SELECT ref FROM idx WHERE account = ?1 AND domain = ?2 AND name = ?3 AND value = ?4 "
    "AND ref >= ?5 ORDER BY ref LIMIT ?6",
    // kIndexNextValue4: one seek per distinct value, however many refs a value has
    "SELECT value FROM idx WHERE account = ?1 AND domain = ?2 AND name = ?3 AND value >= ?4 "
    "ORDER BY value LIMIT 1",
    // kScopeDeleteDocs2: domain is never "" here, so account-level rows are untouched
    "DELETE FROM docs WHERE account = ?1 AND domain = ?2",
    // kScopeDeleteIndex2
    "DELETE FROM idx WHERE account = ?1 AND domain = ?2",
    // kDocAll0: the whole table, for snapshots
    "SELECT account, domain, kind, id, body FROM docs ORDER BY account, domain, kind, id",
    // kIndexAll0
    "SELECT account, domain, name, value, ref FROM idx ORDER BY account, domain, name, value, ref",
};

constexpr bool EverySqlHasText() {
  for (const char* text : kSqlText) {
    if (text == nullptr) return false;
  }
  return true;
}
static_assert(EverySqlHasText(), "kSqlText needs one statement per Sql value, in enum order");

}  // namespace profiled::store::sqlite
