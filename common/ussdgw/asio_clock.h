// The production Clock: real time, timers on an Asio io_context (one thread
// per event loop: the timers fire on the thread that runs `io`).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>

#include "ussdgw/clock.h"

namespace ussdgw {

class AsioClock : public Clock {
 public:
  explicit AsioClock(boost::asio::io_context& io) : io_(io) {}
  [[nodiscard]] SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  [[nodiscard]] WallTime wall_now() const override { return std::chrono::system_clock::now(); }
  [[nodiscard]] std::unique_ptr<Timer> make_timer() override { return std::make_unique<AsioTimer>(io_); }

 private:
  class AsioTimer : public Timer {
   public:
    explicit AsioTimer(boost::asio::io_context& io) : t_(io), state_(std::make_shared<State>()) {}
    ~AsioTimer() override { cancel(); }
    void arm(SteadyTime at, std::function<void()> fn) override {
      t_.expires_at(at);  // cancels a pending wait
      state_->armed = true;
      const std::uint64_t gen = ++state_->gen;
      // A handler that already completed cannot be cancelled: it runs later
      // with success. It holds only a weak reference to the state, so it does
      // nothing once the timer is destroyed (or re-armed: the generation).
      t_.async_wait([w = std::weak_ptr<State>(state_), gen, fn = std::move(fn)](const boost::system::error_code& ec) {
        auto st = w.lock();
        if (ec || !st || gen != st->gen) return;
        st->armed = false;
        fn();
      });
    }
    void cancel() override {
      ++state_->gen;
      state_->armed = false;
      t_.cancel();
    }
    [[nodiscard]] bool armed() const override { return state_->armed; }

   private:
    struct State {
      std::uint64_t gen = 0;
      bool armed = false;
    };
    boost::asio::steady_timer t_;
    std::shared_ptr<State> state_;
  };
  boost::asio::io_context& io_;
};

}  // namespace ussdgw
