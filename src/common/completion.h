// File: completion.h
// A one-shot event one thread waits for and another signals: the store's writer tells a caller
// that its write has committed. A caller on a fiber (common/fiber.h) gives its thread back while
// it waits and is resumed once signalled; any other caller blocks.
#pragma once

#include <condition_variable>

#include "common/mutex.h"

namespace profiled {

class Fiber;

class Completion {
 public:
  Completion() = default;
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;

  // Returns once Signal() has been called (at once if it already has).
  void Wait() EXCLUDES(mu_);
  // Once, from any thread. The waiter may destroy this object as soon as it is woken, so nothing
  // here touches it after that.
  void Signal() EXCLUDES(mu_);

 private:
  Mutex mu_;
  std::condition_variable cv_;
  bool signalled_ GUARDED_BY(mu_) = false;
  Fiber* fiber_ GUARDED_BY(mu_) = nullptr;  // the waiting fiber, if the waiter is one
};

}  // namespace profiled
