#include "relay/signature.h"

#include <memory>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace ussdgw::relay {

namespace {

struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// Fetching the algorithm walks the provider tables; do it once per process.
// EVP_MAC objects are reference counted and safe to share between threads.
EVP_MAC* hmac_algorithm() {
  static const std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  return mac.get();
}

std::string to_lower_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 0x0f]);
  }
  return out;
}

// HMAC-SHA256 over the concatenation of parts, without building it in memory.
std::string hmac_parts(std::string_view key, std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  // OpenSSL refuses a null key pointer even for length 0; an empty secret is
  // rejected at configuration time, this only keeps the call well defined.
  static const unsigned char kEmpty = 0;
  const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (!ctx || !EVP_MAC_init(ctx.get(), k, key.size(), params)) return {};
  for (std::string_view part : parts) {
    if (!EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()), part.size())) return {};
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (!EVP_MAC_final(ctx.get(), out, &len, sizeof out)) return {};
  return to_lower_hex(out, len);
}

}  // namespace

void RequestSigner::CtxDeleter::operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }

RequestSigner::RequestSigner(std::string_view secret) : secret_(secret) {
  ctx_.reset(EVP_MAC_CTX_new(hmac_algorithm()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  static const unsigned char kEmpty = 0;
  const auto* k = secret.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(secret.data());
  if (ctx_ && !EVP_MAC_init(ctx_.get(), k, secret.size(), params)) ctx_.reset();
}

RequestSigner::~RequestSigner() = default;

void RequestSigner::append_signature(std::string& out, std::string_view timestamp, std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  // A null key re-initialises HMAC with the key already set (OpenSSL 3).
  if (ctx_ && EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr)) {
    bool ok = true;
    for (std::string_view part : {timestamp, std::string_view("."), body})
      ok = ok && EVP_MAC_update(ctx_.get(), reinterpret_cast<const unsigned char*>(part.data()), part.size());
    unsigned char mac[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    if (ok && EVP_MAC_final(ctx_.get(), mac, &len, sizeof mac)) {
      out += "sha256=";
      for (std::size_t i = 0; i < len; ++i) {
        out.push_back(kHex[mac[i] >> 4]);
        out.push_back(kHex[mac[i] & 0x0f]);
      }
      return;
    }
  }
  out += sign_request(secret_, timestamp, body);
}

std::string canonical_string(std::string_view timestamp, std::string_view body) {
  std::string s;
  s.reserve(timestamp.size() + 1 + body.size());
  s.append(timestamp).append(".").append(body);
  return s;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) { return hmac_parts(key, {data}); }

std::string sign_request(std::string_view secret, std::string_view timestamp, std::string_view body) {
  return "sha256=" + hmac_parts(secret, {timestamp, ".", body});
}

bool verify_request_signature(std::string_view secret, std::string_view timestamp, std::string_view body,
                              std::string_view header_value) {
  std::string expected = sign_request(secret, timestamp, body);
  if (expected.size() <= 7 || header_value.size() != expected.size()) return false;
  // Constant time, so response timing does not reveal how much of a forged
  // signature was right.
  return CRYPTO_memcmp(expected.data(), header_value.data(), expected.size()) == 0;
}

}  // namespace ussdgw::relay
