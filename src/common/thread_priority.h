// File: thread_priority.h
// A store's writer thread is the one serial step of every write: each commit group waits for it.
// On a box where request threads, compactions and the load generator share few cores, the
// scheduler would otherwise preempt it as readily as any of the 30-odd request threads, and every
// request queued behind it waits out the preemption. A higher priority (a lower nice value) lets
// it run as soon as it is runnable; it sleeps whenever it has nothing to commit, so it takes no
// time from anyone then.
#pragma once

namespace profiled {

// The nice value a store's writer thread asks for (Linux: per thread).
inline constexpr int kWriterThreadNice = -10;
// The nice value of background readers that may take only the time the requests leave (the
// page cache warmer, the writer's value-filter scans).
inline constexpr int kBackgroundThreadNice = 19;

// Sets the calling thread's nice value. Returns false, changing nothing, where the process may not
// raise its priority (no CAP_SYS_NICE and RLIMIT_NICE too low): the thread then runs as before.
bool SetThisThreadNice(int nice);

}  // namespace profiled
