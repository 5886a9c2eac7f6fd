// Typed codec values -> the JSON objects of `ussdgw decode` (docs/decode.md).
// One function per layer; each reports the first failure in `error` as
// {"layer", "offset", "reason"}, offset counted inside that layer's octets,
// and keeps whatever decoded before it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "gateway/codec/sccp.h"
#include "gateway/codec/tcap.h"
#include "ussdgw/result.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::decode {

nlohmann::json describe_sccp_address(const sccp::Address& a);
nlohmann::json describe_sccp(const sccp::Message& m);

// The application context of the dialogue, as far as it is known: needed to
// pick the parameter type of op 46 (forwardSM v1/v2 vs mo-forwardSM v3).
struct AcContext {
  std::optional<std::uint8_t> ac;       // 0.4.0.0.1.0.<ac>.<version>
  std::optional<std::uint8_t> version;
  // A dialogue with an AC outside the MAP tree (e.g. CAP or a vendor OID):
  // its operation codes mean something else, so MAP parameters are not read.
  bool foreign = false;
};

// The `tcap` object: type, otid/dtid, dialogue, components (with MAP names
// and decoded parameters).
nlohmann::json describe_tcap(Bytes tcap, nlohmann::json& error);

// MAP parts (describe_map.cpp).
// Adds map_dialogue, destination_reference, origination_reference, ... to `tcap`.
void describe_map_user_information(Bytes user_information, nlohmann::json& tcap, nlohmann::json& error);
// Adds operation / error names and `param` to one component object.
void describe_map_component(const tcap::Component& c, const AcContext& ac, nlohmann::json& comp,
                            nlohmann::json& error);
// MAP application-context name ("networkUnstructuredSsContext-v2") or "".
std::string map_ac_name(const std::string& dotted);

// {"layer", "offset", "reason"} with the offset of e.at inside `whole`.
nlohmann::json layer_error(const char* layer, Bytes whole, const Error& e);

// Moves a decoded value into `out`, or records the first failure (with its
// offset inside `param`) in `error` and returns false.
template <class T>
bool take(Result<T>&& r, Bytes param, const char* layer, nlohmann::json& error, T& out) {
  if (!r) {
    if (error.is_null()) error = layer_error(layer, param, r.error());
    return false;
  }
  out = std::move(r.value());
  return true;
}

inline std::string digits(const AddressString& a) { return a.digits.str(); }

}  // namespace ussdgw::decode
