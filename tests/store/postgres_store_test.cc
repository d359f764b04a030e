// PostgreSQL-specific behaviour of the store: key ranges, migrations, concurrency across pools
// and processes, reconnecting, and failing fast while the server is down. The behaviour shared
// with SQLite is checked by the conformance suite (postgres_conformance_test.cc).
#ifdef PROFILED_WITH_POSTGRES

#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/key_range.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres_test_db.h"

namespace profiled::store::postgres {
namespace {

using postgres_test::ExecSql;
using postgres_test::TestDatabase;

const Scope kScope{"111122223333", "dom"};

std::unique_ptr<Store> OpenOrDie(const std::string& conninfo, int pool_size = 4) {
  PostgresOptions options;
  options.conninfo = conninfo;
  options.pool_size = pool_size;
  auto store = OpenPostgresStore(options);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message());
  return store.ok() ? std::move(store).value() : nullptr;
}

// Adds one to the counter document `id`, creating it at 1: the read-modify-write whose updates
// must never be lost.
Status Increment(Store& store, const std::string& id) {
  return store.Write([&](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(kScope, "counter", id));
    const int n = body ? std::stoi(*body) : 0;
    return txn.Put(kScope, "counter", id, std::to_string(n + 1));
  });
}

int ReadCounter(Store& store, const std::string& id) {
  int value = -1;
  Status s = store.Read([&](Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.Get(kScope, "counter", id));
    value = body ? std::stoi(*body) : 0;
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
  return value;
}

// --- Key ranges (no server needed) ---

TEST(PostgresKeyRangeTest, IncrementsTheLastByteThatCan) {
  EXPECT_EQ(PrefixUpperBound("abc"), "abd");
  EXPECT_EQ(PrefixUpperBound("a/"), "a0");
  EXPECT_EQ(PrefixUpperBound("a\x7f"), "a\x80");
  EXPECT_EQ(PrefixUpperBound("a\xfe\xff"), "a\xff");
  EXPECT_EQ(PrefixUpperBound(std::string("a\0", 2)), std::string("a\x01", 2));
}

TEST(PostgresKeyRangeTest, NoUpperBound) {
  EXPECT_EQ(PrefixUpperBound(""), std::nullopt);
  EXPECT_EQ(PrefixUpperBound("\xff\xff"), std::nullopt);
}

// --- Against a server ---

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PROFILED_REQUIRE_PG_OR_SKIP();
    db_ = TestDatabase::Create();
    ASSERT_NE(db_, nullptr);
  }

  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    std::string err = ExecSql(db_->conninfo(), sql, &rows);
    EXPECT_EQ(err, "") << sql;
    return rows;
  }

  std::unique_ptr<TestDatabase> db_;
};

TEST_F(PostgresStoreTest, MigrationsAreIdempotent) {
  for (int i = 0; i < 3; ++i) {
    auto store = OpenOrDie(db_->conninfo());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(Increment(*store, "c").ok());
  }
  auto rows = Query("SELECT count(*), max(version) FROM schema_migrations");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], std::to_string(LatestSchemaVersion()));
  EXPECT_EQ(rows[0][1], std::to_string(LatestSchemaVersion()));
  auto store = OpenOrDie(db_->conninfo());
  EXPECT_EQ(ReadCounter(*store, "c"), 3);
}

TEST_F(PostgresStoreTest, ColumnsAreBytea) {
  // bytea keeps any bytes and compares like memcmp: the contract's bytewise order.
  auto store = OpenOrDie(db_->conninfo());
  ASSERT_NE(store, nullptr);
  auto rows = Query(
      "SELECT table_name, column_name, data_type FROM information_schema.columns "
      "WHERE table_name IN ('docs', 'idx') ORDER BY 1, 2");
  ASSERT_EQ(rows.size(), 10u);
  for (const auto& r : rows) EXPECT_EQ(r[2], "bytea") << r[0] << "." << r[1];
}

TEST_F(PostgresStoreTest, ConcurrentOpensMigrateOnce) {
  constexpr int kOpeners = 8;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&] {
      PostgresOptions options;
      options.conninfo = db_->conninfo();
      options.pool_size = 1;
      auto store = OpenPostgresStore(options);
      if (!store.ok()) {
        ADD_FAILURE() << store.error().message();
        return;
      }
      if (Increment(**store, "c").ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kOpeners);
  auto rows = Query("SELECT count(*) FROM schema_migrations");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], std::to_string(LatestSchemaVersion()));
  auto store = OpenOrDie(db_->conninfo());
  EXPECT_EQ(ReadCounter(*store, "c"), kOpeners);
}

TEST_F(PostgresStoreTest, PrefixRangesUseThePrimaryKey) {
  auto store = OpenOrDie(db_->conninfo());
  ASSERT_NE(store, nullptr);
  // The statements the store prepares, checked with the planner: an index range, not a filter.
  auto plan = Query(
      "SET enable_seqscan = off; EXPLAIN SELECT id, body FROM docs WHERE account='\\x31'::bytea "
      "AND domain='\\x32'::bytea "
      "AND kind='\\x33'::bytea AND id >= '\\x61'::bytea AND id < '\\x62'::bytea ORDER BY id "
      "LIMIT 10");
  std::string text;
  for (const auto& r : plan) text += r[0] + "\n";
  EXPECT_NE(text.find("Index Cond"), std::string::npos) << text;
  EXPECT_NE(text.find("(id >= "), std::string::npos) << text;
  EXPECT_NE(text.find("(id < "), std::string::npos) << text;
  EXPECT_EQ(text.find("Sort"), std::string::npos) << text;
}

TEST_F(PostgresStoreTest, SixteenThreadsFiftyIncrementsLoseNothing) {
  auto store = OpenOrDie(db_->conninfo(), /*pool_size=*/16);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 16, kIncrements = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // The counter does not exist yet: the first increments race to create it.
      for (int i = 0; i < kIncrements; ++i) {
        Status s = Increment(*store, "hot");
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.error().message();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ReadCounter(*store, "hot"), kThreads * kIncrements);
}

// Runs `iterations` transactions that each increment the counters `ids` in that order.
void IncrementAll(Store& store, const std::vector<const char*>& ids, int iterations) {
  for (int i = 0; i < iterations; ++i) {
    Status s = store.Write([&](Txn& txn) -> Status {
      for (const char* id : ids) {
        ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(kScope, "counter", id));
        const int n = body ? std::stoi(*body) : 0;
        RETURN_IF_ERROR(txn.Put(kScope, "counter", id, std::to_string(n + 1)));
      }
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
  }
}

TEST_F(PostgresStoreTest, SeveralStoresOnOneDatabaseLoseNothing) {
  // Each Store has its own pool and migrates at open, as separate profiled processes would.
  constexpr int kStores = 4, kThreadsPerStore = 4, kIncrements = 25;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kStores; ++i) {
    stores.push_back(OpenOrDie(db_->conninfo(), kThreadsPerStore));
    ASSERT_NE(stores.back(), nullptr);
  }
  std::vector<std::thread> threads;
  for (auto& store : stores) {
    for (int t = 0; t < kThreadsPerStore; ++t) {
      threads.emplace_back([&store] { IncrementAll(*store, {"x", "y"}, kIncrements); });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ReadCounter(*stores[0], "x"), kStores * kThreadsPerStore * kIncrements);
  EXPECT_EQ(ReadCounter(*stores[0], "y"), kStores * kThreadsPerStore * kIncrements);
}

// The body of one worker process of SeveralProcessesLoseNothing; disabled so that it runs only
// when that test starts this binary with --gtest_also_run_disabled_tests.
TEST(PostgresWorkerProcess, DISABLED_IncrementLoop) {
  const char* conninfo = std::getenv("PROFILED_PG_WORKER_CONNINFO");
  ASSERT_NE(conninfo, nullptr);
  auto store = OpenOrDie(conninfo, /*pool_size=*/4);
  ASSERT_NE(store, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] { IncrementAll(*store, {"x"}, 25); });
  }
  for (auto& t : threads) t.join();
}

TEST_F(PostgresStoreTest, SeveralProcessesLoseNothing) {
  // Real processes that start together on a database nobody has migrated yet: they race to
  // migrate, then to create and increment one counter.
  constexpr int kProcesses = 4;
  const std::string env = "PROFILED_PG_WORKER_CONNINFO=" + db_->conninfo();
  std::vector<pid_t> pids;
  for (int i = 0; i < kProcesses; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      char* argv[] = {const_cast<char*>("store_test"),
                      const_cast<char*>("--gtest_filter=PostgresWorkerProcess.*"),
                      const_cast<char*>("--gtest_also_run_disabled_tests"), nullptr};
      putenv(const_cast<char*>(env.c_str()));
      execv("/proc/self/exe", argv);
      _exit(127);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "worker status " << status;
  }
  auto rows = Query("SELECT count(*) FROM schema_migrations");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], std::to_string(LatestSchemaVersion()));
  auto store = OpenOrDie(db_->conninfo());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ReadCounter(*store, "x"), kProcesses * 4 * 25);
}

TEST_F(PostgresStoreTest, DeadlocksAreRetried) {
  // Opposite lock orders deadlock; the server aborts one transaction (40P01) and Write must run
  // it again rather than fail. A short deadlock_timeout keeps detection fast.
  const std::string conninfo = db_->conninfo() + " options='-c deadlock_timeout=20'";
  auto a = OpenOrDie(conninfo, 2);
  auto b = OpenOrDie(conninfo, 2);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kIncrements = 30;
  std::thread ta([&] { IncrementAll(*a, {"x", "y"}, kIncrements); });
  std::thread tb([&] { IncrementAll(*b, {"y", "x"}, kIncrements); });
  ta.join();
  tb.join();
  EXPECT_EQ(ReadCounter(*a, "x"), 2 * kIncrements);
  EXPECT_EQ(ReadCounter(*a, "y"), 2 * kIncrements);
}

TEST_F(PostgresStoreTest, ReconnectsAfterBackendsAreTerminated) {
  auto store = OpenOrDie(db_->conninfo(), /*pool_size=*/4);
  ASSERT_NE(store, nullptr);
  // Fill the pool with several connections, then kill every one of them.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) EXPECT_TRUE(Increment(*store, "c").ok());
    });
  }
  for (auto& t : threads) t.join();
  auto killed = Query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                      db_->name() + "' AND pid <> pg_backend_pid()");
  EXPECT_GE(killed.size(), 1u);
  // The pooled connections are dead; the next calls must notice, reconnect and succeed.
  for (int i = 0; i < 5; ++i) {
    Status s = Increment(*store, "c");
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
  }
  EXPECT_EQ(ReadCounter(*store, "c"), 45);
}

TEST_F(PostgresStoreTest, FunctionErrorRollsBackAndReadRejectsWrites) {
  auto store = OpenOrDie(db_->conninfo());
  ASSERT_NE(store, nullptr);
  Status s = store->Write([&](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.Put(kScope, "counter", "r", "7"));
    return Error::NotFound("nope");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(ReadCounter(*store, "r"), 0);
  s = store->Read([&](Txn& txn) { return txn.Put(kScope, "counter", "r", "1"); });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(ReadCounter(*store, "r"), 0);
}

TEST_F(PostgresStoreTest, CreatorThatLosesTheRaceRunsAgain) {
  auto store = OpenOrDie(db_->conninfo());
  ASSERT_NE(store, nullptr);
  int attempts = 0;
  Status s = store->Write([&](Txn& txn) -> Status {
    ++attempts;
    RETURN_IF_ERROR(txn.Put(kScope, "counter", "side", std::to_string(attempts)));
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(kScope, "counter", "new"));
    if (attempts == 1) {
      EXPECT_EQ(body, std::nullopt);
      // Another process creates the document between our read and our write.
      EXPECT_EQ(ExecSql(db_->conninfo(),
                        "INSERT INTO docs VALUES ('111122223333', 'dom', 'counter', 'new', '10')"),
                "");
    }
    const int n = body ? std::stoi(*body) : 0;
    // The insert fails with a unique violation; even when the function ignores that error, the
    // aborted transaction must not be reported as committed but run again.
    (void)txn.Put(kScope, "counter", "new", std::to_string(n + 1));
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(ReadCounter(*store, "new"), 11);
  EXPECT_EQ(ReadCounter(*store, "side"), 2);
}

TEST_F(PostgresStoreTest, ADatabaseWithANewerSchemaIsRefused) {
  ASSERT_NE(OpenOrDie(db_->conninfo()), nullptr);
  Query("INSERT INTO schema_migrations(version) VALUES (" +
        std::to_string(LatestSchemaVersion() + 1) + ")");
  PostgresOptions options;
  options.conninfo = db_->conninfo();
  auto store = OpenPostgresStore(options);
  ASSERT_FALSE(store.ok()) << "a binary older than the schema opened it";
  EXPECT_EQ(store.error().code(), ErrorCode::kInternal);
  EXPECT_NE(store.error().message().find("newer"), std::string::npos) << store.error().message();
}

TEST_F(PostgresStoreTest, ATransactionOverThousandsOfKeysDoesNotExhaustTheLockTable) {
  // Key locks are advisory locks, which live in a shared table of max_locks_per_transaction x
  // max_connections entries (6,400 by default); past 1,000 keys of one kind a transaction locks
  // the kind instead. While it does, a writer of one of those keys still waits for it.
  auto store = OpenOrDie(db_->conninfo());
  ASSERT_NE(store, nullptr);
  constexpr int kKeys = 12000;
  std::atomic<bool> big_committed{false};
  std::atomic<bool> small_before_big{false};
  std::thread small;
  Status s = store->Write([&](Txn& txn) -> Status {
    for (int i = 0; i < kKeys; ++i) {
      RETURN_IF_ERROR(txn.Put(kScope, "many", "k" + std::to_string(i), "1"));
      if (i == 1500 && !small.joinable()) {
        small = std::thread([&] {
          Status w = store->Write([&](Txn& t) { return t.Put(kScope, "many", "k11000", "2"); });
          EXPECT_TRUE(w.ok()) << w.error().message();
          // The big one's COMMIT releases the lock before its Write returns, so this may finish
          // a moment before big_committed is set: allow for that moment.
          if (!big_committed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
          if (!big_committed) small_before_big = true;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    return OkStatus();
  });
  big_committed = true;
  ASSERT_TRUE(s.ok()) << s.error().message();
  small.join();
  EXPECT_FALSE(small_before_big.load()) << "a key of an escalated kind was written past its lock";
  auto rows = Query("SELECT count(*) FROM docs WHERE kind = 'many'::bytea");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], std::to_string(kKeys));
  // The big transaction wrote k11000 long after the small writer started: if the small one had
  // not waited for its commit, the big one's "1" would be the value left.
  auto value = Query("SELECT convert_from(body, 'UTF8') FROM docs WHERE id = 'k11000'::bytea");
  ASSERT_EQ(value.size(), 1u);
  EXPECT_EQ(value[0][0], "2");
}

TEST_F(PostgresStoreTest, BlockedStatementTimesOutWithUnavailable) {
  PostgresOptions options;
  options.conninfo = db_->conninfo();
  options.pool_size = 2;
  options.statement_timeout_milliseconds = 300;
  auto opened = OpenPostgresStore(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  Store& store = **opened;
  ASSERT_TRUE(Increment(store, "locked").ok());
  // Another session holds the row lock and never lets go (until the test ends).
  PGconn* holder = PQconnectdb(db_->conninfo().c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK);
  PQclear(PQexec(holder, "BEGIN"));
  PGresult* locked = PQexec(holder, "SELECT 1 FROM docs WHERE id = 'locked' FOR UPDATE");
  EXPECT_EQ(PQntuples(locked), 1);
  PQclear(locked);
  const auto start = std::chrono::steady_clock::now();
  Status s = Increment(store, "locked");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable) << s.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  // Other documents were never blocked, and the store works on once the lock is gone.
  EXPECT_TRUE(Increment(store, "locked").ok());
  EXPECT_EQ(ReadCounter(store, "locked"), 2);
}

TEST(PostgresUnreachableTest, OpenFailsFastWithUnavailable) {
  // A port nobody listens on: the connection is refused at once.
  PostgresOptions options;
  options.conninfo = "postgresql://postgres@127.0.0.1:1/postgres";
  const auto start = std::chrono::steady_clock::now();
  auto store = OpenPostgresStore(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(PostgresUnreachableTest, BadConninfoIsRejected) {
  PostgresOptions options;
  options.conninfo = "postgresql://[::1";
  auto store = OpenPostgresStore(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kBadRequest);
}

// A private cluster that the test stops and starts, via scripts/pg-cluster.sh and pg_ctl.
class OwnCluster {
 public:
  OwnCluster() {
    char tmpl[] = "/tmp/profiled-pgtest.XXXXXX";
    if (!mkdtemp(tmpl)) return;
    dir_ = tmpl;
    std::filesystem::permissions(dir_, std::filesystem::perms(0755));
    const std::string out = dir_ + "/url";
    if (Shell("bash " + Script() + " start " + dir_ + " > " + out) != 0) return;
    std::ifstream in(out);
    std::getline(in, url_);
  }
  ~OwnCluster() {
    if (dir_.empty()) return;
    Shell("bash " + Script() + " stop " + dir_);
    std::filesystem::remove_all(dir_);
  }
  const std::string& url() const { return url_; }
  bool Stop() { return Shell(PgCtl() + " -m fast -w stop") == 0; }
  // `restart` on a stopped server starts it with the options it last ran with (same port).
  bool Start() { return Shell(PgCtl() + " -w -l " + dir_ + "/server.log restart") == 0; }

 private:
  static std::string Script() {
    return (std::filesystem::path(PROFILED_SOURCE_DIR) / "scripts/pg-cluster.sh").string();
  }
  std::string PgCtl() const {
    std::string as_pg = geteuid() == 0 ? "runuser -u postgres -- " : "";
    return as_pg + "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl -D " + dir_ +
           "/data";
  }
  static int Shell(const std::string& cmd) {
    return std::system(("bash -c '" + cmd + "' >/dev/null 2>&1").c_str());
  }

  std::string dir_;
  std::string url_;
};

TEST(PostgresServerDownTest, UnavailableWhileDownThenRecovers) {
  PROFILED_REQUIRE_PG_OR_SKIP();
  OwnCluster cluster;
  ASSERT_FALSE(cluster.url().empty()) << "could not start a private PostgreSQL cluster";
  auto store = OpenOrDie(cluster.url(), /*pool_size=*/4);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(Increment(*store, "c").ok());

  ASSERT_TRUE(cluster.Stop());
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    Status s = Increment(*store, "c");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable) << s.error().message();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    Status r = store->Read([](Txn&) { return OkStatus(); });
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().message();
  }

  ASSERT_TRUE(cluster.Start());
  Status s = Increment(*store, "c");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
  EXPECT_EQ(ReadCounter(*store, "c"), 2);
}

}  // namespace
}  // namespace profiled::store::postgres

#endif  // PROFILED_WITH_POSTGRES
