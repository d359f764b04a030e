// File: background.h
// Threads that work beside the requests (event delivery, jobs, expiry, training). A service
// starts its task at registration; main owns the Background and destroys it before the store,
// so every task has stopped touching the store when the store closes.
//
// A task is a loop: do some work, then WaitFor its period (or until Wake says more work is
// ready), and return once WaitFor says the owner is stopping. Work in small steps, each in its
// own transaction, so that a stop is answered within one step.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace profiled::service {

class Background;

// What a task sees of its owner.
class TaskSignal {
 public:
  // Sleeps until `timeout` has passed, Wake was called, or the owner is stopping; true when the
  // owner is stopping (the task should return). A Wake that came while the task was working is
  // not lost: the next WaitFor returns at once.
  bool WaitFor(std::chrono::milliseconds timeout) const;
  bool Stopping() const;

 private:
  friend class Background;
  explicit TaskSignal(Background* owner, size_t index) : owner_(owner), index_(index) {}
  Background* owner_;
  size_t index_;
};

class Background {
 public:
  Background() = default;
  ~Background() { Stop(); }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  // Runs `task` on a thread of its own until it returns. `name` appears in logs (and as the
  // thread's name). Returns the task's handle for Wake. A task started after Stop is not run.
  size_t Start(std::string name, std::function<void(const TaskSignal&)> task) EXCLUDES(mu_);

  // Ends the wait of task `handle` (or of every task when `handle` is kAll).
  static constexpr size_t kAll = static_cast<size_t>(-1);
  void Wake(size_t handle = kAll) EXCLUDES(mu_);

  // Asks every task to stop and joins them. Idempotent.
  void Stop() EXCLUDES(mu_);

 private:
  friend class TaskSignal;
  bool WaitFor(size_t index, std::chrono::milliseconds timeout) EXCLUDES(mu_);
  bool Stopping() EXCLUDES(mu_);

  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<bool> woken_ GUARDED_BY(mu_);  // per task: a Wake not yet seen by WaitFor
  std::vector<std::thread> threads_;         // started and joined by the owner's thread only
};

}  // namespace profiled::service
