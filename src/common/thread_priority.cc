// File: thread_priority.cc
#include "common/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

namespace profiled {

bool SetThisThreadNice(int nice) {
  // On Linux the nice value belongs to the thread (task) named by its id, not to the process.
  return setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice) == 0;
}

}  // namespace profiled
