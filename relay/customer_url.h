// The customer's endpoint URL, split once at configuration time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ussdgw/expected.h"

namespace ussdgw::relay {

struct CustomerUrl {
  bool tls = false;     // https://
  std::string host;     // DNS name or IP literal (IPv6 without brackets)
  std::uint16_t port = 0;
  std::string target;   // path and query, at least "/"

  // Value of the Host header: the port only when it is not the scheme's default.
  [[nodiscard]] std::string host_header() const;
};

// Accepts http://host[:port][/path] and https://...; no fragment, and no
// user information: credentials in a URL end up in logs, process lists and
// configuration dumps, so "user:pass@" is refused with an error that does
// not repeat them (the request is authenticated by the HMAC signature,
// customers[].secret). The config validator calls this, so `ussdgw run
// --check` names the key.
Expected<CustomerUrl, std::string> parse_customer_url(std::string_view url);

}  // namespace ussdgw::relay
