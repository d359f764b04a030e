// File: fiber.cc
// Fibers on ucontext (POSIX, in glibc: no dependency to add). swapcontext also saves and restores
// the signal mask, a system call per switch; four switches per request cost well under a
// microsecond, against the several microseconds of each thread hand-off they replace.
#include "common/fiber.h"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define PROFILED_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROFILED_FIBER_ASAN 1
#endif
#endif

#ifdef PROFILED_FIBER_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace profiled {

struct Fiber::Context {
  ucontext_t fiber;
  ucontext_t caller;
};

namespace {

thread_local Fiber* t_current = nullptr;

size_t PageBytes() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

// Stacks are reused by the thread that frees them: a request's fiber then costs no mmap, and the
// pages a handler touched stay mapped for the next one. The guard page below each stack turns an
// overflow into a crash at the faulting frame instead of a silent overwrite.
class StackCache {
 public:
  ~StackCache() {
    for (void* stack : free_) Unmap(stack);
  }
  void* Take() {
    if (!free_.empty()) {
      void* stack = free_.back();
      free_.pop_back();
      return stack;
    }
    size_t guard = PageBytes();
    void* base = mmap(nullptr, guard + Fiber::kStackBytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    if (mprotect(base, guard, PROT_NONE) != 0) {
      munmap(base, guard + Fiber::kStackBytes);
      throw std::bad_alloc();
    }
    return static_cast<char*>(base) + guard;
  }
  void Give(void* stack) {
    if (free_.size() < kKeep) {
      free_.push_back(stack);
    } else {
      Unmap(stack);
    }
  }

 private:
  static constexpr size_t kKeep = 256;
  static void Unmap(void* stack) {
    size_t guard = PageBytes();
    munmap(static_cast<char*>(stack) - guard, guard + Fiber::kStackBytes);
  }
  std::vector<void*> free_;
};

StackCache& Stacks() {
  thread_local StackCache cache;
  return cache;
}

}  // namespace

Fiber::Fiber(std::function<void()> body, std::function<void()> resume_soon)
    : body_(std::move(body)),
      resume_soon_(std::move(resume_soon)),
      context_(std::make_unique<Context>()),
      stack_(Stacks().Take()) {}

Fiber::~Fiber() {
  if (started_ && !done_) {
    // Its frames still reference the stack; leak it rather than let them run on reused memory.
    std::fprintf(stderr, "profiled: a fiber was destroyed while waiting; its stack is leaked\n");
  } else {
    Stacks().Give(stack_);
  }
}

Fiber* Fiber::Current() { return t_current; }

void Fiber::Resume() {
  if (done_) return;
  if (!started_) {
    started_ = true;
    if (getcontext(&context_->fiber) != 0) std::abort();
    context_->fiber.uc_stack.ss_sp = stack_;
    context_->fiber.uc_stack.ss_size = kStackBytes;
    context_->fiber.uc_link = nullptr;  // Entry never returns: it switches out for good
    makecontext(&context_->fiber, &Fiber::Entry, 0);
  }
  Fiber* outer = t_current;
  t_current = this;
#ifdef PROFILED_FIBER_ASAN
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, stack_, kStackBytes);
#endif
  swapcontext(&context_->caller, &context_->fiber);
#ifdef PROFILED_FIBER_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
  t_current = outer;
}

void Fiber::SwitchIn() {
#ifdef PROFILED_FIBER_ASAN
  __sanitizer_finish_switch_fiber(asan_fake_stack_, &caller_stack_bottom_, &caller_stack_size_);
#endif
}

void Fiber::SwitchOut(bool for_good) {
#ifdef PROFILED_FIBER_ASAN
  // A null save slot tells AddressSanitizer this stack is left for good.
  __sanitizer_start_switch_fiber(for_good ? nullptr : &asan_fake_stack_, caller_stack_bottom_,
                                 caller_stack_size_);
#else
  (void)for_good;
#endif
  swapcontext(&context_->fiber, &context_->caller);
}

void Fiber::Suspend() {
  SwitchOut(/*for_good=*/false);
  SwitchIn();
}

void Fiber::Entry() {
  Fiber* self = t_current;
  self->SwitchIn();
  try {
    self->body_();
  } catch (...) {
    // Nothing can unwind past a fiber's first frame; bodies catch what they throw.
    std::fprintf(stderr, "profiled: an exception left a fiber's body\n");
    std::terminate();
  }
  self->done_ = true;
  self->SwitchOut(/*for_good=*/true);
  std::abort();  // never resumed after done_
}

}  // namespace profiled
