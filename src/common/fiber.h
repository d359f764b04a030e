// File: fiber.h
// A function run on a stack of its own, on the thread that resumes it, which can give that
// thread back while it waits and carry on later where it stopped. The HTTP server runs a
// request's handler on one so that a write waits for the store's commit without holding a
// thread: the io thread that read the request serves other connections meanwhile, and the
// commit's completion resumes the handler there (common/completion.h). That saves the two
// thread hand-offs of a worker pool (io -> worker -> io) on every write.
//
// Rules for code that runs on a fiber, all met by the request handlers:
// - no lock held across a wait (another fiber on the same thread could block on it forever);
// - no wait inside a catch block (the C++ runtime keeps the caught exception per thread);
// - no thread_local state expected to survive a wait unchanged.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace profiled {

class Fiber {
 public:
  // `body` runs on the fiber. `resume_soon` is called, from any thread, when a waiting fiber may
  // go on; it must arrange for Resume() to be called on the thread that started the fiber, after
  // the call that is running the fiber has returned (posting to a single-threaded event loop
  // does both).
  Fiber(std::function<void()> body, std::function<void()> resume_soon);
  // A fiber destroyed before its body returned leaks what its stack holds (it cannot be unwound);
  // the owner waits for done() instead.
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // The first call starts the body; each returns when the body waits (Suspend) or has returned.
  void Resume();
  bool done() const { return done_; }

  // The fiber running on this thread, or null on a thread's own stack.
  static Fiber* Current();
  // From the fiber's own body: gives the thread back to the caller of Resume().
  void Suspend();
  void ResumeSoon() { resume_soon_(); }

  static constexpr size_t kStackBytes = 512 * 1024;

 private:
  struct Context;
  void Run();  // the body, on the fiber's stack
  void SwitchIn();
  void SwitchOut(bool for_good);

  std::function<void()> body_;
  std::function<void()> resume_soon_;
  // The saved registers of both sides; fiber.cc keeps its layout private.
  std::unique_ptr<Context> context_;
  void* stack_;  // kStackBytes usable, above a guard page
  bool started_ = false;
  bool done_ = false;
  // For AddressSanitizer, which must be told about every stack switch (unused without it).
  [[maybe_unused]] void* asan_fake_stack_ = nullptr;
  [[maybe_unused]] const void* caller_stack_bottom_ = nullptr;
  [[maybe_unused]] size_t caller_stack_size_ = 0;
};

}  // namespace profiled
