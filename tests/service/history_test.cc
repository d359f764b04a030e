#include "service/history.h"

#include <gtest/gtest.h>

#include <regex>

namespace profiled::service {
namespace {
namespace json = boost::json;

TEST(NextHistoryId, ThirtyTwoHexAndStrictlyIncreasingPerProfile) {
  json::object profile{{"ProfileId", "p"}};
  std::string prev;
  // Same millisecond, then a clock that steps back: ids still sort in write order.
  for (int64_t ms : {1000, 1000, 1000, 999, 5000, 4000}) {
    std::string id = NextHistoryId(profile, ms);
    EXPECT_TRUE(std::regex_match(id, std::regex("[a-f0-9]{32}"))) << id;
    EXPECT_LT(prev, id);
    prev = id;
  }
}

}  // namespace
}  // namespace profiled::service
