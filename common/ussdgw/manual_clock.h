// A clock that moves only when told (tests): tick(d) advances steady and wall
// time together and fires, in deadline order, every timer that falls due on
// the way, each at its own deadline (now() inside a callback is that
// deadline). Single-threaded, like the event loops it stands in for.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "ussdgw/clock.h"

namespace ussdgw {

class ManualClock : public Clock {
 public:
  // Starts at an arbitrary, fixed point: tests do not depend on the date
  // unless they set it.
  ManualClock() : steady_(std::chrono::hours(1000)), wall_(std::chrono::sys_days(std::chrono::year(2026) / 12 / 7)) {}

  [[nodiscard]] SteadyTime now() const override { return steady_; }
  [[nodiscard]] WallTime wall_now() const override { return wall_; }
  [[nodiscard]] std::unique_ptr<Timer> make_timer() override;

  // Advances both clocks by d, firing due timers on the way.
  void tick(std::chrono::steady_clock::duration d);
  // Fires what is due now without moving time (e.g. a timer armed at now()).
  void run_due() { tick(std::chrono::steady_clock::duration::zero()); }
  void set_wall(WallTime t) { wall_ = t; }
  [[nodiscard]] std::size_t armed_timers() const { return queue_.size(); }
  // The earliest armed deadline, or SteadyTime::max() when none is armed.
  [[nodiscard]] SteadyTime next_deadline() const {
    return queue_.empty() ? SteadyTime::max() : queue_.begin()->first.first;
  }

 private:
  class ManualTimer;
  friend class ManualTimer;
  using Key = std::pair<SteadyTime, std::uint64_t>;  // deadline, arming order
  SteadyTime steady_;
  WallTime wall_;
  std::uint64_t seq_ = 0;
  std::map<Key, ManualTimer*> queue_;
};

}  // namespace ussdgw
