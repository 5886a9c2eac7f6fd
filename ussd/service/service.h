// The USSD pull service (DESIGN.md flow 1; docs/ussd-service.md): the TC
// user of networkUnstructuredSsContext-v2 (TS 29.002 §17.3.3 ac 19) that
// turns every processUnstructuredSS-Request dialogue (op 59, TS 29.002
// §17.6.4; TS 23.090, mobile-initiated USSD) into one relay session with the
// customer the Router picks, one HTTP step per USSD step:
//
//   BEGIN  PUSSR(59) "*100#"  -> step 1 to the customer
//     reply  "text"           -> END  ReturnResultLast(59) USSD-Res
//     prompt "menu"           -> CONTINUE Invoke USSR(60) USSD-Arg
//       ReturnResult(60) "1"  -> step 2 to the customer ... and so on
//     release [error]         -> END  ReturnError(error | systemFailure)
//     failure (slow, down...) -> the customer's fallback text or MAP error
//
// Every session and step is written to the SessionStore. Each dialogue costs
// one small Session record (a few hundred octets, no coroutine frame); the
// steps are an explicit state table (AskingCustomer -> AwaitingSubscriber ->
// AskingCustomer ...), so a dialogue waiting minutes for the subscriber holds
// no timer and no socket.
//
// Threading: the Service, the DialogueLayer, the customer channels and the
// SessionStore's queueing side all run on one io_context thread. No locks.
// Time comes from the ussdgw::Clock given to create() (AsioClock in the
// gateway, ManualClock in the unit tests); the service logs through
// ussdgw::log, module "ussd".
//
// Wiring (the gateway process, see docs/ussd-service.md "Wiring"):
//
//   dialogue::DialogueLayer layer(clock, tcap_cfg, [&](ss7::Unitdata&& u) { return endpoint.send(std::move(u)); });
//   storage::SqliteSessionStore store(opts);            // + BatchFlusher
//   AsioClock clock(io);
//   auto svc = ussd::Service::create(io, clock, ussd_cfg, layer, store);   // registers ac 19 v2 with the layer
//   if (!svc) die(svc.error());
//   ...
//   svc.value()->shutdown([&] { io.stop(); });          // on SIGTERM
//
// Lifetimes: the layer and the store must outlive the Service, and the
// layer must deliver nothing after the Service is destroyed (stop the
// io_context, or destroy after shutdown() completed).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/codec/map_errors.h"
#include "gateway/tcap/dialogue_layer.h"
#include "relay/customer_channel.h"
#include "storage/session_store.h"
#include "ussd/service/service_config.h"
#include "ussdgw/clock.h"
#include "ussdgw/expected.h"

namespace boost::asio {
class io_context;
}

namespace ussdgw::ussd {

// Makes the channel to one configured customer. The service's default
// makes a relay::CustomerClient from CustomerConfig::channel (URL, secret,
// pool, TLS) on the io_context and clock given to create(); tests give fakes.
using ChannelFactory =
    std::function<Expected<std::unique_ptr<relay::CustomerChannel>, std::string>(const CustomerConfig&)>;

struct ServiceOptions {
  // Customer session ids are "<session_prefix><store session number>"; with
  // several gateway instances, give each its own prefix so Idempotency-Keys
  // never collide at a customer (docs/customer-api.md).
  std::string session_prefix = "gw-";
  // Answer when no route and no default customer serves a BEGIN. Unset (the
  // default): the config's ussd.no_route_error (systemFailure unless set).
  // Set: overrides the config. One of the errors processUnstructuredSS-Request
  // may return (TS 29.002 §17.6.4).
  std::optional<map::MapError> no_route_error;
  // Unset: relay::CustomerClient.
  ChannelFactory make_channel;
};

struct ServiceStats {
  std::uint64_t begins = 0;          // PUSSR dialogues delivered by the layer
  std::uint64_t refused = 0;         // answered without asking a customer (bad arg, no route, ...)
  std::uint64_t steps = 0;           // customer calls started
  std::uint64_t replies = 0, prompts = 0, releases = 0;
  std::uint64_t fallbacks = 0;       // customer failed or its text could not be sent
  std::uint64_t aborted = 0;         // dialogue gone before we answered (network, timers, shutdown)
  // Sessions recorded not_sent: our answer (END, or a prompt's CONTINUE)
  // could not be handed to the SS7 link. A refused BEGIN whose refusal was
  // not sent counts here and in `refused`.
  std::uint64_t not_sent = 0;
  std::uint64_t open_sessions = 0;
};

class Service final : public dialogue::TcUser {
 public:
  // Checks `cfg` (ussd/service/config_check.h validate(), repeated here for
  // configs built in code: texts must fit a USSD-String, error names must be
  // among ussd_error_names()), creates one customer channel per customer
  // (ServiceOptions::make_channel), prepares every customer's fallback,
  // ussd.busy_text and ussd.no_route_error, and registers itself with
  // `layer` for networkUnstructuredSsContext-v2. The error names the config
  // key that is wrong.
  // `clock` (and the layer and the store) must outlive the service.
  static Expected<std::unique_ptr<Service>, std::string> create(boost::asio::io_context& io, Clock& clock,
                                                                const ServiceConfig& cfg,
                                                                dialogue::DialogueLayer& layer,
                                                                storage::SessionStore& store,
                                                                ServiceOptions options = {});
  // Cancels pending customer calls and records sessions still open as
  // timed out. Sends nothing to the network.
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // What create() registers: ac 19 version 2, and the busy answer the layer
  // sends itself when the dialogue bound is reached: for a PUSSR(59),
  // ussd.busy_text as ReturnResultLast(59) USSD-Res when it is set, else
  // ReturnError ussd-Busy (72); for any other operation, Reject
  // unrecognizedOperation (as outside overload).
  [[nodiscard]] dialogue::AcRegistration registration();

  // dialogue::TcUser
  void on_begin(const dialogue::DialogueInfo& d, const tcap::Invoke& invoke) override;
  void on_component(LocalTid id, const tcap::Component& comp, bool end) override;
  void on_abort(LocalTid id, const dialogue::AbortInfo& why) override;

  // Graceful stop: BEGINs that still reach the service are answered
  // ussd.busy_text or ussd-Busy; running sessions go on (customer calls finish within their
  // deadline, prompts may still be answered) until the layer's
  // shutdown_grace, after which the layer aborts what is left (recorded as
  // timeout). `done` runs when the layer has finished.
  void shutdown(std::function<void()> done);

  [[nodiscard]] ServiceStats stats() const;

  // Octets one open session costs the service: its Session record in the
  // session map (node and bucket included). Texts longer than the string's
  // small buffer (15 octets) add their heap copy. The dialogue layer's slot
  // (DialogueLayer::state_bytes_per_dialogue) comes on top; together they
  // are the per-dialogue budget (< 2 KiB at 10k open dialogues).
  [[nodiscard]] static std::size_t state_bytes_per_session();

 private:
  struct Impl;
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ussdgw::ussd
