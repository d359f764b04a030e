// File: reload_signal.h
// Runs a callback on a dedicated thread each time the process receives SIGHUP (the Unix
// "re-read your configuration" signal), without Asio: SIGHUP is blocked and taken with
// sigwait(), so the callback runs as ordinary code, not in a signal handler.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace profiled::auth {

class SighupWatcher {
 public:
  // Blocks SIGHUP in the calling thread, which every thread created afterwards inherits, then
  // starts the watching thread. Only SIGHUP is masked: SIGINT/SIGTERM reach the HTTP server's
  // own handling untouched.
  // REQUIRES: constructed before the process starts its other threads (else one of them may
  // receive SIGHUP with the default action, which ends the process).
  explicit SighupWatcher(std::function<void()> on_sighup);
  // Stops and joins the watching thread; after it returns the callback is not running and will
  // not run again.
  ~SighupWatcher();

  SighupWatcher(const SighupWatcher&) = delete;
  SighupWatcher& operator=(const SighupWatcher&) = delete;

 private:
  void Loop();

  std::function<void()> on_sighup_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace profiled::auth
