// The USSD service's own checks on its part of the configuration, made on
// its own struct (config/ stays a leaf: it cannot know the MAP error names
// or how a text encodes). The composition root calls them for
// `ussdgw run --check` and before start, and reports the error with the
// file and line (app/config_check.h); Service::create repeats them for
// configurations built in code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ussd/service/service_config.h"
#include "ussdgw/config_error.h"
#include "ussdgw/expected.h"

namespace ussdgw::ussd {

// MAP errors a config key may name (customers[].fallback.map_error,
// ussd.no_route_error), spelt as in TS 29.002 §17.6.6 / tshark: the errors
// of processUnstructuredSS-Request (TS 29.002 §17.6.4 op 59: systemFailure,
// dataMissing, unexpectedDataValue, unknownAlphabet, callBarred) and
// ussd-Busy (72), which MSCs pass on for op 59 too. Any other error would be
// an unexpectedError for the MSC's TCAP (Q.773 §3.2.2 returnError problem).
[[nodiscard]] const std::vector<std::string>& ussd_error_names();
// The local error code of one of ussd_error_names(); nullopt for any other name.
[[nodiscard]] std::optional<std::uint8_t> ussd_error_code(std::string_view name);

// ussd.busy_text must fit a USSD-String (TS 29.002 §17.7.4: 1 to 160 octets
// once encoded as the service sends it, TS 23.038) unless empty;
// ussd.no_route_error must be one of ussd_error_names(); each customer's
// fallback: map_error one of ussd_error_names(), else the text must fit a
// USSD-String. The first error found; its key is the member path in `c`
// ("ussd.busy_text", "customers[0].fallback.map_error"), which is also the
// key path in the file.
[[nodiscard]] Expected<Ok, ConfigError> validate(const ServiceConfig& c);

}  // namespace ussdgw::ussd
