// File: rocksdb_key_sort_test.cc
// SortKeyRefs (src/store/rocksdb/key_sort.h) against std::sort of the whole keys, on keys of the
// store's layout built from the escape's tricky bytes, on keys of other shapes mixed in, and
// ByteBlocks' copies across blocks and reuse.
#ifdef PROFILED_WITH_ROCKSDB

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "store/rocksdb/byte_blocks.h"
#include "store/rocksdb/key_sort.h"
#include "store/rocksdb/keys.h"

namespace profiled::store::rocks {
namespace {

std::string RandomPart(std::mt19937& rng, size_t max_len) {
  static const std::string kAlphabet{'\0', '\x01', '\x02', 'a', 'b', '/', '\xfe', '\xff'};
  std::string s(rng() % (max_len + 1), '\0');
  for (char& c : s) c = kAlphabet[rng() % kAlphabet.size()];
  return s;
}

std::vector<std::string> MixedKeys(std::mt19937& rng, size_t n) {
  std::vector<std::string> keys;
  const std::vector<std::string> accounts{"123456789012", "1", std::string("a\0b", 3), ""};
  for (size_t i = 0; i < n; ++i) {
    const std::string domain = RandomPart(rng, 2);  // Scope holds views: keep the bytes alive
    Scope scope{accounts[rng() % accounts.size()], domain};
    switch (rng() % 6) {
      case 0:
        keys.push_back(keys::DocKey(scope, RandomPart(rng, 2), RandomPart(rng, 12)));
        break;
      case 1:
      case 2:
        keys.push_back(
            keys::IndexKey(scope, RandomPart(rng, 2), RandomPart(rng, 3), RandomPart(rng, 10)));
        break;
      case 3:  // a prefix of a key: fewer than three components
        keys.push_back(keys::ScopePrefix(rng() % 2 ? keys::kDocTable : keys::kIndexTable, scope) +
                       RandomPart(rng, 3));
        break;
      case 4:  // rests that share their first 8 bytes and more, and differ by a trailing zero
        keys.push_back(
            keys::IndexKey(scope, "n", "SKU-0000" + RandomPart(rng, 3), RandomPart(rng, 2)));
        break;
      default:
        keys.push_back(keys::MetaKey(RandomPart(rng, 4)));
    }
  }
  for (size_t i = 0; i < n / 10; ++i) keys.push_back(keys[rng() % keys.size()]);  // duplicates
  return keys;
}

// A ref to each key, its index the key's position.
std::vector<KeyRef> RefsTo(const std::vector<std::string>& keys) {
  std::vector<KeyRef> refs;
  for (size_t i = 0; i < keys.size(); ++i) refs.push_back({keys[i], static_cast<uint32_t>(i)});
  return refs;
}

TEST(RocksdbKeySort, OrdersAsWholeKeysDo) {
  std::mt19937 rng(11);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> keys = MixedKeys(rng, 1 + rng() % 400);
    std::vector<KeyRef> refs = RefsTo(keys);
    SortKeyRefs(&refs);
    std::vector<std::string> expected = keys;
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(refs.size(), expected.size());
    for (size_t i = 0; i < refs.size(); ++i) {
      ASSERT_EQ(std::string(refs[i].key), expected[i]) << "round " << round << ", position " << i;
      ASSERT_EQ(keys[refs[i].index], expected[i]);  // the index names the caller's key
    }
  }
}

// KeyRuns: the runs, each sorted on its own, read one after the other are the whole sort, and
// equal keys (which a commit never has, but the cut must not split) share a run.
TEST(RocksdbKeySort, RunsReadInTurnAreTheWholeSort) {
  std::mt19937 rng(13);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> keys = MixedKeys(rng, 1 + rng() % 400);
    std::vector<KeyRef> refs = RefsTo(keys);
    const size_t want = 1 + round % 5;
    KeyRuns runs(refs, want);
    ASSERT_EQ(runs.size(), std::min(want, keys.size()));
    std::vector<std::string> joined;
    std::map<std::string, size_t> run_of;
    for (size_t r = 0; r < runs.size(); ++r) {
      for (const KeyRef& ref : runs.Sorted(r)) {
        ASSERT_EQ(ref.key, keys[ref.index]);
        joined.emplace_back(ref.key);
        auto [it, added] = run_of.try_emplace(joined.back(), r);
        ASSERT_EQ(it->second, r) << "a key in runs " << it->second << " and " << r;
      }
    }
    std::vector<std::string> expected = keys;
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(joined, expected) << "round " << round;
  }
}

// The cut is balanced when the keys allow it: 40,000 index rows of one name, random values.
TEST(RocksdbKeySort, RunsAreAboutEvenOnRandomKeys) {
  std::mt19937 rng(17);
  std::vector<std::string> keys;
  for (int i = 0; i < 40000; ++i) {
    keys.push_back(keys::IndexKey({"123456789012", "d"}, "attr/City", std::to_string(rng()),
                                  std::to_string(i)));
  }
  std::vector<KeyRef> refs = RefsTo(keys);
  KeyRuns runs(refs, 4);
  for (size_t r = 0; r < runs.size(); ++r) {
    const size_t n = runs.Sorted(r).size();
    EXPECT_GT(n, 6000u) << "run " << r;
    EXPECT_LT(n, 14000u) << "run " << r;
  }
}

TEST(RocksdbKeySort, PrefixLengthStopsAfterThreeComponents) {
  const std::string domain("d\0m", 3);
  Scope scope{"acct", domain};
  const std::string prefix = keys::IndexNamePrefix(scope, std::string("na\0me", 5));
  EXPECT_EQ(keys::ScopeNamePrefixLength(prefix + "value\0\x01ref"), prefix.size());
  EXPECT_EQ(keys::ScopeNamePrefixLength(prefix), prefix.size());
  const std::string two = keys::ScopePrefix(keys::kDocTable, scope);
  EXPECT_EQ(keys::ScopeNamePrefixLength(two + "partial"), two.size() + 7);
  EXPECT_EQ(keys::ScopeNamePrefixLength(""), 0u);
  EXPECT_EQ(keys::ScopeNamePrefixLength("m"), 1u);
}

TEST(RocksdbByteBlocks, CopiesStayPutAcrossBlocksAndClears) {
  ByteBlocks blocks;
  std::vector<std::pair<std::string_view, std::string>> copies;
  std::mt19937 rng(5);
  for (int round = 0; round < 3; ++round) {
    copies.clear();
    for (int i = 0; i < 24000; ++i) {
      // Mostly small; now and then one near or past a block (1 MiB).
      size_t size = i % 997 == 0 ? (size_t{1} << 20) + rng() % 3 - 1 : rng() % 2000;
      std::string bytes(size, static_cast<char>('a' + i % 26));
      copies.emplace_back(blocks.Copy(bytes), bytes);
    }
    for (const auto& [view, bytes] : copies) ASSERT_EQ(view, bytes);
    blocks.Clear();
    // ~24 MB of copies in ~24 blocks: 16 kept, every large one let go.
    EXPECT_LE(blocks.BlockCount(), ByteBlocks::kKeptBlocks);
  }
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
