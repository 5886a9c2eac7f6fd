#include <charconv>

#include "gateway/ss7/config.h"
#include "gateway/ss7/types.h"

namespace ussdgw::ss7 {
namespace {

std::optional<std::uint32_t> parse_uint(std::string_view s) {
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<PointCode> PointCode::parse(std::string_view text) {
  auto d1 = text.find('.');
  if (d1 == std::string_view::npos) {
    auto v = parse_uint(text);
    if (!v || *v > kMax) return std::nullopt;
    return PointCode{*v};
  }
  auto d2 = text.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  auto z = parse_uint(text.substr(0, d1));
  auto a = parse_uint(text.substr(d1 + 1, d2 - d1 - 1));
  auto i = parse_uint(text.substr(d2 + 1));
  // 3-8-3 split of the 14 bits (ITU-T Q.708 international format).
  if (!z || !a || !i || *z > 7 || *a > 255 || *i > 7) return std::nullopt;
  return PointCode{(*z << 11) | (*a << 3) | *i};
}

std::string PointCode::str() const {
  return std::to_string((v_ >> 11) & 7) + "." + std::to_string((v_ >> 3) & 0xff) + "." + std::to_string(v_ & 7);
}

std::string to_string(const Address& a) {
  std::string s = a.ri == RoutingIndicator::kGlobalTitle ? "RI=GT" : "RI=SSN";
  if (a.pc) s += " PC=" + a.pc->str();
  if (a.ssn) s += " SSN=" + std::to_string(a.ssn->value);
  if (a.gt) {
    s += " GT=" + a.gt->digits.str() + "(gti=" + std::to_string(a.gt->gti) + ",tt=" + std::to_string(a.gt->tt) +
         ",np=" + std::to_string(a.gt->np) + ",nai=" + std::to_string(a.gt->nai) + ")";
  }
  return s;
}

Expected<Ok, ConfigError> validate(const EndpointConfig& c) {
  auto bad = [](std::string key, std::string reason) { return ConfigError{{}, 0, std::move(key), std::move(reason)}; };
  if (c.name.empty() || c.name.size() > 24) return bad("name", "must be 1 to 24 characters");
  if (!c.own_pc.valid()) return bad("own_pc", "not a 14-bit point code");
  if (!c.next_hop_pc.valid()) return bad("next_hop_pc", "not a 14-bit point code");
  if (c.ssns.empty()) return bad("ssns", "at least one subsystem must be bound");
  for (std::size_t i = 0; i < c.ssns.size(); ++i) {
    const std::string key = "ssns[" + std::to_string(i) + "]";
    if (c.ssns[i].value == 0 || c.ssns[i].value == 1) return bad(key, "0 (unknown) and 1 (SCCP management, Q.713 §3.4.2.2) cannot be bound");
    for (std::size_t j = 0; j < i; ++j)
      if (c.ssns[i] == c.ssns[j])
        return bad(key, "subsystem " + std::to_string(c.ssns[i].value) + " is listed twice");
  }
  for (char ch : c.own_gt.digits.view())
    if (ch < '0' || ch > '9') return bad("own_gt", "digits must be 0-9");
  if (c.transport != Transport::kM3uaClient && c.routing_context != 0)
    return bad("routing_context", "must be 0 over IPA (IPA has no routing context; RFC 4666 §3.3.1 is M3UA's)");
  if (c.transport != Transport::kIpaServer && c.remote_host.empty()) return bad("remote_host", "required for a client");
  if (c.transport == Transport::kIpaServer) {
    if (c.peer_name.empty()) return bad("peer_name", "required in ipa-server mode");
    if (!c.peer_pc.valid()) return bad("peer_pc", "not a 14-bit point code");
    if (c.local_port == 0) return bad("local_port", "required in ipa-server mode (the port to listen on)");
  }
  if (c.reconnect_interval.count() < 0) return bad("reconnect_interval", "must not be negative");
  if (c.link_poll_interval.count() <= 0) return bad("link_poll_interval", "must be positive");
  if (c.max_outbound_queue == 0) return bad("max_outbound_queue", "must be at least 1");
  return Ok{};
}

}  // namespace ussdgw::ss7
