// Config to module: each module takes its own struct, made here from the
// plain config data (defined in app/gateway.cpp, where they are wired). The
// composition root is the only code that knows both sides; app/config_check
// uses the same translation, so `run --check` validates exactly what `run`
// would start with.
#pragma once

#include "config/config.h"
#include "gateway/ss7/config.h"
#include "gateway/tcap/dialogue_layer.h"

namespace ussdgw::gateway {

[[nodiscard]] ss7::EndpointConfig endpoint_config(const config::Ss7& c);
[[nodiscard]] dialogue::Config dialogue_config(const config::Tcap& t);

}  // namespace ussdgw::gateway
