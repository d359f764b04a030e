// File: io_loop.cc
#include "http/io_loop.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

namespace profiled::http {

namespace {

using Clock = std::chrono::steady_clock;

// The other io threads' /proc stat and schedstat files, opened once each and read with one pread
// each, only after a busy slice. Closed with the loop.
class Peers {
 public:
  Peers(IoThreads& threads, size_t self)
      : threads_(threads), self_(self), peers_(threads.count()) {}
  ~Peers() {
    for (Peer& p : peers_) {
      if (p.stat >= 0) ::close(p.stat);
      if (p.schedstat >= 0) ::close(p.schedstat);
    }
  }
  Peers(const Peers&) = delete;
  Peers& operator=(const Peers&) = delete;

  // Whether another io thread has been runnable on the core this thread runs on, without
  // running, since the last call (a slice ago): as this thread is the one running there, that
  // thread waits for it. A thread seen waiting once may be about to run anyway (a write's
  // completion wakes the io threads all the time); one that waited a whole slice is not.
  bool AnotherWaitedHere() {
    const int cpu = ::sched_getcpu();
    bool waited = false;
    for (size_t i = 0; i < peers_.size(); ++i) {
      if (i == self_) continue;
      Peer& p = peers_[i];
      const bool was_waiting = p.waiting;
      const uint64_t ran_before = p.ran_ns;
      p.waiting = cpu >= 0 && Open(i) && RunnableOn(p, cpu) && ReadRunTime(p);
      if (p.waiting && was_waiting && p.ran_ns == ran_before) waited = true;
    }
    return waited;
  }

 private:
  struct Peer {
    int stat = -1;
    int schedstat = -1;
    bool waiting = false;  // runnable on this thread's core at the last call
    uint64_t ran_ns = 0;   // its time on a core (schedstat's first field) at the last call
  };

  bool Open(size_t i) {
    Peer& p = peers_[i];
    if (p.stat >= 0 && p.schedstat >= 0) return true;
    const pid_t tid = threads_.tid(i);
    if (tid == 0) return false;
    const std::string dir = "/proc/self/task/" + std::to_string(tid) + "/";
    if (p.stat < 0) p.stat = ::open((dir + "stat").c_str(), O_RDONLY | O_CLOEXEC);
    if (p.schedstat < 0) p.schedstat = ::open((dir + "schedstat").c_str(), O_RDONLY | O_CLOEXEC);
    return p.stat >= 0 && p.schedstat >= 0;
  }

  // proc(5)'s stat line: "tid (comm) state ... processor(39th) ...". The comm may hold spaces
  // and parentheses, so fields are counted from its last ')'.
  static bool RunnableOn(const Peer& p, int cpu) {
    char buf[1024];
    ssize_t n = ::pread(p.stat, buf, sizeof buf, 0);
    if (n <= 0) return false;
    std::string_view stat(buf, static_cast<size_t>(n));
    size_t close = stat.rfind(')');
    if (close == std::string_view::npos || close + 2 >= stat.size()) return false;
    std::string_view rest = stat.substr(close + 2);  // from field 3, the state
    if (rest.front() != 'R') return false;
    size_t pos = 0;  // to field 39, the core it runs or is queued on: 36 fields on
    for (int field = 3; field < 39; ++field) {
      pos = rest.find(' ', pos);
      if (pos == std::string_view::npos) return false;
      ++pos;
    }
    uint64_t value = 0;
    return ParseNumber(rest.substr(pos), &value) && value == static_cast<uint64_t>(cpu);
  }

  // proc(5)'s schedstat: "time on a core (ns), time waiting on a run queue, timeslices".
  static bool ReadRunTime(Peer& p) {
    char buf[128];
    ssize_t n = ::pread(p.schedstat, buf, sizeof buf, 0);
    return n > 0 && ParseNumber(std::string_view(buf, static_cast<size_t>(n)), &p.ran_ns);
  }

  // The decimal number `text` starts with.
  static bool ParseNumber(std::string_view text, uint64_t* value) {
    return std::from_chars(text.data(), text.data() + text.size(), *value).ec == std::errc();
  }

  IoThreads& threads_;
  size_t self_;
  std::vector<Peer> peers_;
};

}  // namespace

IoThreads::IoThreads(size_t count, const std::atomic<size_t>* writes_waiting)
    : count_(count),
      writes_waiting_(writes_waiting),
      tids_(std::make_unique<std::atomic<pid_t>[]>(count)) {
  for (size_t i = 0; i < count; ++i) tids_[i].store(0, std::memory_order_relaxed);
}

void IoThreads::Register(size_t index) {
  tids_[index].store(::gettid(), std::memory_order_release);
}

uint64_t RunIoContext(boost::asio::io_context& ioc, std::chrono::microseconds busy_slice,
                      IoThreads& threads, size_t index) {
  threads.Register(index);
  if (busy_slice.count() <= 0 || threads.count() < 2) {
    ioc.run();
    return 0;
  }
  Peers peers(threads, index);
  uint64_t yields = 0;
  bool busy = false;  // has run handlers since it last found none ready
  Clock::time_point busy_since;
  while (!ioc.stopped()) {
    if (threads.writes_waiting()) {
      // It will not yield meanwhile: serve exactly as io_context::run() does (poll_one's extra
      // non-blocking reactor pass before each wait is not free under a write load).
      busy = false;
      if (ioc.run_one() == 0) break;
      continue;
    }
    // One handler at a time, so that the time is looked at between any two of them; poll_one
    // also runs the reactor without blocking, so "none ready" means no socket is ready either.
    if (ioc.poll_one() == 0) {
      busy = false;
      if (ioc.run_one() == 0) break;  // blocks until a handler has run; 0: stopped or no work
      continue;
    }
    const Clock::time_point now = Clock::now();
    if (!busy) {
      busy = true;
      busy_since = now;
    } else if (now - busy_since >= busy_slice) {
      if (peers.AnotherWaitedHere()) {
        ::sched_yield();
        ++yields;
      }
      busy_since = Clock::now();
    }
  }
  return yields;
}

}  // namespace profiled::http
