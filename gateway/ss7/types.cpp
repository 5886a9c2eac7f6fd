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

Expected<Ok, ConfigError> validate(const EndpointConfig& c) {
  auto bad = [](std::string key, std::string reason) { return ConfigError{{}, 0, std::move(key), std::move(reason)}; };
  if (c.name.empty() || c.name.size() > 24) return bad("name", "must be 1 to 24 characters");
  if (!is_itu(c.own_pc)) return bad("own_pc", "not a 14-bit point code");
  if (!is_itu(c.next_hop_pc)) return bad("next_hop_pc", "not a 14-bit point code");
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
    if (!is_itu(c.peer_pc)) return bad("peer_pc", "not a 14-bit point code");
    if (c.local_port == 0) return bad("local_port", "required in ipa-server mode (the port to listen on)");
  }
  if (c.reconnect_interval.count() < 0) return bad("reconnect_interval", "must not be negative");
  if (c.link_poll_interval.count() <= 0) return bad("link_poll_interval", "must be positive");
  if (c.max_outbound_queue == 0) return bad("max_outbound_queue", "must be at least 1");
  return Ok{};
}

}  // namespace ussdgw::ss7
