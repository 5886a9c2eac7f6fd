// Names for the MAP layer of the decode output, and the returnError
// parameters. Thin adapters over gateway/codec/map_names.h and
// map_errors.h so the rest of the decoder does not depend on their layout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ussdgw/result.h"

namespace ussdgw::decode {

// TS 29.002 §17.6 operation name ("processUnstructuredSS-Request"), "" if unknown.
std::string map_operation_name(std::int64_t opcode, std::optional<std::uint8_t> ac_version);
// TS 29.002 §17.6.6 error name ("unknownSubscriber"), "" if unknown.
std::string map_error_name(std::int64_t error_code);
// The decoded parameter of a returnError (diagnostics), or {"raw": hex}.
nlohmann::json map_error_param(std::int64_t error_code, Bytes param, nlohmann::json& error);

}  // namespace ussdgw::decode
