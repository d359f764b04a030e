// File: scaled_clock.h
// A clock that runs `scale` times faster than the system clock from the moment it is made
// (`profiled serve --time-scale`, docs/expiry.md): with scale 86400 a real second is a day of the
// service's time, so data that expires after ExpirationDays can be seen to go in a test. Only the
// service's time is scaled; SigV4 signatures and outbound AWS calls keep the real clock.
#pragma once

#include <chrono>

#include "common/clock.h"

namespace profiled {

class ScaledClock final : public Clock {
 public:
  explicit ScaledClock(double scale)
      : scale_(scale < 1 ? 1 : scale), anchor_(std::chrono::system_clock::now()) {}

  std::chrono::system_clock::time_point Now() const override {
    auto real = std::chrono::system_clock::now();
    if (scale_ == 1) return real;
    std::chrono::duration<double> elapsed = real - anchor_;
    return anchor_ +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(elapsed * scale_);
  }
  double scale() const { return scale_; }

 private:
  double scale_;
  std::chrono::system_clock::time_point anchor_;
};

}  // namespace profiled
