// File: sqlite_store_test.cc
// The conformance suite on SQLite, and what only SQLite has: the file, its schema version, and
// durability of an acknowledged write when the process is killed.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/assert_ok.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sql.h"
#include "store/store_conformance.h"
#include "store/temp_dir.h"
#include "store/writer_priority.h"

namespace profiled::store::sqlite {
namespace {

namespace fs = std::filesystem;

const Scope kA{"111111111111", "dom"};

class SqliteHarness : public conformance::StoreHarness {
 public:
  explicit SqliteHarness(SqliteOptions options = {}) : options_(std::move(options)) {
    options_.path = (dir_.path() / "profiled.db").string();
  }
  Result<std::unique_ptr<Store>> Open() override { return OpenSqliteStore(options_); }

 private:
  TempDir dir_;
  SqliteOptions options_;
};

}  // namespace
}  // namespace profiled::store::sqlite

namespace profiled::store::conformance {

INSTANTIATE_TEST_SUITE_P(
    Sqlite, StoreConformanceTest,
    ::testing::Values(
        StoreFactory{"sqlite", [] { return std::make_unique<sqlite::SqliteHarness>(); }},
        // One reader and batches of one: the smallest configuration must be just as correct.
        StoreFactory{"sqlite_minimal",
                     [] {
                       sqlite::SqliteOptions options;
                       options.reader_connections = 1;
                       options.max_batch = 1;
                       return std::make_unique<sqlite::SqliteHarness>(options);
                     }}),
    StoreFactoryName);

}  // namespace profiled::store::conformance

namespace profiled::store::sqlite {
namespace {

std::unique_ptr<Store> MustOpen(const std::string& path) {
  SqliteOptions options;
  options.path = path;
  auto store = OpenSqliteStore(options);
  EXPECT_TRUE(store.ok()) << store.error().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

std::optional<std::string> GetDoc(Store& store, std::string_view id) {
  std::optional<std::string> out;
  Status s = store.Read([&](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(out, txn.Get(kA, "k", id));
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.error().message();
  return out;
}

// Runs `sql` on its own connection and returns one column of each row.
std::vector<std::string> QueryColumn(const std::string& path, const char* sql, int column = 0) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, column);
    out.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// The writer thread is the serial step of every write (writer_priority.h).
TEST(SqliteStore, WriteFunctionsRunOnAWriterOfRaisedPriority) {
  if (!MayRaiseThreadPriority()) GTEST_SKIP() << "this process may not raise a thread's priority";
  TempDir dir;
  auto store = MustOpen((dir.path() / "p.db").string());
  ASSERT_NE(store, nullptr);
  ExpectWriteFunctionsRunAtWriterNice(*store);
}

TEST(SqliteStore, DescribeNamesTheFile) {
  TempDir dir;
  std::string path = (dir.path() / "p.db").string();
  auto store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Describe(), "sqlite:" + path);
}

TEST(SqliteStore, RecordsTheSchemaVersionAndUsesWal) {
  TempDir dir;
  std::string path = (dir.path() / "p.db").string();
  MustOpen(path).reset();
  auto versions = QueryColumn(path, "SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_EQ(versions.size(), kMigrations.size());
  EXPECT_EQ(versions.back(), std::to_string(kSchemaVersion));
  EXPECT_EQ(QueryColumn(path, "PRAGMA journal_mode"), (std::vector<std::string>{"wal"}));
  EXPECT_EQ(QueryColumn(path, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"),
            (std::vector<std::string>{"docs", "idx", "schema_migrations"}));
}

// Every statement must be a primary-key seek: a SCAN, or a sort the index does not give for free,
// would make a hot query cost O(table) instead of O(log n + rows).
TEST(SqliteStore, EveryStatementIsAPrimaryKeySeek) {
  TempDir dir;
  std::string path = (dir.path() / "p.db").string();
  MustOpen(path).reset();
  for (size_t i = 0; i < kSqlCount; ++i) {
    std::string sql = kSqlText[i];
    if (sql.rfind("SELECT", 0) != 0 && sql.rfind("DELETE", 0) != 0) continue;
    SCOPED_TRACE(sql);
    auto plan = QueryColumn(path, ("EXPLAIN QUERY PLAN " + sql).c_str(), /*column=*/3);
    ASSERT_FALSE(plan.empty());
    // The whole-table walks of ForEachRow (snapshots) scan on purpose, in primary-key order.
    const bool walk =
        i == static_cast<size_t>(Sql::kDocAll0) || i == static_cast<size_t>(Sql::kIndexAll0);
    for (const auto& step : plan) {
      if (walk) {
        EXPECT_EQ(step.rfind("SCAN", 0), 0u) << step;
        EXPECT_EQ(step.find("TEMP B-TREE"), std::string::npos) << step;
        continue;
      }
      EXPECT_EQ(step.rfind("SEARCH", 0), 0u) << step;
      EXPECT_NE(step.find("PRIMARY KEY"), std::string::npos) << step;
      EXPECT_EQ(step.find("TEMP B-TREE"), std::string::npos) << step;
    }
  }
}

TEST(SqliteStore, ReopeningAnExistingFileKeepsDataAndDoesNotMigrateAgain) {
  TempDir dir;
  std::string path = (dir.path() / "p.db").string();
  {
    auto store = MustOpen(path);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->Write([](Txn& txn) { return txn.Put(kA, "k", "p1", "v1"); }));
  }
  for (int i = 0; i < 2; ++i) {
    auto store = MustOpen(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(GetDoc(*store, "p1"), "v1");
  }
  EXPECT_EQ(QueryColumn(path, "SELECT count(*) FROM schema_migrations"),
            (std::vector<std::string>{std::to_string(kMigrations.size())}));
}

TEST(SqliteStore, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  std::string path = (dir.path() / "p.db").string();
  MustOpen(path).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO schema_migrations (version, description) "
                         "VALUES (9999, 'from the future')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  SqliteOptions options;
  options.path = path;
  auto store = OpenSqliteStore(options);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message().find("9999"), std::string::npos) << store.error().message();
}

TEST(SqliteStore, OpenFailsCleanlyOnAnUnusablePath) {
  TempDir dir;
  SqliteOptions options;
  options.path = (dir.path() / "no-such-dir" / "p.db").string();
  auto store = OpenSqliteStore(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kInternal);
  EXPECT_NE(store.error().message().find("sqlite"), std::string::npos);
}

TEST(SqliteStore, DeleteScopeOfAnAccountLevelScopeIsRejected) {
  TempDir dir;
  auto store = MustOpen((dir.path() / "p.db").string());
  ASSERT_NE(store, nullptr);
  const Scope account_level{"111111111111", ""};
  ASSERT_OK(store->Write([&](Txn& txn) { return txn.Put(account_level, "domain", "d", "x"); }));
  Status s = store->Write([&](Txn& txn) { return txn.DeleteScope(account_level); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInternal);
}

TEST(SqliteStore, NestedWriteFromInsideAWriteIsAnErrorNotADeadlock) {
  TempDir dir;
  auto store = MustOpen((dir.path() / "p.db").string());
  ASSERT_NE(store, nullptr);
  Status inner = OkStatus();
  ASSERT_OK(store->Write([&](Txn&) {
    inner = store->Write([](Txn&) { return OkStatus(); });
    return OkStatus();
  }));
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code(), ErrorCode::kInternal);
}

TEST(SqliteStore, AThrowingFunctionFailsOnlyItsOwnCall) {
  TempDir dir;
  auto store = MustOpen((dir.path() / "p.db").string());
  ASSERT_NE(store, nullptr);
  Status s = store->Write([](Txn& txn) -> Status {
    (void)txn.Put(kA, "k", "thrown", "x");
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("boom"), std::string::npos);
  ASSERT_OK(store->Write([](Txn& txn) { return txn.Put(kA, "k", "after", "y"); }));
  EXPECT_EQ(GetDoc(*store, "thrown"), std::nullopt);
  EXPECT_EQ(GetDoc(*store, "after"), "y");
}

TEST(SqliteStore, ClosingAnswersEveryQueuedWrite) {
  TempDir dir;
  std::string path = (dir.path() / "p.db").string();
  std::atomic<int> ok{0};
  {
    auto store = MustOpen(path);
    ASSERT_NE(store, nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          std::string id = std::to_string(t) + "-" + std::to_string(i);
          if (store->Write([&](Txn& txn) { return txn.Put(kA, "k", id, id); }).ok()) ok++;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(ok.load(), 160);
  auto store = MustOpen(path);
  int64_t n = 0;
  ASSERT_OK(store->Read([&](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(n, txn.Count(kA, "k", ""));
    return OkStatus();
  }));
  EXPECT_EQ(n, 160);
  // Closing folded the WAL into the database: it is gone or empty.
  store.reset();
  std::error_code ec;
  auto wal_size = fs::file_size(path + "-wal", ec);
  if (!ec) {
    EXPECT_EQ(wal_size, 0u);
  }
}

TEST(SqliteStore, GroupCommitBatchesConcurrentWrites) {
  // Not a timing test: checks that a large concurrent load completes with every write present
  // when batches hold many functions, each in its own savepoint.
  TempDir dir;
  SqliteOptions options;
  options.path = (dir.path() / "p.db").string();
  options.max_batch = 64;
  auto opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  auto store = std::move(opened).value();
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        Status s = store->Write([&](Txn& txn) -> Status {
          RETURN_IF_ERROR(txn.Put(kA, "k", id, std::string(300, 'x')));
          return txn.IndexAdd(kA, "n", id, id);
        });
        EXPECT_TRUE(s.ok()) << s.error().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  int64_t n = 0;
  ASSERT_OK(store->Read([&](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(n, txn.Count(kA, "k", ""));
    return OkStatus();
  }));
  EXPECT_EQ(n, 32 * 30);
}

// A child process opens the store, writes, acknowledges each committed write on a pipe, and is
// killed with SIGKILL without any chance to close the store. Every acknowledged write must be in
// the file when the parent opens it.
TEST(SqliteStore, AcknowledgedWritesSurviveKill9) {
  TempDir dir;
  std::string path = (dir.path() / "p.db").string();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    SqliteOptions options;
    options.path = path;
    auto store = OpenSqliteStore(options);
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
  while (last < 200 && read(fds[0], &got, sizeof got) == sizeof got) last = got;
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus);
  // Drain acknowledgements that were already in the pipe when the child died.
  while (read(fds[0], &got, sizeof got) == sizeof got) last = got;
  close(fds[0]);
  ASSERT_GE(last, 200);

  auto store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  for (int32_t i = 0; i <= last; ++i) {
    ASSERT_EQ(GetDoc(*store, "doc" + std::to_string(i)), "body" + std::to_string(i)) << i;
  }
  int64_t refs = 0;
  ASSERT_OK(store->Read([&](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto r, txn.IndexLookup(kA, "n", "v", "", 100000));
    refs = static_cast<int64_t>(r.size());
    return OkStatus();
  }));
  EXPECT_GE(refs, last + 1);
}

}  // namespace
}  // namespace profiled::store::sqlite

namespace profiled::store::sqlite {
namespace {

// Checkpoints run on their own thread and the writer restarts the WAL once one has caught up; if
// either never happened, the WAL would hold every page written.
TEST(SqliteStore, CheckpointsKeepTheWalFromGrowingWithEveryWrite) {
  TempDir dir;
  std::string path = (dir.path() / "p.db").string();
  auto opened = OpenSqliteStore({.path = path, .checkpoint_pages = 100, .wal_restart_pages = 300});
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  auto store = std::move(opened).value();
  const std::string body(8192, 'x');
  constexpr int kWrites = 2000;  // ~16 MiB of documents, ~4000 pages
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(store
                    ->Write([&](Txn& txn) {
                      return txn.Put({"a", "d"}, "doc", "id" + std::to_string(i), body);
                    })
                    .ok());
  }
  uintmax_t wal = fs::file_size(path + "-wal");
  EXPECT_LT(wal, static_cast<uintmax_t>(kWrites) * body.size() / 2) << "WAL bytes: " << wal;
  // Every document is still there, read through the reader pool.
  ASSERT_TRUE(store
                  ->Read([&](Txn& txn) -> Status {
                    ASSIGN_OR_RETURN(int64_t n, txn.Count({"a", "d"}, "doc", ""));
                    EXPECT_EQ(n, kWrites);
                    return OkStatus();
                  })
                  .ok());
}

}  // namespace
}  // namespace profiled::store::sqlite
