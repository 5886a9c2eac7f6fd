// JSON coding of one USSD step (docs/customer-api.md): the request the gateway
// sends and the answer it accepts. Pure functions, no I/O, so the schema rules
// are tested without sockets and shared by the client and the demo server.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "relay/http/relay_types.h"

namespace ussdgw::relay {

// USSD-String is at most 160 octets: 182 GSM 7-bit characters is the longest
// text any alphabet can carry, so a longer answer can never be sent on.
inline constexpr std::size_t kMaxUssdChars = 182;

// Request body for one step, compact JSON, keys in a fixed order.
std::string encode_step_request(const StepRequest& req);
// The demo server's view of a request body; rejects what encode never writes.
Expected<StepRequest, std::string> parse_step_request(std::string_view body);

// Validates a 2xx answer: media type application/json, a JSON object with
// exactly the documented keys, and the action/text/error combinations allowed.
Expected<StepAnswer, std::string> parse_step_answer(std::string_view content_type, std::string_view body);
std::string encode_step_answer(const StepAnswer& answer);

// "2024-05-01T12:00:00.250Z": ISO-8601, UTC, millisecond precision.
std::string format_iso8601_utc(std::chrono::system_clock::time_point t);
// "<session>-<step>": the same key for a retried step, a new key for each step.
std::string idempotency_key(const SessionId& session, StepNumber step);

}  // namespace ussdgw::relay
