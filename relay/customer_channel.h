// The signed-JSON channel to one customer (docs/customer-api.md, "Transport"):
// a flow hands it a JSON body and an idempotency key, and gets back the
// customer's JSON answer or a failure kind. The channel knows nothing about
// what the JSON means: each flow keeps its payload codec in its own folder
// (the USSD steps in ussd/service/step_codec.h; SMS forwarding will add its
// own), and all of them share the pools, deadlines, signing, cancellation
// and safe retries behind this interface.
//
// Threading: a channel lives on one event-loop thread; call it, cancel its
// calls and destroy it on that thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "ussdgw/expected.h"
#include "ussdgw/ids.h"

namespace ussdgw::relay {

// One call to the customer. The body is sent as is (Content-Type
// application/json) and signed; the key goes into Idempotency-Key, the same
// for a retried request, a new one for each request.
struct CustomerRequest {
  std::string body;
  std::string idempotency_key;
};

// A final 2xx answer whose media type is application/json. The body is not
// parsed here: that is the flow's codec.
struct CustomerReply {
  int http_status = 200;
  std::string body;
};

enum class FailureKind : std::uint8_t {
  Timeout,         // the call's deadline passed before an answer arrived
  ConnectFailed,   // name resolution or TCP connect failed (refused, unreachable)
  TlsFailed,       // TLS handshake failed, e.g. the certificate is not from the pinned CA
  ConnectionLost,  // the customer reset or closed the connection mid-exchange
  HttpStatus,      // the customer answered with a non-2xx status (see http_status)
  BadResponse,     // malformed HTTP, not application/json, or (from a flow's codec) JSON that breaks its schema
  QueueFull,       // pool busy and the wait queue full: refused at once
  Cancelled,       // the caller aborted (network ended the dialogue) or the channel shut down
};
[[nodiscard]] std::string_view to_string(FailureKind k);

struct RelayFailure {
  FailureKind kind = FailureKind::BadResponse;
  int http_status = 0;  // set for HttpStatus
  // For logs: what exactly was wrong. Text the customer sent (a reason
  // phrase, a header value, a JSON key) is in it only through log::quote().
  std::string reason;
};

using ReplyResult = Expected<CustomerReply, RelayFailure>;
using ReplyCallback = std::function<void(ReplyResult)>;

// A call that has not completed yet, as its canceller sees it.
class PendingCall {
 public:
  virtual ~PendingCall() = default;
  // Completes the call with Cancelled (if it has not completed yet) and
  // frees what it holds (its connection is dropped).
  virtual void cancel() = 0;
};

// Lets the caller abort one pending call, e.g. when the network aborts the
// TCAP dialogue mid-step. Cheap to copy; harmless after the call completed
// or the channel is gone.
class CallHandle {
 public:
  CallHandle() = default;
  explicit CallHandle(std::weak_ptr<PendingCall> c) : call_(std::move(c)) {}
  void cancel() const {
    if (auto c = call_.lock()) c->cancel();
  }

 private:
  std::weak_ptr<PendingCall> call_;
};

class CustomerChannel {
 public:
  virtual ~CustomerChannel() = default;
  // Sends one request. `done` runs on the channel's thread exactly once,
  // never inside send() itself, and never later than `deadline` (counted
  // from now, covering queueing, connect, TLS, send and the customer's think
  // time) plus one event-loop turn.
  virtual CallHandle send(CustomerRequest request, std::chrono::milliseconds deadline, ReplyCallback done) = 0;
  [[nodiscard]] virtual const CustomerId& customer() const = 0;
};

}  // namespace ussdgw::relay
