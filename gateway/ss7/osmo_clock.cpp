#include "gateway/ss7/osmo_clock.h"

#include "gateway/ss7/osmo.h"

namespace ussdgw::ss7::detail {
namespace {

class OsmoTimer final : public Timer {
 public:
  OsmoTimer() { osmo_timer_setup(&t_, &OsmoTimer::fire, this); }
  ~OsmoTimer() override { cancel(); }
  OsmoTimer(const OsmoTimer&) = delete;
  OsmoTimer& operator=(const OsmoTimer&) = delete;

  void arm(std::chrono::steady_clock::time_point at, std::function<void()> fn) override {
    fn_ = std::move(fn);
    auto d = std::chrono::duration_cast<std::chrono::microseconds>(at - std::chrono::steady_clock::now());
    if (d.count() < 0) d = std::chrono::microseconds::zero();
    // osmo_timer_schedule re-arms a pending timer with the new deadline.
    osmo_timer_schedule(&t_, static_cast<int>(d.count() / 1000000), static_cast<int>(d.count() % 1000000));
  }
  void cancel() override {
    if (osmo_timer_pending(&t_)) osmo_timer_del(&t_);
  }
  [[nodiscard]] bool armed() const override { return osmo_timer_pending(&t_); }

 private:
  static void fire(void* data) {
    auto* self = static_cast<OsmoTimer*>(data);
    // The callback may re-arm or destroy this timer: run a copy.
    auto fn = self->fn_;
    if (fn) fn();
  }
  struct osmo_timer_list t_ = {};
  std::function<void()> fn_;
};

}  // namespace

std::unique_ptr<Timer> OsmoClock::make_timer() { return std::make_unique<OsmoTimer>(); }

}  // namespace ussdgw::ss7::detail
