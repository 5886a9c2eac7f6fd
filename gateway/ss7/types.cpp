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

std::string validate(const EndpointConfig& c) {
  if (c.name.empty() || c.name.size() > 24) return "name: must be 1..24 characters";
  if (!c.own_pc.valid()) return "own_pc: not a 14-bit point code";
  if (!c.next_hop_pc.valid()) return "next_hop_pc: not a 14-bit point code";
  if (c.ssns.empty()) return "ssns: at least one subsystem must be bound";
  for (std::size_t i = 0; i < c.ssns.size(); ++i) {
    if (c.ssns[i].value == 0 || c.ssns[i].value == 1) return "ssns: 0 and 1 (SCMG) cannot be bound";
    for (std::size_t j = 0; j < i; ++j)
      if (c.ssns[i] == c.ssns[j]) return "ssns: duplicate subsystem";
  }
  for (char ch : c.own_gt.digits.view())
    if (ch < '0' || ch > '9') return "own_gt: digits must be 0-9";
  if (c.transport != Transport::kM3uaClient && c.routing_context != 0)
    return "routing_context: must be 0 for IPA (no routing context on IPA)";
  if (c.transport != Transport::kIpaServer && c.remote_host.empty()) return "remote_host: required for a client";
  if (c.transport == Transport::kIpaServer) {
    if (c.peer_name.empty()) return "peer_name: required in ipa-server mode";
    if (!c.peer_pc.valid()) return "peer_pc: not a 14-bit point code";
    if (c.local_port == 0) return "local_port: required in ipa-server mode";
  }
  if (c.reconnect_interval.count() < 0) return "reconnect_interval: must not be negative";
  if (c.link_poll_interval.count() <= 0) return "link_poll_interval: must be positive";
  if (c.max_outbound_queue == 0) return "max_outbound_queue: must be positive";
  return {};
}

}  // namespace ussdgw::ss7
