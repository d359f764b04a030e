// File: movable_clock.h
// A clock that a service test moves (schedules, expiry): one millisecond later at every reading,
// so that successive stamps differ.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace profiled::service::fixture {

class MovableClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(base_ms_ + ++ticks_));
  }
  void Set(int64_t epoch_seconds) { base_ms_ = epoch_seconds * 1000; }
  void Advance(int64_t seconds) { base_ms_ += seconds * 1000; }

 private:
  std::atomic<int64_t> base_ms_{1764374400000};  // Saturday 2025-11-29 00:00 UTC
  mutable std::atomic<int64_t> ticks_{0};
};

}  // namespace profiled::service::fixture
