#pragma once

#include <chrono>

namespace framewire {

// Milliseconds since construction or the last Lap(); steady so NTP steps cannot skew timings.
class Stopwatch {
 public:
  Stopwatch() : last_(Clock::now()) {}
  double Lap() {
    const auto now = Clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
    return ms;
  }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_;
};

}  // namespace framewire
