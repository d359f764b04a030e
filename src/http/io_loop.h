// File: io_loop.h
// How an io thread runs its io_context: like io_context::run(), except that a thread that has
// served without a pause for `busy_slice` gives up its core (sched_yield) when another io thread
// of the same server has been runnable on that core, without running, for that long.
//
// Why: with more busy threads than cores (two io threads and a client on 2 cores), a thread woken
// on a core where another thread runs waits until the scheduler's next tick preempts that one:
// up to 4 ms with HZ=250, as the kernel checks a running thread's slice only at ticks. An io
// thread that kept finding requests ran for milliseconds, and the other io thread, woken behind
// it, waited that long with all its connections: the ~3 ms SearchProfiles p99 at 16 connections
// that half of the cells showed (`perf sched` and syscall traces: docs/performance.md, fourteenth
// session). Yielding to anyone, not only to a waiting io thread, fixed that tail but tripled the
// writes' p99: the core went to RocksDB's background threads or the writer for a whole tick. And
// while writes wait for commits the threads do not yield at all: yielding then, even only to an
// io thread, cost CreateProfile 0.85-0.92x at 64 connections in three A/Bs of 3 rounds (the
// yielding thread falls behind the writer and the flushes on its core).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace profiled::http {

// The io threads of one server, each registered by the thread itself, so that a busy one can see
// whether another waits for its core.
class IoThreads {
 public:
  // `writes_waiting` (may be null): how many requests wait for a commit; none yields meanwhile.
  explicit IoThreads(size_t count, const std::atomic<size_t>* writes_waiting = nullptr);
  size_t count() const { return count_; }
  bool writes_waiting() const {
    return writes_waiting_ != nullptr && writes_waiting_->load(std::memory_order_relaxed) > 0;
  }
  // Called on io thread `index` (< count) before it serves.
  void Register(size_t index);
  // The thread id of io thread `index` once it has registered, else 0.
  pid_t tid(size_t index) const { return tids_[index].load(std::memory_order_acquire); }

 private:
  size_t count_;
  const std::atomic<size_t>* writes_waiting_;
  std::unique_ptr<std::atomic<pid_t>[]> tids_;
};

// Runs `ioc` on io thread `index` of `threads` until it is stopped or runs out of work; returns
// how many times it yielded. A zero `busy_slice` never yields (io_context::run()).
uint64_t RunIoContext(boost::asio::io_context& ioc, std::chrono::microseconds busy_slice,
                      IoThreads& threads, size_t index);

}  // namespace profiled::http
