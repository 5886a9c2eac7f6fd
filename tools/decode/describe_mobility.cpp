// MAP layer of the decode output for the operations beside USSD and SMS that
// show up in SS7 captures (location update, authentication, subscriber data,
// call routing, any-time interrogation): their identity parameters, decoded
// by gateway/codec/map_mobility.h. Field names: docs/decode.md.
#include "tools/decode/describe_mobility.h"

#include "gateway/codec/map_mobility.h"
#include "tools/decode/describe.h"

namespace ussdgw::decode {

using nlohmann::json;

namespace {

std::string hex(Bytes b) { return to_hex(b); }

json cell_json(Bytes fixed) {
  json j{{"hex", hex(fixed)}};
  if (auto c = map::decode_cell_id(fixed)) {
    j["mcc"] = c->mcc.str();
    j["mnc"] = c->mnc.str();
    j["lac"] = c->lac;
    if (c->ci) j["ci"] = *c->ci;
  }
  return j;
}

json auth_json(const map::AuthenticationSets& s) {
  using K = map::AuthenticationSets::Kind;
  json j{{"kind", s.kind == K::Quintuplets ? "quintuplets" : "triplets"}, {"count", s.count}};
  json rand = json::array(), autn = json::array();
  for (const auto& r : s.rand) rand.push_back(hex(r));
  for (const auto& a : s.autn) autn.push_back(hex(a));
  j["rand"] = rand;
  if (!s.autn.empty()) j["autn"] = autn;
  return j;
}

template <std::size_t N>
json codes(const FixedVector<std::uint8_t, N>& v) {
  json a = json::array();
  for (auto c : v) a.push_back(c);
  return a;
}

const char* state_name(map::AnyTimeInterrogationRes::State s) {
  using S = map::AnyTimeInterrogationRes::State;
  switch (s) {
    case S::AssumedIdle: return "assumedIdle";
    case S::CamelBusy: return "camelBusy";
    case S::NotProvidedFromVlr: return "notProvidedFromVLR";
    case S::NetDetNotReachable: return "netDetNotReachable";
    case S::Unknown: break;
  }
  return "unknown";
}

// RequestedInfo's NULL flags by context tag number (TS 29.002 §17.7.3).
json requested_json(std::uint32_t bits) {
  static constexpr const char* names[] = {"locationInformation", "subscriberState", nullptr, "currentLocation",
                                          nullptr, "ms-classmark", "imei", "mnpRequestedInfo"};
  json a = json::array();
  for (std::uint32_t n = 0; n < 32; ++n) {
    if (!(bits & (1u << n))) continue;
    if (n < std::size(names) && names[n]) a.push_back(names[n]);
    else a.push_back(n);
  }
  return a;
}

std::optional<json> invoke_param(std::int64_t op, Bytes p, json& error) {
  json j = json::object();
  switch (op) {
    case 2: {
      map::UpdateLocationArg a;
      if (!take(map::decode_update_location_arg(p), p, "map", error, a)) return j;
      j = json{{"imsi", a.imsi.digits.str()}, {"msc_number", digits(a.msc_number)}, {"vlr_number", digits(a.vlr_number)}};
      if (!a.lmsi.empty()) j["lmsi"] = hex(a.lmsi);
      return j;
    }
    case 23: {
      map::UpdateGprsLocationArg a;
      if (!take(map::decode_update_gprs_location_arg(p), p, "map", error, a)) return j;
      return json{{"imsi", a.imsi.digits.str()}, {"sgsn_number", digits(a.sgsn_number)}, {"sgsn_address", hex(a.sgsn_address)}};
    }
    case 56: {
      map::SendAuthenticationInfoArg a;
      if (!take(map::decode_send_authentication_info_arg(p), p, "map", error, a)) return j;
      j["imsi"] = a.imsi.digits.str();
      if (a.number_of_requested_vectors) j["number_of_requested_vectors"] = *a.number_of_requested_vectors;
      if (a.requesting_node_type) j["requesting_node_type"] = *a.requesting_node_type;
      if (!a.requesting_plmn_id.empty()) j["requesting_plmn_id"] = hex(a.requesting_plmn_id);
      return j;
    }
    case 55: {
      map::SendIdentificationArg a;
      if (!take(map::decode_send_identification_arg(p), p, "map", error, a)) return j;
      j["tmsi"] = hex(a.tmsi);
      if (a.number_of_requested_vectors) j["number_of_requested_vectors"] = *a.number_of_requested_vectors;
      if (a.msc_number) j["msc_number"] = digits(*a.msc_number);
      return j;
    }
    case 7: {
      map::InsertSubscriberDataArg a;
      if (!take(map::decode_insert_subscriber_data_arg(p), p, "map", error, a)) return j;
      if (a.imsi) j["imsi"] = a.imsi->digits.str();
      if (a.msisdn) j["msisdn"] = digits(*a.msisdn);
      if (a.category) j["category"] = *a.category;
      if (a.subscriber_status) j["subscriber_status"] = *a.subscriber_status;
      if (!a.teleservices.empty()) j["teleservices"] = codes(a.teleservices);
      if (!a.bearer_services.empty()) j["bearer_services"] = codes(a.bearer_services);
      if (!a.forwardings.empty()) {
        json f = json::array();
        for (const auto& x : a.forwardings)
          f.push_back(json{{"ss_code", x.ss_code}, {"forwarded_to_number", digits(x.forwarded_to_number)}});
        j["call_forwarding"] = f;
      }
      return j;
    }
    case 22: {
      map::SendRoutingInfoArg a;
      if (!take(map::decode_send_routing_info_arg(p), p, "map", error, a)) return j;
      j["msisdn"] = digits(a.msisdn);
      j["interrogation_type"] = a.interrogation_type == 0 ? "basicCall" : "forwarding";
      if (a.number_of_forwarding) j["number_of_forwarding"] = *a.number_of_forwarding;
      if (a.or_interrogation) j["or_interrogation"] = true;
      if (a.gmsc_address) j["gmsc_address"] = digits(*a.gmsc_address);
      if (!a.call_reference_number.empty()) j["call_reference_number"] = hex(a.call_reference_number);
      return j;
    }
    case 71: {
      map::AnyTimeInterrogationArg a;
      if (!take(map::decode_any_time_interrogation_arg(p), p, "map", error, a)) return j;
      if (a.imsi) j["imsi"] = a.imsi->digits.str();
      if (a.msisdn) j["msisdn"] = digits(*a.msisdn);
      j["requested_info"] = requested_json(a.requested);
      if (a.requested_domain) j["requested_domain"] = *a.requested_domain == 0 ? "cs" : "ps";
      j["gsm_scf_address"] = digits(a.gsm_scf_address);
      return j;
    }
    default:
      return std::nullopt;
  }
}

std::optional<json> result_param(std::int64_t op, Bytes p, json& error) {
  json j = json::object();
  switch (op) {
    case 2:
    case 23: {
      map::HlrNumberRes r;
      if (!take(map::decode_hlr_number_res(p), p, "map", error, r)) return j;
      return json{{"hlr_number", digits(r.hlr_number)}};
    }
    case 56: {
      map::SendAuthenticationInfoRes r;
      if (!take(map::decode_send_authentication_info_res(p), p, "map", error, r)) return j;
      if (r.sets.count) j["authentication_sets"] = auth_json(r.sets);
      return j;
    }
    case 55: {
      map::SendIdentificationRes r;
      if (!take(map::decode_send_identification_res(p), p, "map", error, r)) return j;
      if (r.imsi) j["imsi"] = r.imsi->digits.str();
      if (r.sets.count) j["authentication_sets"] = auth_json(r.sets);
      return j;
    }
    case 7: {
      map::InsertSubscriberDataRes r;
      if (!take(map::decode_insert_subscriber_data_res(p), p, "map", error, r)) return j;
      if (!r.teleservices.empty()) j["teleservices"] = codes(r.teleservices);
      if (!r.bearer_services.empty()) j["bearer_services"] = codes(r.bearer_services);
      return j;
    }
    case 22: {
      map::SendRoutingInfoRes r;
      if (!take(map::decode_send_routing_info_res(p), p, "map", error, r)) return j;
      if (r.imsi) j["imsi"] = r.imsi->digits.str();
      if (r.roaming_number) j["roaming_number"] = digits(*r.roaming_number);
      if (r.forwarded_to_number) j["forwarded_to_number"] = digits(*r.forwarded_to_number);
      if (r.vmsc_address) j["vmsc_address"] = digits(*r.vmsc_address);
      if (r.msisdn) j["msisdn"] = digits(*r.msisdn);
      return j;
    }
    case 71: {
      map::AnyTimeInterrogationRes r;
      if (!take(map::decode_any_time_interrogation_res(p), p, "map", error, r)) return j;
      if (r.age_of_location) j["age_of_location"] = *r.age_of_location;
      if (!r.geographical_information.empty()) j["geographical_information"] = hex(r.geographical_information);
      if (r.vlr_number) j["vlr_number"] = digits(*r.vlr_number);
      if (r.msc_number) j["msc_number"] = digits(*r.msc_number);
      if (!r.cell_global_id.empty()) j["cell_global_id"] = cell_json(r.cell_global_id);
      if (!r.location_area_id.empty()) j["location_area_id"] = cell_json(r.location_area_id);
      if (r.state != map::AnyTimeInterrogationRes::State::Unknown) j["subscriber_state"] = state_name(r.state);
      if (r.not_reachable_reason) j["not_reachable_reason"] = *r.not_reachable_reason;
      if (r.imei) j["imei"] = r.imei->str();
      return j;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

// A parameter that does not decode keeps its octets in `raw` beside the error.
std::optional<json> mobility_invoke_param(std::int64_t op, Bytes p, json& error) {
  const bool had_error = !error.is_null();
  auto j = invoke_param(op, p, error);
  if (j && !had_error && !error.is_null()) (*j)["raw"] = to_hex(p);
  return j;
}

std::optional<json> mobility_result_param(std::int64_t op, Bytes p, json& error) {
  const bool had_error = !error.is_null();
  auto j = result_param(op, p, error);
  if (j && !had_error && !error.is_null()) (*j)["raw"] = to_hex(p);
  return j;
}

}  // namespace ussdgw::decode
