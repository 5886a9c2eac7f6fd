// ussdgw::ss7::Endpoint: the SIGTRAN/SCCP endpoint of the gateway.
//
// Owns (through the shared SS7 thread, see loop.h) every libosmo-sigtran
// object of one SCCP node: the osmo_ss7 instance, its AS/ASP towards the STP
// (IPA or M3UA client, or an IPA server), and one SCCP user per bound SSN.
// The layer above (TCAP) only exchanges connectionless N-UNITDATA with it
// (Q.711 6.2.2): `send()` for requests, `Handlers::on_unitdata` for
// indications.
//
// Threads: send(), counters() and link_up() may be called from any thread,
// concurrently with each other, but not concurrently with start()/stop().
// Handlers run on the Boost.Asio io_context given to the constructor, in the
// order the SS7 thread produced the events, all pending ones per wake-up.
// start() and stop() belong on the thread that runs that io_context (or are
// called while it is not running). stop() may be called from a handler;
// events batched behind the current one are then discarded.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include <string>

#include "common/ussdgw/expected.h"
#include "gateway/ss7/config.h"
#include "gateway/ss7/types.h"

namespace ussdgw::ss7 {

namespace detail {
class Loop;
class Stack;
struct Bridge;
class InboxReader;
}  // namespace detail

class Endpoint {
 public:
  struct Handlers {
    // N-UNITDATA.indication: a TCAP message for one of our SSNs.
    std::function<void(Unitdata&&)> on_unitdata;
    // N-NOTICE.indication: a message we sent was returned (UDTS).
    std::function<void(Notice&&)> on_notice;
    // The AS towards the STP changed state. Also delivered once after
    // start() when the link first comes up.
    std::function<void(const LinkEvent&)> on_link;
  };

  Endpoint(boost::asio::io_context& io, EndpointConfig cfg, Handlers handlers);
  ~Endpoint();  // stop()
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // Creates the libosmo objects on the SS7 thread and starts connecting.
  // Returns once they exist (the link comes up asynchronously: on_link).
  // Error: invalid config ("key: what is wrong", from validate()) or
  // libosmo refused to create an object (e.g. cannot listen).
  [[nodiscard]] Expected<Ok, std::string> start();

  // Frees every libosmo object of this endpoint (closing its sockets),
  // discards queued messages and stops the SS7 thread if no other endpoint
  // uses it. Idempotent.
  void stop();

  // Queues one N-UNITDATA.request; thread-safe. Addresses are completed per
  // docs/ss7.md (complete_outbound in addressing.h). Returns false, and
  // counts it, when the message is dropped right away (not started, queue
  // full, unroutable). A message accepted here can still be dropped on the
  // SS7 thread when the link is down: see Counters::tx_dropped_link_down.
  bool send(Unitdata u);

  [[nodiscard]] Counters counters() const;
  [[nodiscard]] bool link_up() const;
  [[nodiscard]] const EndpointConfig& config() const { return cfg_; }

 private:
  boost::asio::io_context& io_;
  EndpointConfig cfg_;
  Handlers handlers_;
  std::shared_ptr<detail::Bridge> bridge_;
  std::shared_ptr<detail::InboxReader> reader_;
  std::shared_ptr<detail::Loop> loop_;
  std::unique_ptr<detail::Stack> stack_;  // created, used and destroyed on the SS7 thread only
};

}  // namespace ussdgw::ss7
