// JSON coding of one USSD step (docs/customer-api.md): the request the gateway
// sends over the customer channel and the answer it accepts. Pure functions,
// no I/O, so the schema rules are tested (and fuzzed) without sockets and
// shared by the service and the demo server.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "relay/customer_channel.h"
#include "ussd/service/step.h"
#include "ussdgw/expected.h"

namespace ussdgw::ussd {

// USSD-String is at most 160 octets: 182 GSM 7-bit characters is the longest
// text any alphabet can carry, so a longer answer can never be sent on.
inline constexpr std::size_t kMaxUssdChars = 182;

// "<prefix><number>": the session id the customer sees (e.g. "gw-42").
std::string session_label(std::string_view session_prefix, SessionId session);

// One step as a channel request: the body (compact JSON, keys in a fixed
// order) and its Idempotency-Key.
relay::CustomerRequest encode_step_request(const StepRequest& req, std::string_view session_prefix);

// The demo server's view of a request body; rejects what encode never writes.
struct ReceivedStep {
  std::string session_id;  // as sent: prefix and number
  StepRequest request;     // `session` is left 0: the customer cannot know the prefix
};
Expected<ReceivedStep, std::string> parse_step_request(std::string_view body);

// Validates a 2xx JSON answer (the channel has checked the media type): a
// JSON object with exactly the documented keys, and the action/text/error
// combinations allowed. The error text quotes (log::quote) whatever of the
// customer's it repeats, so it can go into a log line as it is.
Expected<StepAnswer, std::string> parse_step_answer(std::string_view body);
std::string encode_step_answer(const StepAnswer& answer);

// "2024-05-01T12:00:00.250Z": ISO-8601, UTC, millisecond precision.
std::string format_iso8601_utc(std::chrono::system_clock::time_point t);
// "<session label>-<step>": the same key for a retried step, a new key for each step.
std::string idempotency_key(std::string_view session_label, StepNumber step);

}  // namespace ussdgw::ussd
