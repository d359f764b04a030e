// File: store_conformance_test.cc
// The contract of store/store.h, checked on every backend that instantiates
// StoreConformanceTest (see store_conformance.h).
#include "store/store_conformance.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/assert_ok.h"

namespace profiled::store::conformance {

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

void StoreConformanceTest::SetUp() {
  harness_ = GetParam().make();
  if (!harness_) GTEST_SKIP() << GetParam().name << " is not available here";
  auto store = harness_->Open();
  ASSERT_TRUE(store.ok()) << store.error().message();
  store_ = std::move(store).value();
}

void StoreConformanceTest::TearDown() {
  store_.reset();
  harness_.reset();
}

void StoreConformanceTest::Reopen() {
  store_.reset();
  auto store = harness_->Open();
  ASSERT_TRUE(store.ok()) << store.error().message();
  store_ = std::move(store).value();
}

namespace {

#define EXPECT_OK(expr)                                                      \
  do {                                                                       \
    auto status_ = (expr);                                                   \
    EXPECT_TRUE(status_.ok()) << #expr << ": " << status_.error().message(); \
  } while (0)

// Unwraps a Result inside a TxnFn, returning its error from the function.
#define TRY(lhs, expr) ASSIGN_OR_RETURN(lhs, expr)

const Scope kA{"111111111111", "dom"};
const Scope kOtherDomain{"111111111111", "dom2"};
const Scope kOtherAccount{"222222222222", "dom"};
const Scope kAccountLevel{"111111111111", ""};

std::vector<std::string> Ids(const std::vector<Document>& docs) {
  std::vector<std::string> ids;
  for (const auto& d : docs) ids.push_back(d.id);
  return ids;
}

using Strings = std::vector<std::string>;

class Helper {
 public:
  explicit Helper(Store& store) : store_(store) {}

  Status Put(Scope scope, std::string_view kind, std::string_view id, std::string_view body) {
    return store_.Write([&](Txn& txn) { return txn.Put(scope, kind, id, body); });
  }
  Status PutAll(Scope scope, std::string_view kind, const Strings& ids) {
    return store_.Write([&](Txn& txn) -> Status {
      for (const auto& id : ids) RETURN_IF_ERROR(txn.Put(scope, kind, id, "body-" + id));
      return OkStatus();
    });
  }
  Status Index(Scope scope, std::string_view name, std::string_view value, std::string_view ref) {
    return store_.Write([&](Txn& txn) { return txn.IndexAdd(scope, name, value, ref); });
  }
  std::optional<std::string> Get(Scope scope, std::string_view kind, std::string_view id) {
    std::optional<std::string> out;
    Status s = store_.Read([&](Txn& txn) -> Status {
      TRY(out, txn.Get(scope, kind, id));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().message();
    return out;
  }
  Strings Scan(Scope scope, std::string_view kind, std::string_view prefix, std::string_view after,
               size_t limit) {
    std::vector<Document> docs;
    Status s = store_.Read([&](Txn& txn) -> Status {
      TRY(docs, txn.Scan(scope, kind, prefix, after, limit));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().message();
    for (const auto& d : docs) EXPECT_EQ(d.body, "body-" + d.id) << "wrong body for " << d.id;
    return Ids(docs);
  }
  int64_t Count(Scope scope, std::string_view kind, std::string_view prefix) {
    int64_t n = -1;
    Status s = store_.Read([&](Txn& txn) -> Status {
      TRY(n, txn.Count(scope, kind, prefix));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().message();
    return n;
  }
  Strings Lookup(Scope scope, std::string_view name, std::string_view value,
                 std::string_view after = "", size_t limit = 1000) {
    Strings refs;
    Status s = store_.Read([&](Txn& txn) -> Status {
      TRY(refs, txn.IndexLookup(scope, name, value, after, limit));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().message();
    return refs;
  }
  Strings Values(Scope scope, std::string_view name, std::string_view after = "",
                 size_t limit = 1000) {
    Strings values;
    Status s = store_.Read([&](Txn& txn) -> Status {
      TRY(values, txn.IndexValues(scope, name, after, limit));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().message();
    return values;
  }

 private:
  Store& store_;
};

TEST_P(StoreConformanceTest, DescribeIsNotEmpty) { EXPECT_FALSE(store().Describe().empty()); }

TEST_P(StoreConformanceTest, GetMissingIsNullopt) {
  Helper h(store());
  EXPECT_EQ(h.Get(kA, "profile", "nope"), std::nullopt);
}

TEST_P(StoreConformanceTest, PutThenGetAndReplace) {
  Helper h(store());
  ASSERT_OK(h.Put(kA, "profile", "p1", "v1"));
  EXPECT_EQ(h.Get(kA, "profile", "p1"), "v1");
  ASSERT_OK(h.Put(kA, "profile", "p1", "v2"));
  EXPECT_EQ(h.Get(kA, "profile", "p1"), "v2");
  EXPECT_EQ(h.Count(kA, "profile", ""), 1);
  EXPECT_EQ(h.Get(kA, "object", "p1"), std::nullopt) << "kinds are separate";
}

TEST_P(StoreConformanceTest, BytesAreKeptExactly) {
  Helper h(store());
  const std::string id("a\0b\xff", 4);
  const std::string body("\0\x01\xfe\xff{}\n", 7);
  ASSERT_OK(h.Put(kA, "k", id, body));
  ASSERT_OK(h.Put(kA, "k", "empty", ""));
  EXPECT_EQ(h.Get(kA, "k", id), body);
  EXPECT_EQ(h.Get(kA, "k", std::string("a\0b", 3)), std::nullopt);
  EXPECT_EQ(h.Get(kA, "k", "empty"), "") << "an empty body is a document, not a missing one";
}

TEST_P(StoreConformanceTest, GetForUpdateReadsLikeGet) {
  Helper h(store());
  ASSERT_OK(h.Put(kA, "profile", "p1", "v1"));
  std::optional<std::string> in_write, in_read, missing;
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    TRY(in_write, txn.GetForUpdate(kA, "profile", "p1"));
    TRY(missing, txn.GetForUpdate(kA, "profile", "p2"));
    return OkStatus();
  }));
  ASSERT_OK(store().Read([&](Txn& txn) -> Status {
    TRY(in_read, txn.GetForUpdate(kA, "profile", "p1"));
    return OkStatus();
  }));
  EXPECT_EQ(in_write, "v1");
  EXPECT_EQ(in_read, "v1");
  EXPECT_EQ(missing, std::nullopt);
}

TEST_P(StoreConformanceTest, DeleteReportsWhetherItDeleted) {
  Helper h(store());
  ASSERT_OK(h.Put(kA, "profile", "p1", "v1"));
  bool first = false, second = true;
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    TRY(first, txn.Delete(kA, "profile", "p1"));
    TRY(second, txn.Delete(kA, "profile", "p1"));
    return OkStatus();
  }));
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  EXPECT_EQ(h.Get(kA, "profile", "p1"), std::nullopt);
}

TEST_P(StoreConformanceTest, ScanIsBytewiseAscending) {
  Helper h(store());
  // Inserted out of order; bytes >= 0x80 sort after ASCII (unsigned, memcmp order).
  ASSERT_OK(h.PutAll(kA, "k", {"b", "\xc3\xa9", "a", "B", "ab", "a\xff", "aa", "0"}));
  ASSERT_OK(h.PutAll(kA, "other", {"a0", "zz"}));
  EXPECT_EQ(h.Scan(kA, "k", "", "", 100),
            (Strings{"0", "B", "a", "aa", "ab", "a\xff", "b", "\xc3\xa9"}));
}

TEST_P(StoreConformanceTest, ScanPrefix) {
  Helper h(store());
  ASSERT_OK(h.PutAll(kA, "k", {"a", "ab", "abc", "abd", "ac", "b", "ab\x01"}));
  ASSERT_OK(h.PutAll(kA, "k2", {"ab", "abz"}));
  EXPECT_EQ(h.Scan(kA, "k", "ab", "", 100), (Strings{"ab", "ab\x01", "abc", "abd"}));
  EXPECT_EQ(h.Scan(kA, "k", "abc", "", 100), (Strings{"abc"}));
  EXPECT_EQ(h.Scan(kA, "k", "abcd", "", 100), Strings{});
  EXPECT_EQ(h.Scan(kA, "k", "x", "", 100), Strings{});
}

TEST_P(StoreConformanceTest, ScanPrefixEdgeCasesWith0xFF) {
  Helper h(store());
  ASSERT_OK(h.PutAll(kA, "k",
                     {"a", "a\xfe", "a\xfe\xff", "a\xff", "a\xff\xff",
                      "a\xff"
                      "z",
                      "b", "\xff", "\xff\xff", "\xff\xff\x01", "\xfe\xff"}));
  EXPECT_EQ(h.Scan(kA, "k", "a\xff", "", 100), (Strings{"a\xff",
                                                        "a\xff"
                                                        "z",
                                                        "a\xff\xff"}));
  EXPECT_EQ(h.Scan(kA, "k", "a\xfe", "", 100), (Strings{"a\xfe", "a\xfe\xff"}));
  EXPECT_EQ(h.Scan(kA, "k", "\xff", "", 100), (Strings{"\xff", "\xff\xff", "\xff\xff\x01"}));
  EXPECT_EQ(h.Scan(kA, "k", "\xff\xff", "", 100), (Strings{"\xff\xff", "\xff\xff\x01"}));
  EXPECT_EQ(h.Count(kA, "k", "\xff"), 3);
  EXPECT_EQ(h.Count(kA, "k", "a\xff"), 3);
  EXPECT_EQ(h.Count(kA, "k", "\xfe"), 1);
}

TEST_P(StoreConformanceTest, ScanLimitAndAfterPageThroughEverythingOnce) {
  Helper h(store());
  Strings all;
  for (int i = 0; i < 10; ++i) all.push_back("p" + std::to_string(i));
  ASSERT_OK(h.PutAll(kA, "k", all));
  ASSERT_OK(h.PutAll(kA, "k", {"o", "q"}));
  Strings seen;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    Strings page = h.Scan(kA, "k", "p", after, 3);
    ASSERT_LE(page.size(), 3u);
    if (page.empty()) break;
    seen.insert(seen.end(), page.begin(), page.end());
    after = page.back();
  }
  EXPECT_EQ(seen, all);
  EXPECT_EQ(h.Scan(kA, "k", "p", "", 0), Strings{});
  EXPECT_EQ(h.Scan(kA, "k", "", "p9", 100), (Strings{"q"}));
  EXPECT_EQ(h.Scan(kA, "k", "p", "p9", 100), Strings{});
  EXPECT_EQ(h.Scan(kA, "k", "p", "p45", 2), (Strings{"p5", "p6"})) << "after need not exist";
  EXPECT_EQ(h.Scan(kA, "k", "p", "a", 2), (Strings{"p0", "p1"})) << "after below the prefix";
  EXPECT_EQ(h.Scan(kA, "k", "p", "z", 2), Strings{}) << "after above the prefix";
  EXPECT_EQ(h.Scan(kA, "k", "", "", 1), (Strings{"o"}));
  EXPECT_EQ(h.Scan(kA, "k", "", "o", 1), (Strings{"p0"}));
  EXPECT_EQ(h.Scan(kA, "k", "p", "p", 1), (Strings{"p0"})) << "strictly after the prefix itself";
}

TEST_P(StoreConformanceTest, ScanAfterEmbeddedNulIsStrict) {
  Helper h(store());
  const std::string a0("a\0", 2);
  ASSERT_OK(h.PutAll(kA, "k", {"a", a0, "a\x01"}));
  EXPECT_EQ(h.Scan(kA, "k", "", "a", 100), (Strings{a0, "a\x01"}));
  EXPECT_EQ(h.Scan(kA, "k", "", a0, 100), (Strings{"a\x01"}));
}

TEST_P(StoreConformanceTest, Count) {
  Helper h(store());
  EXPECT_EQ(h.Count(kA, "k", ""), 0);
  ASSERT_OK(h.PutAll(kA, "k", {"a1", "a2", "b1"}));
  ASSERT_OK(h.PutAll(kA, "j", {"a3"}));
  EXPECT_EQ(h.Count(kA, "k", ""), 3);
  EXPECT_EQ(h.Count(kA, "k", "a"), 2);
  EXPECT_EQ(h.Count(kA, "k", "a1"), 1);
  EXPECT_EQ(h.Count(kA, "k", "c"), 0);
}

TEST_P(StoreConformanceTest, DeleteKindDeletesOnlyThatKindAndPrefix) {
  Helper h(store());
  ASSERT_OK(h.PutAll(kA, "k", {"a1", "a2", "a\xff", "b1"}));
  ASSERT_OK(h.PutAll(kA, "j", {"a1"}));
  ASSERT_OK(h.PutAll(kOtherDomain, "k", {"a1"}));
  int64_t deleted = -1, none = -1;
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    TRY(deleted, txn.DeleteKind(kA, "k", "a"));
    TRY(none, txn.DeleteKind(kA, "k", "zz"));
    return OkStatus();
  }));
  EXPECT_EQ(deleted, 3);
  EXPECT_EQ(none, 0);
  EXPECT_EQ(h.Scan(kA, "k", "", "", 100), (Strings{"b1"}));
  EXPECT_EQ(h.Count(kA, "j", ""), 1);
  EXPECT_EQ(h.Count(kOtherDomain, "k", ""), 1);
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    TRY(deleted, txn.DeleteKind(kA, "k", ""));
    return OkStatus();
  }));
  EXPECT_EQ(deleted, 1);
  EXPECT_EQ(h.Count(kA, "k", ""), 0);
}

TEST_P(StoreConformanceTest, IndexAddIsIdempotentAndRemoveOfMissingIsNoOp) {
  Helper h(store());
  ASSERT_OK(h.Index(kA, "email", "x@y", "p1"));
  ASSERT_OK(h.Index(kA, "email", "x@y", "p1"));
  EXPECT_EQ(h.Lookup(kA, "email", "x@y"), (Strings{"p1"}));
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.IndexRemove(kA, "email", "x@y", "p2"));
    RETURN_IF_ERROR(txn.IndexRemove(kA, "email", "nope", "p1"));
    return txn.IndexRemove(kA, "phone", "x@y", "p1");
  }));
  EXPECT_EQ(h.Lookup(kA, "email", "x@y"), (Strings{"p1"}));
  ASSERT_OK(store().Write([&](Txn& txn) { return txn.IndexRemove(kA, "email", "x@y", "p1"); }));
  EXPECT_EQ(h.Lookup(kA, "email", "x@y"), Strings{});
  EXPECT_EQ(h.Values(kA, "email"), Strings{});
}

TEST_P(StoreConformanceTest, IndexLookupOrdersAndPages) {
  Helper h(store());
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    for (std::string ref : {"p3", "p1", "p5", "p2", "p4"}) {
      RETURN_IF_ERROR(txn.IndexAdd(kA, "email", "x@y", ref));
    }
    RETURN_IF_ERROR(txn.IndexAdd(kA, "email", "x@y2", "q1"));
    RETURN_IF_ERROR(txn.IndexAdd(kA, "email", "x@", "q2"));
    RETURN_IF_ERROR(txn.IndexAdd(kA, "phone", "x@y", "q3"));
    return txn.IndexAdd(kA, "emai", "lx@y", "q4");
  }));
  EXPECT_EQ(h.Lookup(kA, "email", "x@y"), (Strings{"p1", "p2", "p3", "p4", "p5"}));
  EXPECT_EQ(h.Lookup(kA, "email", "x@y", "", 2), (Strings{"p1", "p2"}));
  EXPECT_EQ(h.Lookup(kA, "email", "x@y", "p2", 2), (Strings{"p3", "p4"}));
  EXPECT_EQ(h.Lookup(kA, "email", "x@y", "p4", 2), (Strings{"p5"}));
  EXPECT_EQ(h.Lookup(kA, "email", "x@y", "p5", 2), Strings{});
  EXPECT_EQ(h.Lookup(kA, "email", "x@y", "p25", 1), (Strings{"p3"}));
  EXPECT_EQ(h.Lookup(kA, "email", "x@y", "", 0), Strings{});
  EXPECT_EQ(h.Lookup(kA, "email", "x"), Strings{}) << "values match exactly, not by prefix";
}

// IndexHas answers for one exact row: not for a ref that only shares a prefix or sorts next to it
// (the default implementation looks up the ref just below), and it sees the transaction's own
// writes.
TEST_P(StoreConformanceTest, IndexHasFindsExactlyTheRow) {
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    for (const std::string& ref :
         std::vector<std::string>{"p1", "p10", std::string("p2\0", 3), "q\n2"}) {
      RETURN_IF_ERROR(txn.IndexAdd(kA, "email", "x@y", ref));
    }
    return txn.IndexAdd(kA, "email", "x@z", "p3");
  }));
  auto has = [&](std::string_view value, std::string_view ref) {
    bool found = false;
    EXPECT_TRUE(store()
                    .Read([&](Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(found, txn.IndexHas(kA, "email", value, ref));
                      return OkStatus();
                    })
                    .ok());
    return found;
  };
  EXPECT_TRUE(has("x@y", "p1"));
  EXPECT_TRUE(has("x@y", "p10"));
  EXPECT_TRUE(has("x@y", std::string("p2\0", 3)));
  EXPECT_TRUE(has("x@y", "q\n2"));
  EXPECT_TRUE(has("x@z", "p3"));
  EXPECT_FALSE(has("x@y", "p"));
  EXPECT_FALSE(has("x@y", "p2"));
  EXPECT_FALSE(has("x@y", "p0"));
  EXPECT_FALSE(has("x@y", "p3"));
  EXPECT_FALSE(has("x@z", "p1"));
  EXPECT_FALSE(has("x@", "p1"));
  EXPECT_FALSE(has("x@y", ""));
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.IndexRemove(kA, "email", "x@y", "p1"));
    RETURN_IF_ERROR(txn.IndexAdd(kA, "email", "x@y", "p5"));
    ASSIGN_OR_RETURN(bool removed, txn.IndexHas(kA, "email", "x@y", "p1"));
    ASSIGN_OR_RETURN(bool added, txn.IndexHas(kA, "email", "x@y", "p5"));
    EXPECT_FALSE(removed);
    EXPECT_TRUE(added);
    return OkStatus();
  }));
  EXPECT_FALSE(has("x@y", "p1"));
  EXPECT_TRUE(has("x@y", "p5"));
}

// IndexLookupDocuments is IndexLookup plus a Get of each ref, in a Read (PostgreSQL answers it
// with one join) and in a Write (where each Get's lock is taken).
TEST_P(StoreConformanceTest, IndexLookupDocumentsPairsRefsWithTheirDocuments) {
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    for (std::string ref : {"p3", "p1", "p2", "p4"}) {
      RETURN_IF_ERROR(txn.IndexAdd(kA, "email", "x@y", ref));
      if (ref != "p2") RETURN_IF_ERROR(txn.Put(kA, "profile", ref, "body-" + ref));
    }
    RETURN_IF_ERROR(txn.Put(kA, "other", "p2", "not a profile"));
    RETURN_IF_ERROR(txn.Put(kOtherDomain, "profile", "p2", "another scope"));
    return txn.IndexAdd(kA, "email", "x@z", "p1");
  }));
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  auto lookup = [&](bool write, std::string_view after, size_t limit) {
    Pairs out;
    auto fn = [&](Txn& txn) -> Status {
      out.clear();
      TRY(auto docs, txn.IndexLookupDocuments(kA, "email", "x@y", after, limit, "profile"));
      for (auto& d : docs) out.emplace_back(d.ref, d.body ? *d.body : "<absent>");
      return OkStatus();
    };
    Status s = write ? store().Write(fn) : store().Read(fn);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return out;
  };
  for (bool write : {false, true}) {
    SCOPED_TRACE(write ? "in a Write" : "in a Read");
    EXPECT_EQ(lookup(write, "", 10),
              (Pairs{{"p1", "body-p1"}, {"p2", "<absent>"}, {"p3", "body-p3"}, {"p4", "body-p4"}}));
    EXPECT_EQ(lookup(write, "p1", 2), (Pairs{{"p2", "<absent>"}, {"p3", "body-p3"}}));
    EXPECT_EQ(lookup(write, "p4", 2), Pairs{});
    EXPECT_EQ(lookup(write, "", 0), Pairs{});
  }
}

// Prefetch is only a hint: whatever is announced, and whether or not the announced Get follows,
// every Get answers as without it, in that transaction and in the next ones (which on
// PostgreSQL may run on the same connection, where an announced read never taken must not be
// handed to them).
TEST_P(StoreConformanceTest, PrefetchChangesNoAnswer) {
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.Put(kAccountLevel, "domain", "dom", "the domain"));
    RETURN_IF_ERROR(txn.Put(kA, "profile", "p1", "body-p1"));
    return txn.IndexAdd(kA, "email", "x@y", "p1");
  }));
  using Seen = std::vector<std::string>;
  auto read = [&](const std::function<Status(Txn&, Seen&)>& fn) {
    Seen seen;
    Status s = store().Read([&](Txn& txn) -> Status {
      seen.clear();
      return fn(txn, seen);
    });
    EXPECT_TRUE(s.ok()) << s.error().message();
    return seen;
  };
  auto body = [](const std::optional<std::string>& b) { return b ? *b : "<absent>"; };
  struct Key {
    Scope scope;
    const char* kind;
    const char* id;
  };
  const Key domain{kAccountLevel, "domain", "dom"}, missing{kAccountLevel, "domain", "nope"},
      profile{kA, "profile", "p1"};
  // Announces `announced`, then Gets `gets` in order.
  auto announce_then_get = [&](Key announced, std::vector<Key> gets) {
    return read([&](Txn& txn, Seen& seen) -> Status {
      txn.Prefetch(announced.scope, announced.kind, announced.id);
      for (const Key& k : gets) {
        TRY(auto b, txn.Get(k.scope, k.kind, k.id));
        seen.push_back(body(b));
      }
      return OkStatus();
    });
  };
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    // Announced, then read after a lookup it travelled with.
    EXPECT_EQ(read([&](Txn& txn, Seen& seen) -> Status {
                txn.Prefetch(kAccountLevel, "domain", "dom");
                TRY(auto docs, txn.IndexLookupDocuments(kA, "email", "x@y", "", 10, "profile"));
                for (auto& d : docs) seen.push_back(d.ref + "=" + body(d.body));
                TRY(auto d, txn.Get(kAccountLevel, "domain", "dom"));
                seen.push_back(body(d));
                return OkStatus();
              }),
              (Seen{"p1=body-p1", "the domain"}));
    // Announced and read at once; a second Get of the key reads it again.
    EXPECT_EQ(announce_then_get(domain, {domain, domain}), (Seen{"the domain", "the domain"}));
    // A missing document, with a Get of another key first.
    EXPECT_EQ(announce_then_get(missing, {profile, missing}), (Seen{"body-p1", "<absent>"}));
    // Announced and never read: the next transactions' reads are their own.
    EXPECT_EQ(read([&](Txn& txn, Seen& seen) -> Status {
                txn.Prefetch(kA, "profile", "p1");
                TRY(seen, txn.IndexLookup(kA, "email", "x@y", "", 10));
                return OkStatus();
              }),
              (Seen{"p1"}));
    EXPECT_EQ(announce_then_get(domain, {profile, domain}), (Seen{"body-p1", "the domain"}));
  }
  // A Write ignores it (its Gets take locks), and commits as ever.
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    txn.Prefetch(kA, "profile", "p1");
    TRY(auto p, txn.GetForUpdate(kA, "profile", "p1"));
    EXPECT_EQ(body(p), "body-p1");
    return txn.Put(kA, "profile", "p1", "body-p1b");
  }));
  EXPECT_EQ(announce_then_get(profile, {profile}), Seen{"body-p1b"});
}

TEST_P(StoreConformanceTest, IndexValuesAreDistinctOrderedAndPaged) {
  Helper h(store());
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    for (std::string v : {"c", "a", "b", "a\xff", "d"}) {
      for (std::string ref : {"r1", "r2", "r3"}) RETURN_IF_ERROR(txn.IndexAdd(kA, "n", v, ref));
    }
    RETURN_IF_ERROR(txn.IndexAdd(kA, "m", "aa", "r1"));
    RETURN_IF_ERROR(txn.IndexAdd(kA, "n2", "aa", "r1"));
    return txn.IndexAdd(kOtherDomain, "n", "bb", "r1");
  }));
  EXPECT_EQ(h.Values(kA, "n"), (Strings{"a", "a\xff", "b", "c", "d"}));
  EXPECT_EQ(h.Values(kA, "n", "", 2), (Strings{"a", "a\xff"}));
  EXPECT_EQ(h.Values(kA, "n", "a\xff", 2), (Strings{"b", "c"}));
  EXPECT_EQ(h.Values(kA, "n", "bz", 10), (Strings{"c", "d"}));
  EXPECT_EQ(h.Values(kA, "n", "d", 10), Strings{});
  EXPECT_EQ(h.Values(kA, "n", "", 0), Strings{});
}

TEST_P(StoreConformanceTest, DeleteScopeRemovesExactlyThatDomain) {
  Helper h(store());
  const Scope prefix_domain{"111111111111", "do"};  // a prefix of kA's domain name
  const Scope longer_domain{"111111111111", "domx"};
  for (Scope s : {kA, kOtherDomain, kOtherAccount, kAccountLevel, prefix_domain, longer_domain}) {
    ASSERT_OK(h.PutAll(s, "k", {"1", "2"}));
    ASSERT_OK(h.PutAll(s, "j", {"3"}));
    ASSERT_OK(h.Index(s, "n", "v", "1"));
  }
  ASSERT_OK(store().Write([&](Txn& txn) { return txn.DeleteScope(kA); }));
  EXPECT_EQ(h.Count(kA, "k", ""), 0);
  EXPECT_EQ(h.Count(kA, "j", ""), 0);
  EXPECT_EQ(h.Lookup(kA, "n", "v"), Strings{});
  EXPECT_EQ(h.Values(kA, "n"), Strings{});
  for (Scope s : {kOtherDomain, kOtherAccount, kAccountLevel, prefix_domain, longer_domain}) {
    SCOPED_TRACE(std::string(s.account) + "/" + std::string(s.domain));
    EXPECT_EQ(h.Count(s, "k", ""), 2);
    EXPECT_EQ(h.Count(s, "j", ""), 1);
    EXPECT_EQ(h.Lookup(s, "n", "v"), (Strings{"1"}));
  }
}

TEST_P(StoreConformanceTest, AccountsAndDomainsAreIsolated) {
  Helper h(store());
  ASSERT_OK(h.Put(kA, "k", "p1", "mine"));
  ASSERT_OK(h.Put(kOtherAccount, "k", "p1", "theirs"));
  ASSERT_OK(h.Put(kAccountLevel, "k", "p1", "account-level"));
  ASSERT_OK(h.Index(kA, "n", "v", "mine"));
  ASSERT_OK(h.Index(kOtherAccount, "n", "v", "theirs"));
  EXPECT_EQ(h.Get(kA, "k", "p1"), "mine");
  EXPECT_EQ(h.Get(kOtherAccount, "k", "p1"), "theirs");
  EXPECT_EQ(h.Get(kAccountLevel, "k", "p1"), "account-level");
  EXPECT_EQ(h.Get(kOtherDomain, "k", "p1"), std::nullopt);
  EXPECT_EQ(h.Get(Scope{"11111111111", "1dom"}, "k", "p1"), std::nullopt)
      << "account and domain are separate fields, not one concatenated key";
  EXPECT_EQ(h.Count(kA, "k", ""), 1);
  EXPECT_EQ(h.Lookup(kA, "n", "v"), (Strings{"mine"}));
  EXPECT_EQ(h.Lookup(kOtherAccount, "n", "v"), (Strings{"theirs"}));
  EXPECT_EQ(h.Lookup(kOtherDomain, "n", "v"), Strings{});
  ASSERT_OK(store().Write([&](Txn& txn) {
    return txn.Delete(kOtherAccount, "k", "p1").ok() ? OkStatus()
                                                     : Status(Error::Internal("delete"));
  }));
  EXPECT_EQ(h.Get(kA, "k", "p1"), "mine");
}

TEST_P(StoreConformanceTest, ErrorInFnRollsBackAllItsWrites) {
  Helper h(store());
  ASSERT_OK(h.Put(kA, "k", "keep", "before"));
  ASSERT_OK(h.Index(kA, "n", "v", "keep"));
  Status s = store().Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.Put(kA, "k", "new", "x"));
    RETURN_IF_ERROR(txn.Put(kA, "k", "keep", "after"));
    RETURN_IF_ERROR(txn.IndexAdd(kA, "n", "v", "new"));
    RETURN_IF_ERROR(txn.IndexRemove(kA, "n", "v", "keep"));
    TRY(auto deleted, txn.DeleteKind(kA, "k", ""));
    EXPECT_EQ(deleted, 2);
    return Error::NotFound("profile p9");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.error().message(), "profile p9");
  EXPECT_EQ(h.Get(kA, "k", "keep"), "before");
  EXPECT_EQ(h.Get(kA, "k", "new"), std::nullopt);
  EXPECT_EQ(h.Lookup(kA, "n", "v"), (Strings{"keep"}));
  // The store still works after a rolled-back transaction.
  ASSERT_OK(h.Put(kA, "k", "later", "ok"));
  EXPECT_EQ(h.Get(kA, "k", "later"), "ok");
}

TEST_P(StoreConformanceTest, ReadsInATransactionSeeItsOwnWrites) {
  Helper h(store());
  ASSERT_OK(h.Put(kA, "k", "old", "o"));
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.Put(kA, "k", "a", "1"));
    TRY(auto got, txn.Get(kA, "k", "a"));
    EXPECT_EQ(got, "1");
    RETURN_IF_ERROR(txn.Put(kA, "k", "a", "2"));
    TRY(got, txn.GetForUpdate(kA, "k", "a"));
    EXPECT_EQ(got, "2");
    TRY(auto docs, txn.Scan(kA, "k", "", "", 10));
    EXPECT_EQ(Ids(docs), (Strings{"a", "old"}));
    TRY(auto n, txn.Count(kA, "k", ""));
    EXPECT_EQ(n, 2);
    TRY(bool deleted, txn.Delete(kA, "k", "old"));
    EXPECT_TRUE(deleted);
    TRY(got, txn.Get(kA, "k", "old"));
    EXPECT_EQ(got, std::nullopt);
    RETURN_IF_ERROR(txn.IndexAdd(kA, "n", "v", "a"));
    TRY(auto refs, txn.IndexLookup(kA, "n", "v", "", 10));
    EXPECT_EQ(refs, (Strings{"a"}));
    TRY(auto values, txn.IndexValues(kA, "n", "", 10));
    EXPECT_EQ(values, (Strings{"v"}));
    return OkStatus();
  }));
  EXPECT_EQ(h.Get(kA, "k", "a"), "2");
  EXPECT_EQ(h.Get(kA, "k", "old"), std::nullopt);
}

TEST_P(StoreConformanceTest, WritesInAReadTransactionAreRejected) {
  Helper h(store());
  ASSERT_OK(h.Put(kA, "k", "a", "1"));
  ASSERT_OK(h.Index(kA, "n", "v", "a"));
  std::vector<Status> results;
  ASSERT_OK(store().Read([&](Txn& txn) -> Status {
    results.push_back(txn.Put(kA, "k", "b", "2"));
    auto del = txn.Delete(kA, "k", "a");
    results.push_back(del.ok() ? OkStatus() : Status(del.error()));
    auto dk = txn.DeleteKind(kA, "k", "");
    results.push_back(dk.ok() ? OkStatus() : Status(dk.error()));
    results.push_back(txn.IndexAdd(kA, "n", "v", "b"));
    results.push_back(txn.IndexRemove(kA, "n", "v", "a"));
    results.push_back(txn.DeleteScope(kA));
    return OkStatus();
  }));
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_FALSE(results[i].ok()) << "write #" << i << " was accepted";
    EXPECT_EQ(results[i].error().code(), ErrorCode::kInternal) << "write #" << i;
  }
  EXPECT_EQ(h.Get(kA, "k", "a"), "1");
  EXPECT_EQ(h.Get(kA, "k", "b"), std::nullopt);
  EXPECT_EQ(h.Lookup(kA, "n", "v"), (Strings{"a"}));
}

TEST_P(StoreConformanceTest, ReadReturnsTheFunctionsError) {
  Status s = store().Read([](Txn&) { return Status(Error::BadRequest("bad token")); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kBadRequest);
  EXPECT_EQ(s.error().message(), "bad token");
}

TEST_P(StoreConformanceTest, ConcurrentReadModifyWritesLoseNoUpdate) {
  Helper h(store());
  ASSERT_OK(h.Put(kA, "counter", "c", "0"));
  constexpr int kThreads = 16;
  constexpr int kIncrements = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        Status s = store().Write([&](Txn& txn) -> Status {
          TRY(auto body, txn.GetForUpdate(kA, "counter", "c"));
          if (!body) return Error::Internal("counter vanished");
          return txn.Put(kA, "counter", "c", std::to_string(std::stoi(*body) + 1));
        });
        if (!s.ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(h.Get(kA, "counter", "c"), std::to_string(kThreads * kIncrements));
}

TEST_P(StoreConformanceTest, ConcurrentFailuresRollBackOnlyTheirOwnWrites) {
  Helper h(store());
  constexpr int kThreads = 8;
  constexpr int kWrites = 25;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        const bool fail = (i % 2) == 1;
        Status s = store().Write([&](Txn& txn) -> Status {
          RETURN_IF_ERROR(txn.Put(kA, "k", id, "body-" + id));
          RETURN_IF_ERROR(txn.IndexAdd(kA, "n", id, id));
          if (fail) return Error::BadRequest("fail " + id);
          return OkStatus();
        });
        if (s.ok() == fail) wrong++;
        if (!s.ok() && s.error().message() != "fail " + id) wrong++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(h.Count(kA, "k", ""), kThreads * (kWrites / 2 + kWrites % 2));
  EXPECT_EQ(h.Values(kA, "n").size(), static_cast<size_t>(kThreads * (kWrites / 2 + 1)));
  for (const auto& id : h.Scan(kA, "k", "", "", 10000)) {
    EXPECT_EQ(std::stoi(id.substr(id.find('-') + 1)) % 2, 0) << id;
  }
}

TEST_P(StoreConformanceTest, ReadsSeeAConsistentSnapshot) {
  Helper h(store());
  // Writers move units between two documents; the sum is always 100 in any committed state.
  ASSERT_OK(store().Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.Put(kA, "acct", "x", "100"));
    return txn.Put(kA, "acct", "y", "0");
  }));
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      Status s = store().Write([&](Txn& txn) -> Status {
        TRY(auto x, txn.GetForUpdate(kA, "acct", "x"));
        TRY(auto y, txn.GetForUpdate(kA, "acct", "y"));
        int dx = (i % 2 == 0) ? -1 : 1;
        RETURN_IF_ERROR(txn.Put(kA, "acct", "x", std::to_string(std::stoi(*x) + dx)));
        return txn.Put(kA, "acct", "y", std::to_string(std::stoi(*y) - dx));
      });
      EXPECT_TRUE(s.ok());
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop) {
        Status s = store().Read([&](Txn& txn) -> Status {
          TRY(auto x, txn.Get(kA, "acct", "x"));
          std::this_thread::yield();
          TRY(auto y, txn.Get(kA, "acct", "y"));
          if (std::stoi(*x) + std::stoi(*y) != 100) torn++;
          return OkStatus();
        });
        EXPECT_TRUE(s.ok());
        reads++;
      }
    });
  }
  writer.join();
  for (auto& r : readers) r.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

TEST_P(StoreConformanceTest, GetForUpdateOfAnAbsentDocumentLosesNoCreate) {
  // Many threads each add their own member to a set document that does not exist yet, so the
  // first ones all find it absent: GetForUpdate must lock the absent key too.
  Helper h(store());
  constexpr int kThreads = 12;
  constexpr int kRounds = 8;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        const std::string doc = "set" + std::to_string(r);
        Status s = store().Write([&](Txn& txn) -> Status {
          TRY(auto body, txn.GetForUpdate(kA, "sets", doc));
          std::string next = body.value_or("");
          next += "<" + std::to_string(t) + ">";
          return txn.Put(kA, "sets", doc, next);
        });
        if (!s.ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int r = 0; r < kRounds; ++r) {
    auto body = h.Get(kA, "sets", "set" + std::to_string(r));
    ASSERT_TRUE(body.has_value());
    for (int t = 0; t < kThreads; ++t) {
      EXPECT_NE(body->find("<" + std::to_string(t) + ">"), std::string::npos)
          << "round " << r << " lost thread " << t << ": " << *body;
    }
    EXPECT_EQ(std::count(body->begin(), body->end(), '<'), kThreads) << *body;
  }
}

TEST_P(StoreConformanceTest, GetInAWriteHoldsOffAConcurrentDeleteUntilCommit) {
  // The shape of CreateProfile (Get the domain, then write into it) racing DeleteDomain
  // (GetForUpdate the domain, Delete it, delete what is in it): whichever order they take, no
  // child may survive its parent.
  Helper h(store());
  ASSERT_OK(h.Put(kAccountLevel, "parent", "p", "exists"));
  std::promise<void> read_parent;
  std::atomic<bool> child_written{false};
  std::atomic<bool> delete_done{false};
  bool saw_child_before_commit = false;
  std::thread creator([&] {
    bool signalled = false;
    Status s = store().Write([&](Txn& txn) -> Status {
      TRY(auto parent, txn.Get(kAccountLevel, "parent", "p"));
      if (!signalled) {
        signalled = true;
        read_parent.set_value();
      }
      if (!parent) return Error::NotFound("parent");
      // Give the deleter every chance to run now if the Get did not hold it off.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      saw_child_before_commit = saw_child_before_commit || delete_done.load();
      RETURN_IF_ERROR(txn.Put(kA, "child", "c1", "x"));
      child_written = true;
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().message();
  });
  read_parent.get_future().wait();
  Status d = store().Write([&](Txn& txn) -> Status {
    TRY(auto parent, txn.GetForUpdate(kAccountLevel, "parent", "p"));
    if (!parent) return Error::NotFound("parent");
    TRY(bool deleted, txn.Delete(kAccountLevel, "parent", "p"));
    EXPECT_TRUE(deleted);
    return txn.DeleteScope(kA);
  });
  delete_done = true;
  creator.join();
  ASSERT_OK(d);
  EXPECT_TRUE(child_written.load());
  EXPECT_FALSE(saw_child_before_commit) << "the delete committed while the creator held its Get";
  EXPECT_EQ(h.Get(kAccountLevel, "parent", "p"), std::nullopt);
  EXPECT_EQ(h.Get(kA, "child", "c1"), std::nullopt) << "an orphan survived its parent's delete";
}

TEST_P(StoreConformanceTest, AThrowingFunctionRollsBackAndReturnsInternal) {
  Helper h(store());
  int runs = 0;
  Status s = store().Write([&](Txn& txn) -> Status {
    ++runs;
    RETURN_IF_ERROR(txn.Put(kA, "k", "thrown", "x"));
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInternal);
  EXPECT_NE(s.error().message().find("boom"), std::string::npos) << s.error().message();
  EXPECT_EQ(runs, 1) << "a throwing function is not retried";
  EXPECT_EQ(h.Get(kA, "k", "thrown"), std::nullopt);
  s = store().Read([&](Txn&) -> Status { throw 42; });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInternal);
  // The store still works, and every pooled connection or writer with it.
  for (int i = 0; i < 20; ++i) ASSERT_OK(h.Put(kA, "k", "after" + std::to_string(i), "ok"));
  EXPECT_EQ(h.Count(kA, "k", "after"), 20);
}

TEST_P(StoreConformanceTest, CommittedWriteSurvivesReopen) {
  ASSERT_OK(Helper(store()).Put(kA, "k", "p1", "durable"));
  ASSERT_OK(Helper(store()).Index(kA, "n", "v", "p1"));
  Reopen();
  Helper h(store());
  EXPECT_EQ(h.Get(kA, "k", "p1"), "durable");
  EXPECT_EQ(h.Lookup(kA, "n", "v"), (Strings{"p1"}));
  ASSERT_OK(h.Put(kA, "k", "p2", "after reopen"));
  EXPECT_EQ(h.Count(kA, "k", ""), 2);
}

}  // namespace
}  // namespace profiled::store::conformance
