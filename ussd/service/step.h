// One USSD step as the customer sees it (docs/customer-api.md): what a step
// tells the customer and what the customer may answer. The USSD flow's
// payload on the generic customer channel (relay/customer_channel.h); the
// JSON coding is ussd/service/step_codec.h, so session code never touches
// JSON or HTTP.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ussdgw/ids.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::ussd {

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

// One USSD step (docs/customer-api.md, "Request"). The session id the
// customer sees is the configured prefix followed by `session`'s number.
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

}  // namespace ussdgw::ussd
