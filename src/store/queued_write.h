// File: queued_write.h
// A Write waiting in an embedded store's queue for its writer thread (the group commit of the
// SQLite and RocksDB stores). It points into the frame of the caller's Store::Write, which lives
// until `done` is signalled: the writer sets `*status` before it signals and touches none of it
// after.
#pragma once

#include "common/completion.h"
#include "common/result.h"
#include "store/store.h"

namespace profiled::store {

struct QueuedWrite {
  const TxnFn* fn = nullptr;
  Status* status = nullptr;
  Completion* done = nullptr;
};

}  // namespace profiled::store
