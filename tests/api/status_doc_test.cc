// Keeps docs/status.md true: every operation of the model is listed there exactly once, and it is
// marked "served" exactly when a service registers it.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "api/extensions.h"
#include "api/model.h"
#include "service/registry.h"

namespace profiled::api {
namespace {

std::map<std::string, std::string> ReadStatusTable() {
  std::ifstream in(std::string(PROFILED_SOURCE_DIR) + "/docs/status.md");
  std::map<std::string, std::string> rows;
  std::string line;
  const std::regex row(R"(^\| `([A-Za-z]+)` \| (served|not implemented) \|.*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, row)) rows[m[1]] = m[2];
  }
  return rows;
}

TEST(StatusDoc, ListsEveryOperationWithItsTrueStatus) {
  // As main wires it: registering a name the model lacks (Profiled's extensions aside), or one
  // twice, aborts here. The table lists the model's operations only.
  std::vector<std::string> names = Model::Get().OperationNames();
  for (auto& name : ExtensionOperationNames()) names.push_back(std::move(name));
  service::Registry registry(std::move(names));
  service::RegisterAll(registry, service::ServiceEnv{});
  auto rows = ReadStatusTable();
  std::set<std::string> model_ops;
  for (const Operation& op : Model::Get().operations()) {
    const std::string& name = op.name;
    model_ops.insert(name);
    auto it = rows.find(name);
    ASSERT_NE(it, rows.end()) << name << " is missing from docs/status.md";
    std::string actual = registry.Find(name) ? "served" : "not implemented";
    EXPECT_EQ(it->second, actual) << "docs/status.md says " << name << " is " << it->second;
  }
  for (const auto& [name, status] : rows) {
    EXPECT_TRUE(model_ops.count(name)) << name << " in docs/status.md is not in the model";
  }
  EXPECT_EQ(model_ops.size(), 106u);
}

}  // namespace
}  // namespace profiled::api
