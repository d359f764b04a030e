// File: thread_annotations.h
// Clang's thread-safety analysis (-Wthread-safety), spelled as Abseil and LevelDB spell it:
// a member GUARDED_BY(mu_) may be touched only with mu_ held, a function REQUIRES(mu_) is called
// with it held and EXCLUDES(mu_) without it. Under any other compiler the macros expand to
// nothing. The analysis needs a lock type it understands: common/mutex.h's Mutex and MutexLock
// (libstdc++'s std::mutex carries no annotations). tools/thread-safety-check.sh runs it.
#pragma once

#if defined(__clang__)
#define PROFILED_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define PROFILED_THREAD_ANNOTATION_(x)
#endif

// A type that is a lock (e.g. Mutex).
#define CAPABILITY(x) PROFILED_THREAD_ANNOTATION_(capability(x))
// An RAII type that holds a capability for its scope (e.g. MutexLock).
#define SCOPED_CAPABILITY PROFILED_THREAD_ANNOTATION_(scoped_lockable)

// A data member that may be read or written only with the capability held.
#define GUARDED_BY(x) PROFILED_THREAD_ANNOTATION_(guarded_by(x))
// A pointer member whose pointee may be touched only with the capability held.
#define PT_GUARDED_BY(x) PROFILED_THREAD_ANNOTATION_(pt_guarded_by(x))

// The caller must hold the capability (exclusively) / must not hold it.
#define REQUIRES(...) PROFILED_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) PROFILED_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

// The function acquires / releases the capability (none named: `this`, for a lock's methods).
#define ACQUIRE(...) PROFILED_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define RELEASE(...) PROFILED_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) PROFILED_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))

// Tells the analysis the capability is held here (checked by nothing at run time).
#define ASSERT_CAPABILITY(x) PROFILED_THREAD_ANNOTATION_(assert_capability(x))

// Opts a function out of the analysis; say why next to it.
#define NO_THREAD_SAFETY_ANALYSIS PROFILED_THREAD_ANNOTATION_(no_thread_safety_analysis)
