// File: clock.h
// Time is injected so that tests can pin it (Envoy's hermetic-test rule).
#pragma once

#include <chrono>

namespace profiled {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;

  // Seconds since the epoch with millisecond precision: the rest-json timestamp form.
  double NowEpochSeconds() const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Now().time_since_epoch());
    return static_cast<double>(ms.count()) / 1000.0;
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace profiled
