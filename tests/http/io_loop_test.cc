// RunIoContext (http/io_loop.h): runs every handler as io_context::run() does, and yields its
// core only while it keeps finding work for longer than its slice and another io thread has
// waited for that core meanwhile; never while writes wait for commits.
#include "http/io_loop.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <thread>

namespace profiled::http {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

void Spin(microseconds d) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
  }
}

bool PinToFirstCore() {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  return pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0;
}

// Io thread 1 of `threads`, spinning on the first core until destroyed: a thread that waits for
// that core whenever the loop under test runs there.
class SpinningPeer {
 public:
  explicit SpinningPeer(IoThreads& threads) {
    std::atomic<bool> started{false};
    thread_ = std::thread([&] {
      pinned_ = PinToFirstCore();
      threads.Register(1);
      started = true;
      while (!stop_.load(std::memory_order_relaxed)) {
      }
    });
    while (!started) std::this_thread::yield();
  }
  ~SpinningPeer() {
    stop_ = true;
    thread_.join();
  }
  bool pinned() const { return pinned_; }

 private:
  std::atomic<bool> stop_{false};
  bool pinned_ = false;
  std::thread thread_;
};

// Posts handlers one after another, each busy for `each`, until `total` has passed: an io thread
// that always finds a request ready.
void PostBusyChain(asio::io_context& ioc, Clock::time_point until, microseconds each, int* ran) {
  asio::post(ioc, [&ioc, until, each, ran] {
    ++*ran;
    Spin(each);
    if (Clock::now() < until) PostBusyChain(ioc, until, each, ran);
  });
}

// Runs a 40 ms busy chain as io thread 0, pinned to the first core, with a 1 ms slice.
uint64_t RunBusy(IoThreads& threads, int* ran) {
  uint64_t yields = 0;
  std::thread loop([&] {
    (void)PinToFirstCore();  // the tests that need it have skipped when it fails
    asio::io_context ioc(1);
    PostBusyChain(ioc, Clock::now() + milliseconds(40), microseconds(20), ran);
    yields = RunIoContext(ioc, milliseconds(1), threads, 0);
  });
  loop.join();
  return yields;
}

TEST(IoLoopTest, RunsEveryHandlerAndReturnsWhenOutOfWork) {
  IoThreads threads(2);
  asio::io_context ioc(1);
  int ran = 0;
  for (int i = 0; i < 1000; ++i) asio::post(ioc, [&ran] { ++ran; });
  RunIoContext(ioc, microseconds(250), threads, 0);
  EXPECT_EQ(ran, 1000);
  EXPECT_NE(threads.tid(0), 0) << "registered";
}

TEST(IoLoopTest, YieldsToAnIoThreadWaitingForItsCore) {
  IoThreads threads(2);
  SpinningPeer peer(threads);
  if (!peer.pinned()) GTEST_SKIP() << "threads cannot be pinned to a core here";
  int ran = 0;
  EXPECT_GE(RunBusy(threads, &ran), 1u);
  EXPECT_GT(ran, 0);
}

TEST(IoLoopTest, DoesNotYieldWhenNoIoThreadWaits) {
  IoThreads threads(2);
  std::thread([&] { threads.Register(1); }).join();  // registered, and gone: never runnable
  int ran = 0;
  EXPECT_EQ(RunBusy(threads, &ran), 0u);
  EXPECT_GT(ran, 0);
}

TEST(IoLoopTest, DoesNotYieldWhileWritesWait) {
  std::atomic<size_t> writes_waiting{1};
  IoThreads threads(2, &writes_waiting);
  SpinningPeer peer(threads);
  if (!peer.pinned()) GTEST_SKIP() << "threads cannot be pinned to a core here";
  int ran = 0;
  EXPECT_EQ(RunBusy(threads, &ran), 0u);
}

TEST(IoLoopTest, ZeroSliceNeverYields) {
  IoThreads threads(2);
  SpinningPeer peer(threads);
  asio::io_context ioc(1);
  int ran = 0;
  PostBusyChain(ioc, Clock::now() + milliseconds(10), microseconds(20), &ran);
  EXPECT_EQ(RunIoContext(ioc, microseconds(0), threads, 0), 0u);
  EXPECT_GT(ran, 0);
}

TEST(IoLoopTest, APauseStartsTheSliceAgain) {
  // The handlers are busy for longer than the slice in all, and a peer waits for the core, but
  // the loop waits for a timer between them: it never served a slice without a pause.
  IoThreads threads(2);
  SpinningPeer peer(threads);
  if (!peer.pinned()) GTEST_SKIP() << "threads cannot be pinned to a core here";
  uint64_t yields = 1;
  int left = 20;
  std::thread loop([&] {
    (void)PinToFirstCore();
    asio::io_context ioc(1);
    asio::steady_timer timer(ioc);
    std::function<void()> arm = [&] {
      timer.expires_after(milliseconds(1));
      timer.async_wait([&](const boost::system::error_code&) {
        Spin(microseconds(300));
        if (--left > 0) arm();
      });
    };
    arm();
    yields = RunIoContext(ioc, milliseconds(1), threads, 0);
  });
  loop.join();
  EXPECT_EQ(yields, 0u);
  EXPECT_EQ(left, 0);
}

TEST(IoLoopTest, ReturnsWhenStopped) {
  IoThreads threads(2);
  asio::io_context ioc(1);
  auto guard = asio::make_work_guard(ioc);  // would block forever without the stop
  std::atomic<bool> returned{false};
  std::thread runner([&] {
    RunIoContext(ioc, microseconds(250), threads, 0);
    returned = true;
  });
  asio::post(ioc, [] {});
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_FALSE(returned);
  ioc.stop();
  runner.join();
  EXPECT_TRUE(returned);
}

}  // namespace
}  // namespace profiled::http
