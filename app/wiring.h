// Config to module: each module takes its own struct, made here from the
// plain config data (defined in app/gateway.cpp, where they are wired). The
// composition root is the only code that knows both sides; app/config_check
// uses the same translation, so `run --check` validates exactly what `run`
// would start with.
#pragma once

#include "config/config.h"
#include "gateway/ss7/config.h"
#include "gateway/tcap/dialogue_layer.h"
#include "storage/sqlite_session_store.h"
#include "ussd/service/service_config.h"

namespace ussdgw::gateway {

[[nodiscard]] ss7::EndpointConfig endpoint_config(const config::Ss7& c);
// config.instance.number goes into the layer's LocalTids.
[[nodiscard]] dialogue::Config dialogue_config(const config::Config& c);
// config.instance.name names the store's rows (docs/storage.md).
[[nodiscard]] storage::SqliteStoreOptions store_options(const config::Config& c);
// The `ussd` section, the customers (the relay's channel settings
// included) and the routes, in the file's order.
[[nodiscard]] ussd::ServiceConfig ussd_config(const config::Config& c);

}  // namespace ussdgw::gateway
