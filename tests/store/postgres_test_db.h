// File: postgres_test_db.h
// A fresh PostgreSQL database per test on the server named by PROFILED_TEST_PG_URL, dropped when
// the test ends. Without that variable the tests skip, unless PROFILED_REQUIRE_PG=1 (as in CI and
// scripts/test.sh), when they fail: a CI run must not pass by silently skipping PostgreSQL.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace profiled::store::postgres_test {

inline std::string AdminUrl() {
  const char* url = std::getenv("PROFILED_TEST_PG_URL");
  return url ? url : "";
}

inline bool RequirePg() {
  const char* r = std::getenv("PROFILED_REQUIRE_PG");
  return r && std::string(r) == "1";
}

// Quotes a value for a libpq key=value connection string.
inline std::string QuoteConninfo(const std::string& v) {
  std::string q = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') q.push_back('\\');
    q.push_back(c);
  }
  q.push_back('\'');
  return q;
}

// `url` (a URL or key=value string) with its dbname replaced, as a key=value string.
inline std::string WithDatabase(const std::string& url, const std::string& dbname) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    if (err) PQfreemem(err);
    return "";
  }
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (std::string(o->keyword) == "dbname" || !o->val || !*o->val) continue;
    out += std::string(o->keyword) + "=" + QuoteConninfo(o->val) + " ";
  }
  PQconninfoFree(opts);
  return out + "dbname=" + QuoteConninfo(dbname);
}

// Runs one statement on `conninfo`; returns "" or the error message. Test-only convenience.
inline std::string ExecSql(const std::string& conninfo, const std::string& sql,
                           std::vector<std::vector<std::string>>* rows = nullptr) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  std::string error;
  if (PQstatus(c) != CONNECTION_OK) {
    error = PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      error = PQresultErrorMessage(r);
    } else if (rows) {
      for (int i = 0; i < PQntuples(r); ++i) {
        std::vector<std::string> row;
        for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetvalue(r, i, j));
        rows->push_back(std::move(row));
      }
    }
    PQclear(r);
  }
  PQfinish(c);
  return error;
}

// One throwaway database: CREATE DATABASE profiled_test_<random> on construction, DROP on
// destruction.
class TestDatabase {
 public:
  // nullptr when PROFILED_TEST_PG_URL is unset (the caller skips or fails, see
  // PROFILED_REQUIRE_PG_OR_SKIP), or when CREATE DATABASE failed (already a test failure).
  static std::unique_ptr<TestDatabase> Create() {
    const std::string admin = AdminUrl();
    if (admin.empty()) return nullptr;
    std::random_device rd;
    std::string name = "profiled_test_";
    const char* hex = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) name.push_back(hex[rd() % 16]);
    std::string err = ExecSql(admin, "CREATE DATABASE " + name);
    if (!err.empty()) {
      ADD_FAILURE() << "CREATE DATABASE " << name << ": " << err;
      return nullptr;
    }
    return std::unique_ptr<TestDatabase>(new TestDatabase(admin, name));
  }

  ~TestDatabase() {
    std::string err = ExecSql(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    if (!err.empty()) ADD_FAILURE() << "DROP DATABASE " << name_ << ": " << err;
  }

  const std::string& name() const { return name_; }
  // A libpq connection string for this database.
  const std::string& conninfo() const { return conninfo_; }
  const std::string& admin() const { return admin_; }

 private:
  TestDatabase(std::string admin, std::string name)
      : admin_(std::move(admin)), name_(std::move(name)), conninfo_(WithDatabase(admin_, name_)) {}

  std::string admin_;
  std::string name_;
  std::string conninfo_;
};

}  // namespace profiled::store::postgres_test

// Skips the test when PostgreSQL is not configured, or fails it when it is required.
#define PROFILED_REQUIRE_PG_OR_SKIP()                                              \
  do {                                                                             \
    if (::profiled::store::postgres_test::AdminUrl().empty()) {                    \
      if (::profiled::store::postgres_test::RequirePg()) {                         \
        FAIL() << "PROFILED_REQUIRE_PG=1 but PROFILED_TEST_PG_URL is not set";     \
      }                                                                            \
      GTEST_SKIP() << "PROFILED_TEST_PG_URL is not set; PostgreSQL tests skipped"; \
    }                                                                              \
  } while (0)
