// File: writer_priority.h
// The check shared by the stores that commit on a writer thread (RocksDB, SQLite): their write
// functions run there, at kWriterThreadNice where the process may raise a thread's priority
// (common/thread_priority.h).
#pragma once

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "common/thread_priority.h"
#include "store/assert_ok.h"
#include "store/store.h"

namespace profiled::store {

// Whether this process may raise a thread's priority (tried on a thread of its own).
inline bool MayRaiseThreadPriority() {
  bool permitted = false;
  std::thread([&] { permitted = SetThisThreadNice(kWriterThreadNice); }).join();
  return permitted;
}

inline void ExpectWriteFunctionsRunAtWriterNice(Store& store) {
  int nice = 0;
  ASSERT_OK(store.Write([&](Txn& txn) {
    errno = 0;
    nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    return txn.Put(Scope{"111111111111", "dom"}, "k", "x", "y");
  }));
  EXPECT_EQ(nice, kWriterThreadNice);
}

}  // namespace profiled::store
