// The one idiom for callbacks into an object that may be gone by the time
// they run (a customer answer after the session closed, a timer after the
// owner stopped): the object holds a Lifetime, and every callback it hands
// out is wrapped in guard(). A guarded callback does nothing once the
// Lifetime is destroyed. One thread per event loop: the check and the call
// happen on the same thread as the destruction, so there is no race.
#pragma once

#include <memory>
#include <utility>

namespace ussdgw {

class Lifetime {
 public:
  Lifetime() : token_(std::make_shared<char>(0)) {}
  Lifetime(const Lifetime&) = delete;
  Lifetime& operator=(const Lifetime&) = delete;

  // fn(args...) while the owner lives; nothing afterwards.
  template <class F>
  [[nodiscard]] auto guard(F fn) const {
    return [w = std::weak_ptr<char>(token_), fn = std::move(fn)](auto&&... args) mutable {
      if (w.expired()) return;
      fn(std::forward<decltype(args)>(args)...);
    };
  }
  // For code that must ask itself (e.g. after a call that may destroy us).
  [[nodiscard]] std::weak_ptr<const void> watch() const { return token_; }

 private:
  std::shared_ptr<char> token_;
};

}  // namespace ussdgw
