// JSON for the MAP operations decoded by gateway/codec/map_mobility.h
// (ops 2, 7, 22, 23, 55, 56, 71): the `param` object of an invoke or of a
// returnResult, or nullopt when `op` is not one of them.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "ussdgw/result.h"

namespace ussdgw::decode {

// A parameter that does not decode gives {"raw": hex} and its error (the
// first of the message) goes to `error`.
std::optional<nlohmann::json> mobility_invoke_param(std::int64_t op, Bytes param, nlohmann::json& error);
std::optional<nlohmann::json> mobility_result_param(std::int64_t op, Bytes param, nlohmann::json& error);

}  // namespace ussdgw::decode
