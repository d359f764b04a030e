// common/fiber.h and common/completion.h: a fiber runs on the thread that resumes it, gives that
// thread back while it waits, and a completion signalled from another thread resumes it there.
#include "common/fiber.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/completion.h"

namespace profiled {
namespace {

// A single-threaded event loop, as an io_context run by one thread: Post from any thread, Run on
// the owning one until `until` holds.
class Loop {
 public:
  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }
  void Run(const std::function<bool()>& until) {
    while (!until()) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !tasks_.empty(); })) {
          ADD_FAILURE() << "loop starved";
          return;
        }
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
};

TEST(Fiber, RunsItsBodyOnItsOwnStackAndKnowsItself) {
  Fiber* seen = nullptr;
  char* body_local = nullptr;
  Fiber fiber(
      [&] {
        char here = 0;
        body_local = &here;
        seen = Fiber::Current();
      },
      [] {});
  char outside = 0;
  EXPECT_EQ(Fiber::Current(), nullptr);
  fiber.Resume();
  EXPECT_TRUE(fiber.done());
  EXPECT_EQ(seen, &fiber);
  EXPECT_EQ(Fiber::Current(), nullptr);
  // Not on this thread's stack: the two locals are far apart.
  auto distance = body_local > &outside ? body_local - &outside : &outside - body_local;
  EXPECT_GT(distance, 64 * 1024);
}

TEST(Fiber, SuspendReturnsToTheResumerAndResumeGoesOnWhereItStopped) {
  std::vector<std::string> events;
  std::unique_ptr<Fiber> a, b;
  a = std::make_unique<Fiber>(
      [&] {
        events.push_back("a1");
        Fiber::Current()->Suspend();
        events.push_back("a2");
      },
      [] {});
  b = std::make_unique<Fiber>(
      [&] {
        events.push_back("b1");
        Fiber::Current()->Suspend();
        events.push_back("b2");
      },
      [] {});
  a->Resume();
  b->Resume();
  EXPECT_FALSE(a->done());
  EXPECT_FALSE(b->done());
  b->Resume();
  a->Resume();
  EXPECT_TRUE(a->done());
  EXPECT_TRUE(b->done());
  EXPECT_EQ(events, (std::vector<std::string>{"a1", "b1", "b2", "a2"}));
}

TEST(Fiber, ExceptionsAndDeepFramesStayInsideTheBody) {
  std::string caught;
  size_t sum = 0;
  Fiber fiber(
      [&] {
        try {
          throw std::runtime_error("inside");
        } catch (const std::exception& e) {
          caught = e.what();
        }
        // Most of the stack, touched: the guard page is below it, not inside it.
        char big[Fiber::kStackBytes - 64 * 1024];
        std::memset(big, 1, sizeof big);
        for (char c : big) sum += static_cast<size_t>(c);
      },
      [] {});
  fiber.Resume();
  EXPECT_TRUE(fiber.done());
  EXPECT_EQ(caught, "inside");
  EXPECT_EQ(sum, Fiber::kStackBytes - 64 * 1024);
}

// The point of it all: a fiber waiting on a completion gives its thread back (another fiber runs
// to its end meanwhile), and the signal from another thread resumes it on its own thread.
TEST(Completion, ResumesAWaitingFiberOnItsThreadWhenSignalledFromAnother) {
  Loop loop;
  Completion commit;
  std::vector<std::string> events;
  std::thread::id loop_thread = std::this_thread::get_id();
  std::thread::id resumed_on;
  std::unique_ptr<Fiber> waiter, other;
  waiter = std::make_unique<Fiber>(
      [&] {
        events.push_back("waiting");
        commit.Wait();
        resumed_on = std::this_thread::get_id();
        events.push_back("resumed");
      },
      [&] { loop.Post([&] { waiter->Resume(); }); });
  other = std::make_unique<Fiber>([&] { events.push_back("other ran"); }, [] {});
  loop.Post([&] { waiter->Resume(); });
  loop.Post([&] { other->Resume(); });
  loop.Run([&] { return other->done(); });
  EXPECT_FALSE(waiter->done());
  std::thread signaller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    commit.Signal();
  });
  loop.Run([&] { return waiter->done(); });
  signaller.join();
  EXPECT_EQ(events, (std::vector<std::string>{"waiting", "other ran", "resumed"}));
  EXPECT_EQ(resumed_on, loop_thread);
}

TEST(Completion, AFiberWhoseSignalCameFirstDoesNotSuspend) {
  Completion done;
  done.Signal();
  bool resumed_soon = false;
  Fiber fiber([&] { done.Wait(); }, [&] { resumed_soon = true; });
  fiber.Resume();
  EXPECT_TRUE(fiber.done());
  EXPECT_FALSE(resumed_soon);
}

TEST(Completion, BlocksAThreadThatIsNoFiberUntilSignalled) {
  for (int i = 0; i < 200; ++i) {  // the waiter may destroy it the moment it wakes
    auto done = std::make_unique<Completion>();
    std::atomic<bool> signalled{false};
    std::thread signaller([&] {
      signalled = true;
      done->Signal();
    });
    done->Wait();
    EXPECT_TRUE(signalled.load());
    done.reset();
    signaller.join();
  }
}

}  // namespace
}  // namespace profiled
