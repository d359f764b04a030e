#include "service/background.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

namespace profiled::service {
namespace {

using std::chrono::milliseconds;

TEST(BackgroundTest, StopEndsEveryTaskAndJoinsIt) {
  std::atomic<int> rounds{0}, ended{0};
  {
    Background background;
    for (int i = 0; i < 3; ++i) {
      background.Start("t", [&](const TaskSignal& signal) {
        while (!signal.WaitFor(milliseconds(1))) ++rounds;
        ++ended;
      });
    }
    while (rounds < 10) std::this_thread::sleep_for(milliseconds(1));
  }  // the destructor stops and joins
  EXPECT_EQ(ended, 3);
}

TEST(BackgroundTest, WakeEndsAWaitEarlyAndIsNotLostWhileWorking) {
  Background background;
  std::atomic<int> woken{0};
  std::atomic<bool> go{false};
  size_t handle = background.Start("waker", [&](const TaskSignal& signal) {
    while (!go) std::this_thread::sleep_for(milliseconds(1));  // "working" when Wake comes
    while (!signal.WaitFor(std::chrono::hours(1))) ++woken;
  });
  background.Wake(handle);  // before the task waits: remembered
  go = true;
  while (woken < 1) std::this_thread::sleep_for(milliseconds(1));
  background.Wake();
  while (woken < 2) std::this_thread::sleep_for(milliseconds(1));
  background.Stop();
  EXPECT_EQ(woken, 2);
}

TEST(BackgroundTest, ATaskThatThrowsEndsAloneAndStartAfterStopRunsNothing) {
  Background background;
  std::atomic<bool> other_ran{false};
  background.Start("thrower", [](const TaskSignal&) { throw std::runtime_error("bug"); });
  background.Start("other", [&](const TaskSignal& signal) {
    other_ran = true;
    while (!signal.WaitFor(milliseconds(5))) {
    }
  });
  while (!other_ran) std::this_thread::sleep_for(milliseconds(1));
  background.Stop();
  bool ran = false;
  EXPECT_EQ(background.Start("late", [&](const TaskSignal&) { ran = true; }), Background::kAll);
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace profiled::service
