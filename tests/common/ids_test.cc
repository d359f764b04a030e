#include "common/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace profiled {
namespace {

TEST(NewProfileId, ThirtyTwoLowercaseHex) {
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(std::regex_match(NewProfileId(), std::regex("[0-9a-f]{32}")));
  }
}

TEST(NewProfileId, OrderedByCreationTimeSoNewRowsAppend) {
  std::string earlier = NewProfileIdAt(1'700'000'000'000);
  std::string later = NewProfileIdAt(1'700'000'000'001);
  EXPECT_LT(earlier, later);
  EXPECT_EQ(earlier.substr(0, 12), "018bcfe56800");
}

TEST(NewProfileId, DistinctWithinOneMillisecond) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(NewProfileIdAt(42));
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(RandomHex, HasTheLengthAsked) {
  EXPECT_EQ(RandomHex(0), "");
  EXPECT_TRUE(std::regex_match(RandomHex(37), std::regex("[0-9a-f]{37}")));
}

TEST(NewUuid, DashedVersion4) {
  EXPECT_TRUE(std::regex_match(
      NewUuid(),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
}

}  // namespace
}  // namespace profiled
