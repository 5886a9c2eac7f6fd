#include "relay/customer_url.h"

#include <charconv>

namespace ussdgw::relay {

std::string CustomerUrl::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

Expected<CustomerUrl, std::string> parse_customer_url(std::string_view url) {
  CustomerUrl u;
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else if (url.starts_with("https://")) {
    u.tls = true;
    url.remove_prefix(8);
  } else {
    return std::string("scheme is not http:// or https://");
  }
  if (url.find('#') != std::string_view::npos) return std::string("fragment not allowed");
  auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (u.target.front() == '?') u.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos)
    return std::string(
        "credentials in the URL (user info before '@') are not allowed: they would be printed wherever the URL "
        "is; requests are authenticated by the HMAC signature (customers[].secret)");

  std::string_view port_text;
  if (authority.starts_with("[")) {  // IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::string("unterminated IPv6 literal");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::string("junk after IPv6 literal");
      port_text = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return std::string("host missing");
  u.port = u.tls ? 443 : 80;
  if (!port_text.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || p == 0 || p > 65535)
      return "bad port '" + std::string(port_text) + "'";
    u.port = static_cast<std::uint16_t>(p);
  }
  return u;
}

}  // namespace ussdgw::relay
