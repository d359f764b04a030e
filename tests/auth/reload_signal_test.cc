#include "auth/reload_signal.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace profiled::auth {
namespace {

TEST(SighupWatcher, RunsTheCallbackOnEachSighupAndStopsCleanly) {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  {
    SighupWatcher watcher([&] {
      std::lock_guard<std::mutex> lock(mu);
      ++calls;
      cv.notify_all();
    });
    for (int want = 1; want <= 2; ++want) {
      ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);  // process-directed, as from `kill -HUP`
      std::unique_lock<std::mutex> lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls >= want; }));
    }
  }  // the destructor must return (the watcher thread woken and joined)
  // SIGHUP stays blocked in this thread, so a late one is harmless rather than fatal.
  sigset_t blocked;
  pthread_sigmask(SIG_BLOCK, nullptr, &blocked);
  EXPECT_TRUE(sigismember(&blocked, SIGHUP));
  EXPECT_FALSE(sigismember(&blocked, SIGINT));
  EXPECT_FALSE(sigismember(&blocked, SIGTERM));
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace profiled::auth
