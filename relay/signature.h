// Request signing (docs/customer-api.md, "Signature"). The customer recomputes
// HMAC-SHA256(secret, timestamp + "." + body) and compares; the timestamp in
// the signed string lets it refuse replays older than its tolerance window.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/types.h>

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

// Signs many requests under one secret: the HMAC key schedule is computed
// once and every signature only re-initialises the context, so signing needs
// no allocation and no provider lookup. One thread at a time.
class RequestSigner {
 public:
  explicit RequestSigner(std::string_view secret);
  ~RequestSigner();
  RequestSigner(const RequestSigner&) = delete;
  RequestSigner& operator=(const RequestSigner&) = delete;

  // Appends the X-Ussdgw-Signature value ("sha256=<hex>", as sign_request) to out.
  void append_signature(std::string& out, std::string_view timestamp, std::string_view body);

 private:
  struct CtxDeleter {
    void operator()(EVP_MAC_CTX* c) const;
  };
  std::string secret_;  // for the fallback when the context cannot be reused
  std::unique_ptr<EVP_MAC_CTX, CtxDeleter> ctx_;
};

}  // namespace ussdgw::relay
