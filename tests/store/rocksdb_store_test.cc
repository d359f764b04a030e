// File: rocksdb_store_test.cc
// The conformance suite on RocksDB, and what only this store has: its key encoding (the
// contract's orders over arbitrary bytes), its schema version, and durability of an acknowledged
// write when the process is killed.
#ifdef PROFILED_WITH_ROCKSDB

#include "store/rocksdb/rocksdb_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/assert_ok.h"
#include "store/rocksdb/keys.h"
#include "store/store_conformance.h"
#include "store/temp_dir.h"
#include "store/writer_priority.h"

namespace profiled::store::rocks {
namespace {

namespace fs = std::filesystem;

const Scope kA{"111111111111", "dom"};

class RocksHarness : public conformance::StoreHarness {
 public:
  explicit RocksHarness(RocksdbOptions options = {}) : options_(std::move(options)) {
    options_.path = (dir_.path() / "db").string();
  }
  Result<std::unique_ptr<Store>> Open() override { return OpenRocksdbStore(options_); }

 private:
  TempDir dir_;
  RocksdbOptions options_;
};

}  // namespace
}  // namespace profiled::store::rocks

namespace profiled::store::conformance {

INSTANTIATE_TEST_SUITE_P(
    Rocksdb, StoreConformanceTest,
    ::testing::Values(StoreFactory{"rocksdb",
                                   [] { return std::make_unique<rocks::RocksHarness>(); }},
                      // Groups of one, synced, no read cache, no value filters: the smallest
                      // must be just as correct.
                      StoreFactory{"rocksdb_minimal",
                                   [] {
                                     rocks::RocksdbOptions options;
                                     options.max_batch = 1;
                                     options.sync = true;
                                     options.block_cache_mib = 1;
                                     options.read_cache_mib = 0;
                                     options.value_filter_mib = 0;
                                     return std::make_unique<rocks::RocksHarness>(options);
                                   }},
                      // Every document a Write reads, and every index lookup's refs, kept
                      // by the writer (committed_docs.h).
                      StoreFactory{"rocksdb_kept",
                                   [] {
                                     rocks::RocksdbOptions options;
                                     options.kept_kinds = {"*"};
                                     options.kept_index_refs = true;
                                     return std::make_unique<rocks::RocksHarness>(options);
                                   }},
                      StoreFactory{"rocksdb_bulk",
                                   [] {
                                     rocks::RocksdbOptions options;
                                     options.bulk_load = true;
                                     return std::make_unique<rocks::RocksHarness>(options);
                                   }},
                      // Every group of more than one write cut into up to three files written
                      // at once (a real import cuts only groups of thousands).
                      StoreFactory{"rocksdb_bulk_runs",
                                   [] {
                                     rocks::RocksdbOptions options;
                                     options.bulk_load = true;
                                     options.ingest_split_writes = 1;
                                     options.ingest_threads = 3;
                                     return std::make_unique<rocks::RocksHarness>(options);
                                   }}),
    StoreFactoryName);

}  // namespace profiled::store::conformance

namespace profiled::store::rocks {
namespace {

// Strings made of the bytes that matter to the escape (0x00, 0x01, 0xFF) and a plain one, every
// length up to 3, plus random ones of any byte.
std::vector<std::string> TrickyStrings() {
  const std::string alphabet{'\0', '\x01', '\x02', 'a', '\xfe', '\xff'};
  std::vector<std::string> out{""};
  for (size_t len = 1; len <= 3; ++len) {
    size_t start = out.size();
    for (size_t i = 0; i < start; ++i) {
      if (out[i].size() != len - 1) continue;
      for (char c : alphabet) out.push_back(out[i] + c);
    }
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string s(rng() % 6, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

TEST(RocksdbKeys, EscapeRoundTripsAndPreservesOrder) {
  const auto strings = TrickyStrings();  // sorted, bytewise
  std::vector<std::string> escaped;
  for (const auto& s : strings) {
    std::string e;
    keys::AppendEscaped(&e, s);
    size_t pos = 0;
    std::string back;
    ASSERT_TRUE(keys::ReadEscaped(e, &pos, &back));
    EXPECT_EQ(back, s);
    EXPECT_EQ(pos, e.size());
    escaped.push_back(e);
  }
  // Order-preserving (strictly: distinct strings stay distinct) ...
  for (size_t i = 1; i < escaped.size(); ++i) ASSERT_LT(escaped[i - 1], escaped[i]) << i;
  // ... and prefix-free, so that whatever follows a component cannot reorder two components.
  for (size_t i = 0; i < escaped.size(); ++i) {
    for (size_t j = 0; j < escaped.size(); ++j) {
      if (i == j) continue;
      ASSERT_NE(escaped[j].rfind(escaped[i], 0), 0u) << i << " prefixes " << j;
    }
  }
}

TEST(RocksdbKeys, MalformedComponentsAreRejected) {
  size_t pos = 0;
  std::string out;
  EXPECT_FALSE(keys::ReadEscaped(std::string("abc"), &pos, &out));
  pos = 0;
  EXPECT_FALSE(keys::ReadEscaped(std::string("a\0", 2), &pos, &out));
  pos = 0;
  EXPECT_FALSE(keys::ReadEscaped(std::string("a\0\x02", 3), &pos, &out));
}

// Index keys of every (name, value, ref) triple sort as the triples do, field by field: the
// order IndexLookup and IndexValues depend on, whatever bytes the fields hold.
TEST(RocksdbKeys, IndexKeysSortAsTheirFields) {
  const auto strings = TrickyStrings();
  std::vector<std::string> few(strings.begin(), strings.begin() + 12);
  few.push_back(std::string("\xff\xff", 2));
  struct Row {
    std::string name, value, ref, key;
  };
  std::vector<Row> rows;
  for (const auto& name : few) {
    for (const auto& value : few) {
      for (const auto& ref : few) {
        rows.push_back({name, value, ref, keys::IndexKey(kA, name, value, ref)});
      }
    }
  }
  std::vector<Row> by_key = rows;
  std::sort(by_key.begin(), by_key.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
  std::vector<Row> by_fields = rows;
  std::sort(by_fields.begin(), by_fields.end(), [](const Row& a, const Row& b) {
    return std::tie(a.name, a.value, a.ref) < std::tie(b.name, b.value, b.ref);
  });
  for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(by_key[i].key, by_fields[i].key) << i;
}

// Scopes never bleed into each other, whatever bytes account and domain hold: ("a", "\0b") and
// ("a\0", "b") are different scopes with different prefixes, neither a prefix of the other.
TEST(RocksdbKeys, ScopePrefixesAreDistinctAndPrefixFree) {
  const std::vector<Scope> scopes{{"a", std::string_view("\0b", 2)},
                                  {std::string_view("a\0", 2), "b"},
                                  {"a", ""},
                                  {"", "a"},
                                  {"a", "b"}};
  for (size_t i = 0; i < scopes.size(); ++i) {
    for (size_t j = 0; j < scopes.size(); ++j) {
      if (i == j) continue;
      auto pi = keys::DocPrefix(scopes[i], "k");
      auto pj = keys::DocPrefix(scopes[j], "k");
      EXPECT_NE(pj.rfind(pi, 0), 0u) << i << " " << j;
    }
  }
}

// The same property through the store: documents and index rows with arbitrary bytes come back
// in bytewise order, and IndexValues lists the distinct values in order.
TEST(RocksdbStore, ArbitraryBytesComeBackInBytewiseOrder) {
  TempDir dir("profiled-rocksdb");
  auto opened = OpenRocksdbStore({.path = (dir.path() / "db").string()});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  auto store = std::move(opened).value();
  const auto strings = TrickyStrings();
  ASSERT_OK(store->Write([&](Txn& txn) -> Status {
    for (const auto& s : strings) {
      RETURN_IF_ERROR(txn.Put(kA, std::string("k\0", 2), s, "b" + s));
      RETURN_IF_ERROR(txn.IndexAdd(kA, std::string("n\0", 2), s, s));
      RETURN_IF_ERROR(txn.IndexAdd(kA, std::string("n\0", 2), s, "x"));
    }
    // Neighbours that must stay out of the ranges above.
    RETURN_IF_ERROR(txn.Put(kA, "k", "z", "other kind"));
    RETURN_IF_ERROR(txn.Put(kA, std::string("k\0\0", 3), "z", "other kind"));
    return txn.IndexAdd(kA, std::string("n\0\0", 3), "v", "r");
  }));
  ASSERT_OK(store->Read([&](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto docs, txn.Scan(kA, std::string("k\0", 2), "", "", 100000));
    EXPECT_EQ(docs.size(), strings.size());
    for (size_t i = 0; i < docs.size() && i < strings.size(); ++i) {
      EXPECT_EQ(docs[i].id, strings[i]);
      EXPECT_EQ(docs[i].body, "b" + strings[i]);
    }
    ASSIGN_OR_RETURN(auto values, txn.IndexValues(kA, std::string("n\0", 2), "", 100000));
    EXPECT_EQ(values, strings);
    // Paging from a value ("" means from the start, so strings[0] == "" is not one).
    for (size_t i = 1; i + 1 < strings.size(); i += 17) {
      ASSIGN_OR_RETURN(auto next, txn.IndexValues(kA, std::string("n\0", 2), strings[i], 1));
      EXPECT_EQ(next, std::vector<std::string>{strings[i + 1]});
    }
    for (size_t i = 0; i < strings.size(); i += 13) {
      ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(kA, std::string("n\0", 2), strings[i], "", 10));
      std::vector<std::string> want{strings[i], "x"};
      std::sort(want.begin(), want.end());
      want.erase(std::unique(want.begin(), want.end()), want.end());
      EXPECT_EQ(refs, want);
    }
    return OkStatus();
  }));
}

// IndexLookup seeks within one index value, and skips the files and memtables whose prefix
// filter has not seen it (index_prefix.h): rows spread over the files of several opens (each open
// flushes what the last one left in its log) are all found, a value that prefixes another finds
// only its own rows, and a value no row has finds none.
TEST(RocksdbStore, IndexLookupFindsEveryFileRowsOfItsValueOnly) {
  TempDir dir("profiled-rocksdb");
  const std::string path = (dir.path() / "db").string();
  const auto strings = TrickyStrings();
  for (int open = 0; open < 3; ++open) {
    auto opened = OpenRocksdbStore({.path = path});
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    ASSERT_OK((*opened)->Write([&](Txn& txn) -> Status {
      for (size_t i = static_cast<size_t>(open); i < strings.size(); i += 3) {
        RETURN_IF_ERROR(txn.IndexAdd(kA, "name", strings[i], "ref" + std::to_string(open)));
        RETURN_IF_ERROR(txn.IndexAdd(kA, "name", strings[i] + "x", "longer"));
      }
      return OkStatus();
    }));
  }
  auto opened = OpenRocksdbStore({.path = path});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  ASSERT_OK((*opened)->Read([&](Txn& txn) -> Status {
    for (size_t i = 0; i < strings.size(); ++i) {
      ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(kA, "name", strings[i], "", 10));
      // strings[i] may also be some strings[j] + "x": then "longer" is its row too.
      const bool also_longer =
          std::any_of(strings.begin(), strings.end(),
                      [&](const std::string& s) { return s + "x" == strings[i]; });
      std::vector<std::string> want{"ref" + std::to_string(i % 3)};
      if (also_longer) want.insert(want.begin(), "longer");
      EXPECT_EQ(refs, want) << "value #" << i;
    }
    ASSIGN_OR_RETURN(auto none, txn.IndexLookup(kA, "name", "no row has this value", "", 10));
    EXPECT_TRUE(none.empty());
    ASSIGN_OR_RETURN(auto values, txn.IndexValues(kA, "name", "", 100000));
    EXPECT_EQ(values.size(), std::set<std::string>(values.begin(), values.end()).size());
    EXPECT_GE(values.size(), strings.size());
    return OkStatus();
  }));
}

// A group's index lookups read the database through one iterator (GroupWrites::ForEachIndexRow):
// each lookup stays inside its value, sees the group's own writes over the stored rows, and the
// next group reads what this one committed, not the iterator's older view.
TEST(RocksdbStore, AGroupsLookupsShareOneReadAndTheNextGroupSeesItsCommit) {
  TempDir dir("profiled-rocksdb");
  auto opened = OpenRocksdbStore({.path = (dir.path() / "db").string()});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  Store& store = **opened;
  const auto strings = TrickyStrings();
  ASSERT_OK(store.Write([&](Txn& txn) -> Status {
    for (const std::string& value : strings) {
      RETURN_IF_ERROR(txn.IndexAdd(kA, "name", value, "a"));
      RETURN_IF_ERROR(txn.IndexAdd(kA, "name", value, "c"));
    }
    return OkStatus();
  }));
  ASSERT_OK(store.Write([&](Txn& txn) -> Status {
    // Every value once, in a shuffled order: each lookup after lookups of other values and after
    // the group's writes.
    std::vector<size_t> order(strings.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::shuffle(order.begin(), order.end(), std::mt19937(11));
    for (size_t i : order) {
      const std::string& value = strings[i];
      ASSIGN_OR_RETURN(auto before, txn.IndexLookup(kA, "name", value, "", 10));
      EXPECT_EQ(before, (std::vector<std::string>{"a", "c"})) << i;
      RETURN_IF_ERROR(txn.IndexAdd(kA, "name", value, "b"));
      RETURN_IF_ERROR(txn.IndexRemove(kA, "name", value, "c"));
      ASSIGN_OR_RETURN(auto after, txn.IndexLookup(kA, "name", value, "", 10));
      EXPECT_EQ(after, (std::vector<std::string>{"a", "b"})) << i;
      ASSIGN_OR_RETURN(auto paged, txn.IndexLookup(kA, "name", value, "a", 1));
      EXPECT_EQ(paged, std::vector<std::string>{"b"}) << i;
    }
    ASSIGN_OR_RETURN(auto none, txn.IndexLookup(kA, "name", "no row has this value", "", 10));
    EXPECT_TRUE(none.empty());
    return OkStatus();
  }));
  // One Write after another: each its own group, each reading the commit of the one before.
  for (int round = 0; round < 20; ++round) {
    const std::string value = "v" + std::to_string(round % 4);
    const std::string ref = "r" + std::to_string(round);
    const std::string previous = "r" + std::to_string(round - 4);
    ASSERT_OK(store.Write([&](Txn& txn) -> Status {
      ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(kA, "other", value, "", 10));
      std::vector<std::string> want;
      if (round >= 4) want.push_back(previous);
      EXPECT_EQ(refs, want) << "round " << round;
      if (round >= 4) RETURN_IF_ERROR(txn.IndexRemove(kA, "other", value, previous));
      return txn.IndexAdd(kA, "other", value, ref);
    }));
  }
}

// A bulk load's large groups are cut into files written at once (rocksdb_store.cc, IngestGroup)
// with the real thresholds: a group of 40,000 writes, then one that overwrites, deletes and
// removes index rows of the first, read back after the close compaction by a normal open.
TEST(RocksdbStore, ABulkLoadsLargeGroupsAreCutAndStayWhole) {
  TempDir dir("profiled-rocksdb");
  const std::string path = (dir.path() / "db").string();
  constexpr int kDocs = 20000;
  auto id = [](int i) { return "p" + std::to_string(i * 7919 % kDocs); };  // not in key order
  {
    auto bulk = OpenRocksdbStore({.path = path, .bulk_load = true, .ingest_threads = 2});
    ASSERT_TRUE(bulk.ok()) << bulk.error().message();
    ASSERT_OK((*bulk)->Write([&](Txn& txn) -> Status {
      for (int i = 0; i < kDocs; ++i) {
        RETURN_IF_ERROR(txn.Put(kA, "doc", id(i), "v1-" + id(i)));
        RETURN_IF_ERROR(txn.IndexAdd(kA, "name", "value" + std::to_string(i % 100), id(i)));
      }
      return OkStatus();
    }));
    ASSERT_OK((*bulk)->Write([&](Txn& txn) -> Status {
      for (int i = 0; i < kDocs; ++i) {
        if (i % 5 == 0) {
          ASSIGN_OR_RETURN(bool existed, txn.Delete(kA, "doc", id(i)));
          if (!existed) return Error::Internal("deleted a document never written: " + id(i));
        } else if (i % 3 == 0) {
          RETURN_IF_ERROR(txn.Put(kA, "doc", id(i), "v2-" + id(i)));
        }
        if (i % 2 == 0) {
          RETURN_IF_ERROR(txn.IndexRemove(kA, "name", "value" + std::to_string(i % 100), id(i)));
        }
      }
      return OkStatus();
    }));
  }
  EXPECT_FALSE(fs::exists(path + ".ingest"));  // removed when the bulk load closed

  auto opened = OpenRocksdbStore({.path = path});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  ASSERT_OK((*opened)->Read([&](Txn& txn) -> Status {
    for (int i = 0; i < kDocs; ++i) {
      ASSIGN_OR_RETURN(auto got, txn.Get(kA, "doc", id(i)));
      if (i % 5 == 0) {
        EXPECT_FALSE(got.has_value()) << id(i);
      } else {
        EXPECT_EQ(got.value_or("<absent>"), (i % 3 == 0 ? "v2-" : "v1-") + id(i));
      }
    }
    ASSIGN_OR_RETURN(int64_t docs, txn.Count(kA, "doc", ""));
    EXPECT_EQ(docs, kDocs - kDocs / 5);
    // Odd i keep their rows: each odd value is held by 200 documents, each even one by none.
    for (int v = 0; v < 100; ++v) {
      ASSIGN_OR_RETURN(auto refs,
                       txn.IndexLookup(kA, "name", "value" + std::to_string(v), "", 1000));
      EXPECT_EQ(refs.size(), v % 2 == 1 ? 200u : 0u) << "value" << v;
    }
    return OkStatus();
  }));
}

TEST(RocksdbStore, DescribeNamesTheDirectory) {
  TempDir dir("profiled-rocksdb");
  std::string path = (dir.path() / "db").string();
  auto store = OpenRocksdbStore({.path = path});
  ASSERT_TRUE(store.ok()) << store.error().message();
  EXPECT_EQ((*store)->Describe(), "rocksdb:" + path);
}

TEST(RocksdbStore, RefusesADatabaseFromANewerVersion) {
  TempDir dir("profiled-rocksdb");
  std::string path = (dir.path() / "db").string();
  ASSERT_TRUE(OpenRocksdbStore({.path = path}).ok());
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), keys::MetaKey("schema_version"), "9999").ok());
  }
  auto store = OpenRocksdbStore({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kInternal);
  EXPECT_NE(store.error().message().find("9999"), std::string::npos) << store.error().message();
}

TEST(RocksdbStore, OpenFailsCleanlyOnAnUnusablePath) {
  TempDir dir("profiled-rocksdb");
  auto store = OpenRocksdbStore({.path = (dir.path() / "no-such-dir" / "x" / "db").string()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kInternal);
  EXPECT_NE(store.error().message().find("rocksdb"), std::string::npos);
}

// The writer thread is the serial step of every write (writer_priority.h).
TEST(RocksdbStore, WriteFunctionsRunOnAWriterOfRaisedPriority) {
  if (!MayRaiseThreadPriority()) GTEST_SKIP() << "this process may not raise a thread's priority";
  TempDir dir("profiled-rocksdb");
  auto store = std::move(OpenRocksdbStore({.path = (dir.path() / "db").string()})).value();
  ExpectWriteFunctionsRunAtWriterNice(*store);
}

// The flush and compaction threads lower themselves to nice 19 when they next take work
// (db_options.h, LowerBackgroundPriority): a flush, forced here by filling 1 MiB memtables.
// Lowering needs no privilege, so this holds wherever the tests run. A compaction that falls
// behind is raised back to nice 0 (compaction_priority.h, its own test), never above.
TEST(RocksdbStore, FlushesAndCompactionsRunAtTheLowestPriority) {
  TempDir dir("profiled-rocksdb");
  auto store =
      std::move(OpenRocksdbStore({.path = (dir.path() / "db").string(), .write_buffer_mib = 1}))
          .value();
  // Each RocksDB thread's name and nice value (/proc/self/task/<tid>/comm, getpriority).
  auto background_nices = [] {
    std::vector<std::pair<std::string, int>> found;
    for (const auto& task : fs::directory_iterator("/proc/self/task")) {
      std::string comm;
      std::getline(std::ifstream(task.path() / "comm"), comm);
      if (!comm.starts_with("rocksdb:")) continue;
      errno = 0;
      const int nice =
          getpriority(PRIO_PROCESS, static_cast<id_t>(std::stoi(task.path().filename())));
      if (errno == 0) found.emplace_back(comm, nice);
    }
    return found;
  };
  const std::string value(4096, 'v');
  bool lowered = false;
  for (int round = 0; round < 200 && !lowered; ++round) {
    ASSERT_OK(store->Write([&](Txn& txn) -> Status {
      for (int i = 0; i < 64; ++i) {
        RETURN_IF_ERROR(txn.Put(kA, "doc", std::to_string(round) + "-" + std::to_string(i), value));
      }
      return OkStatus();
    }));
    for (const auto& [comm, nice] : background_nices()) {
      if (comm.starts_with("rocksdb:high") && nice == 19) lowered = true;
    }
    if (round > 100) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(lowered) << "no flush thread at nice 19 after ~50 MiB of writes";
  for (const auto& [comm, nice] : background_nices()) {
    // A thread that has not taken work since the store opened may not have lowered itself yet;
    // none is ever above normal.
    EXPECT_GE(nice, 0) << comm;
  }
}

TEST(RocksdbStore, NestedWriteFromInsideAWriteIsAnErrorNotADeadlock) {
  TempDir dir("profiled-rocksdb");
  auto store = std::move(OpenRocksdbStore({.path = (dir.path() / "db").string()})).value();
  Status inner = OkStatus();
  ASSERT_OK(store->Write([&](Txn&) {
    inner = store->Write([](Txn&) { return OkStatus(); });
    return OkStatus();
  }));
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code(), ErrorCode::kInternal);
}

// Many concurrent callers share groups; one that fails in every group must take only its own
// writes with it.
TEST(RocksdbStore, AFailingFunctionInAGroupRollsBackOnlyItself) {
  TempDir dir("profiled-rocksdb");
  auto store = std::move(OpenRocksdbStore({.path = (dir.path() / "db").string()})).value();
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        const bool fail = i % 5 == 0;
        Status s = store->Write([&](Txn& txn) -> Status {
          RETURN_IF_ERROR(txn.Put(kA, "k", id, "v"));
          RETURN_IF_ERROR(txn.IndexAdd(kA, "n", "v", id));
          if (fail) return Error::BadRequest("no");
          return OkStatus();
        });
        EXPECT_EQ(s.ok(), !fail);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_OK(store->Read([&](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(int64_t n, txn.Count(kA, "k", ""));
    EXPECT_EQ(n, 16 * 40);
    ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(kA, "n", "v", "", 100000));
    EXPECT_EQ(refs.size(), 16u * 40u);
    return OkStatus();
  }));
}

// A child process opens the store, writes, acknowledges each committed write on a pipe, and is
// killed with SIGKILL without any chance to close the store. Every acknowledged write must be in
// the database when the parent opens it.
TEST(RocksdbStore, AcknowledgedWritesSurviveKill9) {
  TempDir dir("profiled-rocksdb");
  std::string path = (dir.path() / "db").string();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto store = OpenRocksdbStore({.path = path});
    if (!store.ok()) _exit(2);
    for (int i = 0;; ++i) {
      std::string id = "doc" + std::to_string(i);
      Status s = (*store)->Write([&](Txn& txn) -> Status {
        RETURN_IF_ERROR(txn.Put(kA, "k", id, "body" + std::to_string(i)));
        return txn.IndexAdd(kA, "n", "v", id);
      });
      if (!s.ok()) _exit(3);
      int32_t acked = i;
      if (write(fds[1], &acked, sizeof acked) != sizeof acked) _exit(4);
    }
  }
  close(fds[1]);
  int32_t last = -1;
  int32_t got = 0;
  while (last < 2000 && read(fds[0], &got, sizeof got) == sizeof got) last = got;
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus);
  while (read(fds[0], &got, sizeof got) == sizeof got) last = got;
  close(fds[0]);
  ASSERT_GE(last, 2000);

  auto opened = OpenRocksdbStore({.path = path});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  auto store = std::move(opened).value();
  ASSERT_OK(store->Read([&](Txn& txn) -> Status {
    for (int32_t i = 0; i <= last; ++i) {
      ASSIGN_OR_RETURN(auto body, txn.Get(kA, "k", "doc" + std::to_string(i)));
      EXPECT_EQ(body, "body" + std::to_string(i)) << i;
    }
    ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(kA, "n", "v", "", 1000000));
    EXPECT_GE(static_cast<int64_t>(refs.size()), last + 1);
    return OkStatus();
  }));
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
