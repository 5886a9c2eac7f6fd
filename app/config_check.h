// `ussdgw run --check` and the start of `ussdgw run`: everything about the
// configuration that can be checked without the network, each problem
// reported as "FILE:LINE: KEY: reason" (docs/config.md).
//
// The loader (config/) checks what needs only the values; each module then
// checks its own struct with its own knowledge (ss7::validate on the
// EndpointConfig made by app/wiring.h, ussd::validate on the texts and MAP
// error names, the relay's URL parser on every customer URL), and this file
// maps the module's key to the file's key and line. What needs the file
// system (the TLS CA file, the database directory) is checked here too.
#pragma once

#include <string>

#include "config/config.h"
#include "ussdgw/config_error.h"
#include "ussdgw/expected.h"

namespace ussdgw::app {

// The module checks on a loaded config; the first problem found.
[[nodiscard]] Expected<Ok, ConfigError> check(const config::Loaded& loaded);

// load_file() and check(): what `ussdgw run` does before anything starts.
[[nodiscard]] Expected<config::Config, ConfigError> load_and_check(const std::string& path);

}  // namespace ussdgw::app
