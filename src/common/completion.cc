// File: completion.cc
#include "common/completion.h"

#include "common/fiber.h"

namespace profiled {

void Completion::Wait() {
  Fiber* fiber = Fiber::Current();
  MutexLock lock(mu_);
  if (signalled_) return;
  if (fiber != nullptr) {
    fiber_ = fiber;
    lock.Unlock();
    // Signal() may run from here on, but the resumption it asks for runs on this thread, so not
    // before the fiber has switched out.
    fiber->Suspend();
    return;
  }
  while (!signalled_) lock.Wait(cv_);
}

void Completion::Signal() {
  Fiber* fiber;
  {
    MutexLock lock(mu_);
    signalled_ = true;
    fiber = fiber_;
    // Under the lock: a blocked waiter cannot wake, return and destroy cv_ before this call ends.
    if (fiber == nullptr) cv_.notify_one();
  }
  // The fiber stays alive until its body returns, which needs this resumption.
  if (fiber != nullptr) fiber->ResumeSoon();
}

}  // namespace profiled
