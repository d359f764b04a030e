// File: movable_clock.h
// Clocks that a service test moves (schedules, expiry, calculated attributes' time ranges).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace profiled::service::fixture {

// Exactly the time the test set: every reading between two Advance calls is the same instant.
class ManualClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  void Advance(int64_t milliseconds) { ms_ += milliseconds; }

 private:
  std::atomic<int64_t> ms_{1'700'000'000'000};  // 2023-11-14 22:13:20 UTC
};

// One second later at every reading: "most recent" is well defined even for stamps kept in
// whole seconds.
class SteppingClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000 + ++ticks_));
  }

 private:
  mutable std::atomic<int64_t> ticks_{0};
};

// One millisecond later at every reading, so that successive stamps differ.
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
