#include "gateway/ss7/config.h"
#include "gateway/ss7/types.h"

namespace ussdgw::ss7 {

std::string to_string(const Address& a) {
  std::string s = a.ri == RoutingIndicator::kGlobalTitle ? "RI=GT" : "RI=SSN";
  if (a.pc) s += " PC=" + ussdgw::to_string(*a.pc);
  if (a.ssn) s += " SSN=" + std::to_string(a.ssn->value);
  if (a.gt) {
    s += " GT=" + a.gt->digits.str() + "(gti=" + std::to_string(a.gt->gti) + ",tt=" + std::to_string(a.gt->tt) +
         ",np=" + std::to_string(a.gt->np) + ",nai=" + std::to_string(a.gt->nai) + ")";
  }
  return s;
}

std::string validate(const EndpointConfig& c) {
  if (c.name.empty() || c.name.size() > 24) return "name: must be 1..24 characters";
  if (!is_itu(c.own_pc)) return "own_pc: not a 14-bit point code";
  if (!is_itu(c.next_hop_pc)) return "next_hop_pc: not a 14-bit point code";
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
    if (!is_itu(c.peer_pc)) return "peer_pc: not a 14-bit point code";
    if (c.local_port == 0) return "local_port: required in ipa-server mode";
  }
  if (c.reconnect_interval.count() < 0) return "reconnect_interval: must not be negative";
  if (c.link_poll_interval.count() <= 0) return "link_poll_interval: must be positive";
  if (c.max_outbound_queue == 0) return "max_outbound_queue: must be positive";
  return {};
}

}  // namespace ussdgw::ss7
