// Request signing (docs/customer-api.md, "Signature"). The customer recomputes
// HMAC-SHA256(secret, timestamp + "." + body) and compares; the timestamp in
// the signed string lets it refuse replays older than its tolerance window.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ussdgw::relay {

// "<timestamp>.<body>": the exact octets that are signed.
std::string canonical_string(std::string_view timestamp, std::string_view body);
// Lower-case hex HMAC-SHA256 of data under key (OpenSSL EVP_MAC).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// Value of X-Ussdgw-Signature: "sha256=<hex>".
std::string sign_request(std::string_view secret, std::string_view timestamp, std::string_view body);
// Constant-time check of an X-Ussdgw-Signature header value.
bool verify_request_signature(std::string_view secret, std::string_view timestamp, std::string_view body,
                              std::string_view header_value);

}  // namespace ussdgw::relay
