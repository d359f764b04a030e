#include "auth/reload_signal.h"

#include <pthread.h>
#include <signal.h>

#include <utility>

namespace profiled::auth {
namespace {

sigset_t SighupSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

SighupWatcher::SighupWatcher(std::function<void()> on_sighup) : on_sighup_(std::move(on_sighup)) {
  sigset_t set = SighupSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { Loop(); });
}

SighupWatcher::~SighupWatcher() {
  stopping_.store(true);
  // SIGHUP is blocked in the watcher too, so this stays pending for it and wakes its sigwait().
  pthread_kill(thread_.native_handle(), SIGHUP);
  thread_.join();
}

void SighupWatcher::Loop() {
  sigset_t set = SighupSet();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (stopping_.load()) return;
    on_sighup_();
  }
}

}  // namespace profiled::auth
