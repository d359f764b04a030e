// File: mutex.h
// std::mutex and its locks as types Clang's thread-safety analysis understands
// (common/thread_annotations.h), so that GUARDED_BY(mu_) is checked, not just read. The code
// they generate is std::mutex's, std::unique_lock's and std::condition_variable's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/thread_annotations.h"

namespace profiled {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope, like std::unique_lock: it may be released and taken again inside
// the scope, and a condition variable waits on it.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() { lock_.unlock(); }
  void Lock() ACQUIRE() { lock_.lock(); }

  // One wait on `cv` (it may wake spuriously: wait in a loop that checks the condition, which the
  // analysis then sees read under the lock; a predicate lambda it would not).
  void Wait(std::condition_variable& cv) { cv.wait(lock_); }
  // Like Wait; false when `deadline` passed.
  template <typename Clock, typename Duration>
  bool WaitUntil(std::condition_variable& cv,
                 const std::chrono::time_point<Clock, Duration>& deadline) {
    return cv.wait_until(lock_, deadline) == std::cv_status::no_timeout;
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace profiled
