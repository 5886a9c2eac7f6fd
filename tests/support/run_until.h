// Runs an io_context until a condition holds, for tests and benchmarks that
// drive real sockets on loopback. `bound` is a sanity limit against a hang,
// not a timing assertion. No doctest here: the benchmarks use it too.
#pragma once

#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>

namespace ussdgw::test {

inline bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& pred,
                      std::chrono::seconds bound = std::chrono::seconds(20)) {
  using namespace std::chrono_literals;
  auto until = std::chrono::steady_clock::now() + bound;
  ioc.restart();
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    ioc.run_one_for(50ms);
    ioc.restart();
  }
  return true;
}

}  // namespace ussdgw::test
