#include <cstdio>
#include <cstdlib>

#include "ussdgw/clock.h"
#include "ussdgw/manual_clock.h"

namespace ussdgw {

std::unique_ptr<Timer> SystemClock::make_timer() {
  // A programming error: timers need an event loop (AsioClock).
  std::fputs("SystemClock::make_timer: no event loop; use AsioClock\n", stderr);
  std::abort();
}

SystemClock& SystemClock::instance() {
  static SystemClock c;
  return c;
}

class ManualClock::ManualTimer : public Timer {
 public:
  explicit ManualTimer(ManualClock& c) : clock_(c) {}
  ~ManualTimer() override { cancel(); }
  void arm(SteadyTime at, std::function<void()> fn) override {
    cancel();
    key_ = {at, clock_.seq_++};
    fn_ = std::move(fn);
    clock_.queue_.emplace(key_, this);
    armed_ = true;
  }
  void cancel() override {
    if (!armed_) return;
    clock_.queue_.erase(key_);
    armed_ = false;
    fn_ = nullptr;
  }
  [[nodiscard]] bool armed() const override { return armed_; }

  // Called by the clock after it removed this timer from the queue.
  void fire() {
    armed_ = false;
    auto fn = std::move(fn_);
    fn_ = nullptr;
    if (fn) fn();  // may re-arm or destroy this timer
  }

 private:
  ManualClock& clock_;
  Key key_{};
  std::function<void()> fn_;
  bool armed_ = false;
};

std::unique_ptr<Timer> ManualClock::make_timer() { return std::make_unique<ManualTimer>(*this); }

void ManualClock::tick(std::chrono::steady_clock::duration d) {
  const SteadyTime target = steady_ + d;
  while (!queue_.empty() && queue_.begin()->first.first <= target) {
    auto it = queue_.begin();
    ManualTimer* t = it->second;
    if (it->first.first > steady_) {
      wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(it->first.first - steady_);
      steady_ = it->first.first;
    }
    queue_.erase(it);
    t->fire();
  }
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(target - steady_);
  steady_ = target;
}

}  // namespace ussdgw
