// Time as a dependency (STYLE.md §11): everything that reads the clock or
// waits takes a Clock&, so tests run on a ManualClock advanced with tick()
// and never sleep.
//
//  * now()       steady time, for deadlines and timeouts (never jumps);
//  * wall_now()  calendar time, for records and the customer's received_at;
//  * make_timer  a one-shot timer on this clock. Timers fire on the thread
//    that runs the clock's event loop (AsioClock) or inside tick()
//    (ManualClock); a callback never runs after its Timer is destroyed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace ussdgw {

class Timer {
 public:
  virtual ~Timer() = default;
  // Arms the timer (re-arming replaces the previous deadline and callback).
  virtual void arm(std::chrono::steady_clock::time_point at, std::function<void()> fn) = 0;
  virtual void cancel() = 0;
  [[nodiscard]] virtual bool armed() const = 0;
};

class Clock {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  [[nodiscard]] virtual SteadyTime now() const = 0;
  [[nodiscard]] virtual WallTime wall_now() const = 0;
  [[nodiscard]] virtual std::unique_ptr<Timer> make_timer() = 0;
};

// The real clocks, without timers: for code that only reads the time (the
// store's retention, the logger's rate limit). Timers need an event loop:
// see AsioClock (ussdgw/asio_clock.h).
class SystemClock : public Clock {
 public:
  [[nodiscard]] SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  [[nodiscard]] WallTime wall_now() const override { return std::chrono::system_clock::now(); }
  [[nodiscard]] std::unique_ptr<Timer> make_timer() override;  // aborts: no event loop
  static SystemClock& instance();
};

}  // namespace ussdgw
