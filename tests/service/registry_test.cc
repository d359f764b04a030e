#include "service/registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace profiled::service {
namespace {

Handler Answer(int n) {
  return [n](const RequestContext&, boost::json::object) -> Result<boost::json::object> {
    return boost::json::object{{"n", n}};
  };
}

int Call(const Registry& registry, std::string_view operation) {
  const Handler* h = registry.Find(operation);
  if (!h) return -1;
  auto out = (*h)(RequestContext{}, {});
  return out.ok() ? static_cast<int>(out->at("n").as_int64()) : -2;
}

TEST(Registry, RefusesADuplicateAndKeepsTheFirst) {
  Registry registry;
  ASSERT_TRUE(registry.TryRegister("GetDomain", Answer(1)).ok());
  Status again = registry.TryRegister("GetDomain", Answer(2));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kInternal);
  EXPECT_NE(again.error().message().find("'GetDomain'"), std::string::npos);
  EXPECT_NE(again.error().message().find("already registered"), std::string::npos);
  EXPECT_EQ(Call(registry, "GetDomain"), 1);
  EXPECT_EQ(registry.size(), 1u);
}

TEST(Registry, WithKnownOperationsRefusesOtherNames) {
  Registry registry(std::vector<std::string>{"GetDomain", "ListDomains"});
  EXPECT_TRUE(registry.TryRegister("GetDomain", Answer(1)).ok());
  Status typo = registry.TryRegister("GetDomian", Answer(2));
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message().find("no operation of that name"), std::string::npos);
  EXPECT_EQ(registry.Find("GetDomian"), nullptr);
  EXPECT_TRUE(registry.TryRegister("ListDomains", Answer(3)).ok());
  EXPECT_EQ(registry.size(), 2u);
  EXPECT_EQ(Call(registry, "ListDomains"), 3);
}

TEST(Registry, RefusesAnEmptyHandler) {
  Registry registry;
  EXPECT_FALSE(registry.TryRegister("GetDomain", Handler()).ok());
  EXPECT_EQ(registry.Find("GetDomain"), nullptr);
}

TEST(RegistryDeathTest, RegisterAbortsWithTheReason) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.Register("GetDomain", Answer(1));
        registry.Register("GetDomain", Answer(2));
      },
      "profiled: cannot register operation 'GetDomain': it is already registered");
  EXPECT_DEATH(
      {
        Registry registry(std::vector<std::string>{"GetDomain"});
        registry.Register("Nope", Answer(1));
      },
      "the service model has no operation of that name");
}

}  // namespace
}  // namespace profiled::service
