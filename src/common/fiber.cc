// File: fiber.cc
// Fibers on Boost.Context's fcontext: a switch saves and restores the callee-saved registers and
// the stack pointer in user space. (The ucontext switch used before also saved and restored the
// signal mask, a system call per switch, four per request: ~5% of the CPU of a
// PutProfileObject under load, `perf`.)
#include "common/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/detail/fcontext.hpp>
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

namespace fcontext = boost::context::detail;

// Where each side stopped: the fiber (for Resume) and whoever resumed it (for SwitchOut).
struct Fiber::Context {
  fcontext::fcontext_t fiber = nullptr;
  fcontext::fcontext_t caller = nullptr;

  // The fiber's first frame: `from` carries the resumer's context and the Fiber.
  static void Entry(fcontext::transfer_t from) {
    Fiber* self = static_cast<Fiber*>(from.data);
    self->context_->caller = from.fctx;
    self->Run();
  }
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
    // The stack grows down from its top; Run never returns (it switches out for good).
    context_->fiber = fcontext::make_fcontext(static_cast<char*>(stack_) + kStackBytes, kStackBytes,
                                              &Context::Entry);
  }
  Fiber* outer = t_current;
  t_current = this;
#ifdef PROFILED_FIBER_ASAN
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, stack_, kStackBytes);
#endif
  context_->fiber = fcontext::jump_fcontext(context_->fiber, this).fctx;
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
  // Resumed (never, when for_good): by whoever resumed, from a context of theirs.
  context_->caller = fcontext::jump_fcontext(context_->caller, nullptr).fctx;
}

void Fiber::Suspend() {
  SwitchOut(/*for_good=*/false);
  SwitchIn();
}

void Fiber::Run() {
  SwitchIn();
  try {
    body_();
  } catch (...) {
    // Nothing can unwind past a fiber's first frame; bodies catch what they throw.
    std::fprintf(stderr, "profiled: an exception left a fiber's body\n");
    std::terminate();
  }
  done_ = true;
  SwitchOut(/*for_good=*/true);
  std::abort();  // never resumed after done_
}

}  // namespace profiled
