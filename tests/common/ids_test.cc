#include "common/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <thread>
#include <vector>

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

// Many ids in one millisecond (a fast CreateProfile loop, or threads at once) still sort in the
// order they were made: auto-merging keeps the profile created first by its id.
TEST(NewProfileId, SortInTheOrderMadeAcrossThreads) {
  std::string previous;
  for (int i = 0; i < 100000; ++i) {
    std::string id = NewProfileId();
    ASSERT_LT(previous, id) << "id " << i;
    previous = std::move(id);
  }
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kEach; ++i) made[t].push_back(NewProfileId());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& ids : made) {
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    for (const auto& id : ids) EXPECT_LT(previous, id);
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
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
