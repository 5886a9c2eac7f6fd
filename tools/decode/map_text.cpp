#include "tools/decode/map_text.h"

#include "gateway/codec/map_errors.h"
#include "gateway/codec/map_names.h"
#include "tools/decode/describe.h"

namespace ussdgw::decode {

std::string map_operation_name(std::int64_t opcode, std::optional<std::uint8_t> ac_version) {
  // Op 46 is forwardSM in AC v1/v2 and mo-forwardSM in v3 (TS 29.002
  // §17.6.5); without a dialogue portion the version is not known here.
  if (ac_version) return std::string(map::operation_name(opcode, *ac_version));
  return std::string(map::operation_name(opcode));
}

std::string map_error_name(std::int64_t error_code) { return std::string(map::error_name(error_code)); }

std::string map_ac_name(const std::string& dotted) {
  FixedVector<std::uint8_t, 32> oid;
  if (!ber::oid_from_string(dotted, oid)) return {};
  return map::ac_name(Bytes(oid.begin(), oid.size())).str();
}

nlohmann::json map_error_param(std::int64_t error_code, Bytes param, nlohmann::json& error) {
  nlohmann::json j = nlohmann::json::object();
  auto r = map::decode_error_parameter(error_code, param);
  if (!r) {
    if (error.is_null()) error = layer_error("map", param, r.error());
    j["raw"] = to_hex(param);
    return j;
  }
  const auto& p = *r;
  if (p.unknown_subscriber_diagnostic) j["unknown_subscriber_diagnostic"] = *p.unknown_subscriber_diagnostic;
  if (p.absent_sm_diagnostic) j["absent_subscriber_diagnostic_sm"] = *p.absent_sm_diagnostic;
  if (p.additional_absent_sm_diagnostic) j["additional_absent_subscriber_diagnostic_sm"] = *p.additional_absent_sm_diagnostic;
  if (p.network_resource) j["network_resource"] = *p.network_resource;
  if (p.call_barring_cause) j["call_barring_cause"] = *p.call_barring_cause;
  if (p.sm_delivery_failure_cause) j["sm_delivery_failure_cause"] = *p.sm_delivery_failure_cause;
  if (p.diagnostic_info) j["diagnostic_info"] = to_hex(*p.diagnostic_info);
  if (p.absent_subscriber_reason) j["absent_subscriber_reason"] = *p.absent_subscriber_reason;
  if (p.mwd_set) j["mwd_set"] = *p.mwd_set;
  j["text"] = map::to_text(p).str();
  return j;
}

}  // namespace ussdgw::decode
