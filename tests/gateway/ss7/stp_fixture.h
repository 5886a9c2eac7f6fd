// Tests use the same osmo-stp child process as the demo and the benchmarks.
#pragma once
#include "tools/support/stp_process.h"

namespace ussdgw::test {
using StpFixture = ss7::StpProcess;
}  // namespace ussdgw::test
