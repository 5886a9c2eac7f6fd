// The HTTP/1.1 implementation of the customer channel: each request becomes
// one signed POST with a JSON body (docs/customer-api.md), sent over a
// bounded keep-alive connection pool, answered within the call's deadline.
//
// Threading: a CustomerClient and everything it owns live on one io_context
// thread (the relay's event loop). Construct it, call send()/call(), cancel
// and destroy it on that thread only; there are no locks inside. Its
// deadlines, idle timeouts and the signature timestamps come from the
// ussdgw::Clock it is given (AsioClock on that io_context in production).
//
// Every call completes exactly once, with a CustomerReply or a RelayFailure,
// and never later than its deadline plus one event-loop turn. The socket of
// a failed exchange is closed at once, so failures leave no descriptor behind
// and no connection in CLOSE_WAIT.
#pragma once

#include <utility>  // before awaitable.hpp: Asio 1.18 uses std::exchange without including it

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "relay/customer_channel.h"
#include "ussdgw/clock.h"

namespace boost::asio {
class io_context;
}

namespace ussdgw::relay {

struct CustomerClientConfig {
  CustomerId customer;
  // http://host[:port]/path or https://...; the host is usually an address
  // inside the customer's IPsec tunnel.
  std::string url;
  // Shared HMAC key for X-Ussdgw-Signature. Must not be empty.
  std::string secret;
  // Pool bound: at most this many TCP connections to the customer, open or
  // opening. One request at a time per connection (no pipelining).
  std::size_t max_connections = 4;
  // Calls beyond the pool wait here; when it is full a call fails at once with
  // QueueFull, so a stalled customer cannot pile up work for the whole gateway.
  std::size_t max_queue = 64;
  // An unused keep-alive connection is closed after this long.
  std::chrono::milliseconds idle_timeout{30'000};
  // https only: PEM file with the CA(s) this customer's certificate must chain
  // to. Nothing else is trusted (no system store). Required for https.
  std::string tls_ca_file;
  // https only: name sent as SNI and checked against the certificate. Empty
  // means the URL host; set it when the URL is a tunnel address but the
  // certificate names a DNS name.
  std::string tls_server_name;
};

struct CustomerClientStats {
  std::size_t open_connections = 0;  // idle + busy + connecting
  std::size_t idle_connections = 0;
  std::size_t queued_calls = 0;
  std::size_t active_calls = 0;      // started and not yet finished internally
  std::uint64_t connections_opened = 0;
  std::uint64_t stale_retries = 0;   // reused connection found dead, step resent on a fresh one
  // DNS lookups of the URL host: one on the first connect, then one after
  // every connect failure (IP literals are never looked up).
  std::uint64_t name_resolutions = 0;
};

namespace detail {
class ClientImpl;
}  // namespace detail

class CustomerClient final : public CustomerChannel {
 public:
  // Validates the configuration (URL, secret, pool sizes, CA file). Timers
  // are made on `clock`, which must outlive the client and fire its timers
  // on `ioc`'s thread (AsioClock(ioc)).
  static Expected<std::unique_ptr<CustomerClient>, std::string> create(boost::asio::io_context& ioc, Clock& clock,
                                                                       CustomerClientConfig config);
  // Pending calls complete with Cancelled; their callbacks still run on the
  // io_context, so they must not touch the destroyed client.
  ~CustomerClient() override;
  CustomerClient(const CustomerClient&) = delete;
  CustomerClient& operator=(const CustomerClient&) = delete;

  // CustomerChannel: `done` runs on the io_context.
  CallHandle send(CustomerRequest request, std::chrono::milliseconds deadline, ReplyCallback done) override;
  [[nodiscard]] const CustomerId& customer() const override;

  // The same as a coroutine: co_await client.call(req, 2s). `handle`, when
  // given, is set before the call suspends, so another coroutine can cancel.
  // The request is taken by value: a coroutine must not hold references.
  boost::asio::awaitable<ReplyResult> call(CustomerRequest request, std::chrono::milliseconds deadline,
                                           CallHandle* handle = nullptr);

  [[nodiscard]] CustomerClientStats stats() const;
  [[nodiscard]] const CustomerClientConfig& config() const;

 private:
  explicit CustomerClient(std::shared_ptr<detail::ClientImpl> impl);
  std::shared_ptr<detail::ClientImpl> impl_;
};

}  // namespace ussdgw::relay
