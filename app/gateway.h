// The running gateway (`ussdgw run`): wires the SS7 endpoint, the TCAP
// dialogue layer, the USSD service with its customer relays, and the session
// store, from one validated config (DESIGN.md "Architecture, in the large").
//
// Threads: the io_context given here runs the dialogue layer, the service and
// the relays (one Asio thread). The endpoint owns the SS7 thread. The session
// store is written by its flusher thread and purged by a housekeeping thread;
// neither touches anything else.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "gateway/ss7/types.h"
#include "gateway/tcap/dialogue_layer.h"
#include "ussdgw/expected.h"
#include "ussd/service/service.h"

namespace boost::asio {
class io_context;
}

namespace ussdgw::gateway {

struct GatewayStats {
  ss7::Counters ss7;
  dialogue::Stats tcap;
  ussd::ServiceStats ussd;
  bool link_up = false;
};
std::string to_string(const GatewayStats& s);

class Gateway {
 public:
  // Opens the database (migrating it), creates the relays and binds
  // nothing yet. The error names what is wrong (config key or file).
  static Expected<std::unique_ptr<Gateway>, std::string> create(boost::asio::io_context& io,
                                                                       const config::Config& cfg);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Starts the SS7 endpoint (connects to the STP or listens). Call on the
  // io_context thread or before it runs.
  [[nodiscard]] Expected<bool, std::string> start();

  // Graceful stop (SIGTERM): no new dialogues, open ones get
  // tcap.shutdown_grace to end properly, then the endpoint is closed and
  // the records are flushed. `done` runs on the io_context thread.
  void shutdown(std::function<void()> done);

  [[nodiscard]] GatewayStats stats() const;

 private:
  struct Impl;
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};


}  // namespace ussdgw::gateway
