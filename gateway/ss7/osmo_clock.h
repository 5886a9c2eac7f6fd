// The Clock of the SS7 thread (ussdgw/clock.h): steady and wall time from
// the system, timers on libosmocore's osmo_timer_list, so they fire inside
// the osmocom select loop that owns every libosmo object (loop.h). Only to
// be used, and its timers armed and destroyed, on the SS7 thread.
// Internal to gateway/ss7.
#pragma once

#include "ussdgw/clock.h"

namespace ussdgw::ss7::detail {

class OsmoClock final : public Clock {
 public:
  [[nodiscard]] SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  [[nodiscard]] WallTime wall_now() const override { return std::chrono::system_clock::now(); }
  [[nodiscard]] std::unique_ptr<Timer> make_timer() override;
};

}  // namespace ussdgw::ss7::detail
