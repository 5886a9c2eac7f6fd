// Values exchanged between a USSD session and the customer relay: what one
// USSD step tells the customer, what the customer answers, and every way a
// call can fail. The wire format is docs/customer-api.md; this header is the
// typed view of it, so session code never touches JSON or HTTP.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "ussdgw/tbcd.h"

namespace ussdgw::relay {

// Strong identifiers: a session id is never mistaken for a customer id, a step
// number never for a DCS.
struct CustomerId {
  std::string value;
  friend auto operator<=>(const CustomerId&, const CustomerId&) = default;
};
// Gateway-wide unique id of one USSD dialogue (one TCAP dialogue, several
// steps). Printable ASCII; it goes into the Idempotency-Key header as is.
struct SessionId {
  std::string value;
  friend auto operator<=>(const SessionId&, const SessionId&) = default;
};
// 1 for the processUnstructuredSS-Request, +1 for every answer to a prompt.
struct StepNumber {
  std::uint32_t value = 1;
  friend auto operator<=>(const StepNumber&, const StepNumber&) = default;
};
// SCCP global title digits (calling = the network node that sent the BEGIN,
// called = the gateway's own GT).
struct GlobalTitle {
  Digits digits;
  friend bool operator==(const GlobalTitle&, const GlobalTitle&) = default;
};

// One USSD step as the customer sees it (docs/customer-api.md, "Request").
struct StepRequest {
  SessionId session;
  StepNumber step;
  std::optional<Imsi> imsi;      // absent when MAP-OPEN carried no destinationReference
  std::optional<Msisdn> msisdn;  // absent when neither USSD-Arg nor MAP-OPEN had one
  std::string service_code;      // the USSD string of step 1, e.g. "*100#"; same on every step
  std::string text;              // what the subscriber sent in this step, decoded to UTF-8
  std::uint8_t dcs = 0x0f;       // USSD-DataCodingScheme as received (TS 23.038 §5)
  GlobalTitle calling_gt;
  GlobalTitle called_gt;
  std::chrono::system_clock::time_point received_at;  // when the step reached the gateway
};

// MAP errors a customer may ask the gateway to release a dialogue with: the
// errors of processUnstructuredSS-Request (TS 29.002 §17.6.4) plus ussd-Busy.
enum class MapErrorName : std::uint8_t {
  SystemFailure,
  DataMissing,
  UnexpectedDataValue,
  UnknownAlphabet,
  CallBarred,
  UssdBusy,
};
// The ASN.1 spelling used on the wire ("ussd-Busy"), and back.
std::string_view to_string(MapErrorName e);
std::optional<MapErrorName> map_error_from_string(std::string_view s);

enum class StepAction : std::uint8_t {
  Reply,    // final text: TCAP END with USSD-Res
  Prompt,   // ask the subscriber: TCAP CONTINUE with unstructuredSS-Request
  Release,  // end the dialogue with `error`, or with no text when error is empty
};
std::string_view to_string(StepAction a);

// What the customer answered, validated (docs/customer-api.md, "Response").
struct StepAnswer {
  StepAction action = StepAction::Release;
  std::string text;                   // UTF-8; empty for Release
  std::optional<MapErrorName> error;  // only with Release
  friend bool operator==(const StepAnswer&, const StepAnswer&) = default;
};

enum class FailureKind : std::uint8_t {
  Timeout,         // the step's deadline passed before an answer arrived
  ConnectFailed,   // name resolution or TCP connect failed (refused, unreachable)
  TlsFailed,       // TLS handshake failed, e.g. the certificate is not from the pinned CA
  ConnectionLost,  // the customer reset or closed the connection mid-exchange
  HttpStatus,      // the customer answered with a non-2xx status (see http_status)
  BadResponse,     // malformed HTTP, not JSON, or JSON that breaks the schema
  QueueFull,       // pool busy and the wait queue full: refused at once
  Cancelled,       // the caller aborted (network ended the dialogue) or the client shut down
};
std::string_view to_string(FailureKind k);

struct RelayFailure {
  FailureKind kind = FailureKind::BadResponse;
  int http_status = 0;  // set for HttpStatus
  std::string reason;   // for logs: what exactly was wrong
};

// A value or an error. C++20 has no std::expected; this is the part we need.
template <class T, class E>
class [[nodiscard]] Expected {
 public:
  Expected(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit by design
  Expected(E e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT
  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  [[nodiscard]] const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

using CallResult = Expected<StepAnswer, RelayFailure>;

}  // namespace ussdgw::relay
