// File: thread_priority_test.cc
#include "common/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace profiled {
namespace {

int NiceOf(pid_t tid) {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
}

TEST(ThreadPriority, SetsTheCallingThreadOnly) {
  const int before = NiceOf(gettid());
  bool set = false;
  int inside = 0;
  std::thread t([&] {
    set = SetThisThreadNice(kWriterThreadNice);
    inside = NiceOf(gettid());
  });
  t.join();
  if (!set) GTEST_SKIP() << "this process may not raise a thread's priority (no CAP_SYS_NICE)";
  EXPECT_EQ(inside, kWriterThreadNice);
  EXPECT_EQ(NiceOf(gettid()), before) << "the nice value of another thread changed";
}

TEST(ThreadPriority, LoweringNeedsNoPrivilege) {
  // Any process may lower a thread's priority: checks the per-thread call where raising is refused.
  const int before = NiceOf(gettid());
  int inside = 0;
  bool set = false;
  std::thread t([&] {
    set = SetThisThreadNice(19);
    inside = NiceOf(gettid());
  });
  t.join();
  EXPECT_TRUE(set);
  EXPECT_EQ(inside, 19);
  EXPECT_EQ(NiceOf(gettid()), before);
}

}  // namespace
}  // namespace profiled
